import type { EnrichmentCompletion } from '../../accept-types.js';
import { toCandidate, toCandidates } from '../../rows.js';
import { completionQuery, decideAndPlanCompletion } from '../../rules/completion-plan.js';
import { supersedeLookup } from '../../rules/enrichment.js';
import type { EventStatus } from '../../store.js';
import type { Sqlite } from '../statements.js';
import { applyCounterpart, insertPair, updateComparison } from './apply-pair.js';

/**
 * The end of a wait for a score, inside a transaction (store.ts completeEnrichment): the facts,
 * the decision (rules/enrichment.ts), its plan (rules/completion-plan.ts) applied in order.
 */
export function completeEnrichment(
  db: Sqlite,
  eventId: string,
  completion: EnrichmentCompletion,
  now: number,
): EventStatus | null {
  const { s } = db;
  const current = s.waitingOf.get(eventId);
  if (current?.status !== 'enriching') return null;
  const lookup = supersedeLookup(completion);
  const earlier = lookup
    ? s.earlierResult.get({
        interviewId: lookup.interviewId,
        routes: JSON.stringify(lookup.routes),
        id: eventId,
      })
    : undefined;
  const paired = s.pairOf.get(eventId, eventId);
  const otherId = paired && (paired.legacy_id === eventId ? paired.workflows_id : paired.legacy_id);
  const otherRow = otherId ? s.candidateById.get(otherId) : undefined;
  const row = {
    id: eventId,
    receivedAt: current.received_at,
    fallbackAt: current.fallback_at,
    customerId: current.customer_id,
    shadowed: current.shadowed === 1,
    pairedWith: (otherRow && toCandidate(otherRow)) ?? null,
  };
  const query = completionQuery(row, completion);
  const candidates = query ? toCandidates(s.loginCandidates.all(query)) : [];
  const plan = decideAndPlanCompletion(row, completion, earlier, candidates, now);
  s.enriched.run({ ...plan.row, called: plan.row.called ? 1 : 0 });
  if (plan.outbox.kind === 'drop') s.dropOutbox.run(eventId);
  else if (s.heldOutbox.run(plan.outbox.body, plan.outbox.at, eventId).changes === 0) {
    s.enqueue.run(plan.outbox.at, eventId);
  }
  if (plan.pair?.kind === 'insert') insertPair(db, plan.pair.pair);
  else if (plan.pair?.kind === 'compare') {
    updateComparison(db, plan.pair.legacyId, plan.pair.workflowsId, plan.pair.comparison);
  }
  applyCounterpart(db, plan.counterpart);
  return plan.status;
}
