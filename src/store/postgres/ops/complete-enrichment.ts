import type { EnrichmentCompletion } from '../../accept-types.js';
import { type CandidateRow, toCandidate } from '../../rows.js';
import { completionQuery, decideAndPlanCompletion } from '../../rules/completion-plan.js';
import { supersedeLookup } from '../../rules/enrichment.js';
import type { EventStatus } from '../../store.js';
import type { Queryable } from '../driver.js';
import { bytes } from '../rows.js';
import * as comparison from '../sql/comparison.js';
import * as enrichment from '../sql/enrichment.js';
import * as intake from '../sql/intake.js';
import { interviewLock, orderLock, TAKE_LOCKS } from '../sql/locks.js';
import * as outbox from '../sql/outbox.js';
import { applyCounterpart, insertPair, updateComparison } from './apply-pair.js';
import { loginCandidates } from './candidates.js';

/**
 * The end of a wait for a score, inside a transaction (store.ts completeEnrichment): the locks
 * an accept of the same customer and interview takes, the facts, the decision
 * (rules/enrichment.ts) and its plan (rules/completion-plan.ts) applied in order.
 */
export async function completeEnrichment(
  c: Queryable,
  eventId: string,
  completion: EnrichmentCompletion,
  now: number,
): Promise<EventStatus | null> {
  const lookup = supersedeLookup(completion);
  const customerId = 'status' in completion ? null : completion.normalized.ids.customerId;
  const interviewId = 'status' in completion ? null : completion.normalized.ids.interviewId;
  const locks = [orderLock(customerId ?? eventId)];
  if (lookup) locks.push(interviewLock(lookup.interviewId));
  if (interviewId !== null) locks.push(interviewLock(interviewId));
  await c.query(TAKE_LOCKS, [locks]);
  const current = (
    await c.query<{
      status: EventStatus;
      shadowed: boolean;
      fallback_at: number | null;
      received_at: number;
      customer_id: string | null;
    }>(enrichment.WAITING_FOR_UPDATE, [eventId])
  ).rows[0];
  if (current?.status !== 'enriching') return null;
  const earlier = lookup
    ? (
        await c.query<{ id: string; route: string }>(intake.EARLIER_RESULT, [
          lookup.interviewId,
          lookup.routes,
          eventId,
        ])
      ).rows[0]
    : undefined;
  const paired = (
    await c.query<{ legacy_id: string; workflows_id: string }>(comparison.PAIR_OF, [eventId])
  ).rows[0];
  const otherId = paired && (paired.legacy_id === eventId ? paired.workflows_id : paired.legacy_id);
  const otherRow = otherId
    ? (await c.query<CandidateRow>(comparison.CANDIDATE_BY_ID, [otherId])).rows[0]
    : undefined;
  const row = {
    id: eventId,
    receivedAt: current.received_at,
    fallbackAt: current.fallback_at,
    customerId: current.customer_id,
    shadowed: current.shadowed,
    pairedWith: (otherRow && toCandidate(otherRow)) ?? null,
  };
  const query = completionQuery(row, completion);
  const candidates = query ? await loginCandidates(c, query) : [];
  const plan = decideAndPlanCompletion(row, completion, earlier, candidates, now);
  const r = plan.row;
  await c.query(enrichment.ENRICHED, [
    r.id,
    r.normalized,
    r.resultStatus,
    r.reason,
    r.customerId,
    r.forwardFormat,
    r.forwardBody === null ? null : bytes(r.forwardBody),
    r.legacyFields,
    r.state,
    r.error,
    r.status,
    r.note,
    r.lastError,
    r.called ? 1 : 0,
    r.fallbackAt,
    r.bucket,
  ]);
  if (plan.outbox.kind === 'drop') await c.query(enrichment.DROP_OUTBOX, [eventId]);
  else {
    const { body, at } = plan.outbox;
    const held = await c.query(enrichment.RELEASE_HELD, [bytes(body), at, eventId]);
    if (held.rowCount === 0) await c.query(outbox.ENQUEUE, [[eventId], at]);
  }
  if (plan.pair?.kind === 'insert') await insertPair(c, plan.pair.pair);
  else if (plan.pair?.kind === 'compare') {
    await updateComparison(c, plan.pair.legacyId, plan.pair.workflowsId, plan.pair.comparison);
  }
  await applyCounterpart(c, plan.counterpart);
  return plan.status;
}
