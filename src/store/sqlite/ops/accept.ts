import type { AcceptResult, NewEvent } from '../../accept-types.js';
import { toCandidates } from '../../rows.js';
import { asksLine, planAccept } from '../../rules/accept-plan.js';
import { decideArrival, loginIdsOf, seeksCounterpart } from '../../rules/arrival.js';
import { dedupSince } from '../../rules/dedup.js';
import { counterpartQuery } from '../../rules/login.js';
import { HELD } from '../../sql-fragments.js';
import type { Sqlite } from '../statements.js';
import { applyCounterpart, insertPair } from './apply-pair.js';

/**
 * One accept, inside the group commit's transaction (store.ts accept): the redelivery key, the
 * facts the decisions need, then the plan (rules/accept-plan.ts) applied in its order.
 */
export function accept(db: Sqlite, event: NewEvent, dedupWindowMs: number): AcceptResult {
  const { s } = db;
  const reingest = event.reingest;
  if (
    reingest &&
    s.markReingested.run(event.id, reingest.at, reingest.quarantineId).changes === 0
  ) {
    // Taken in already: as that event.
    const as = s.reingestedAs.get(reingest.quarantineId)?.reingested_event_id;
    if (as) return { eventId: as, duplicate: true };
  }
  const previous = s.findDuplicate.get(event.dedupKey, dedupSince(event.receivedAt, dedupWindowMs));
  if (previous) {
    s.countDuplicate.run(previous.id);
    if (reingest) s.setReingestedAs.run(previous.id, reingest.quarantineId);
    return { eventId: previous.id, duplicate: true };
  }
  s.keepDedupKey.run(event.dedupKey, event.id, event.receivedAt);
  const earlier = event.supersededBy
    ? s.earlierResult.get({
        interviewId: event.supersededBy.interviewId,
        routes: JSON.stringify(event.supersededBy.routes),
        id: event.id,
      })
    : undefined;
  const candidates = seeksCounterpart(event, earlier)
    ? toCandidates(
        s.loginCandidates.all(counterpartQuery(loginIdsOf(event), event.pairing.windowMs)),
      )
    : [];
  const arrival = decideArrival(event, earlier, candidates);
  const inLine = asksLine(event, arrival) && !!s.inLine.get(event.orderKey);
  const plan = planAccept(event, arrival, inLine);
  const { row, outbox } = plan;
  const info = s.insertEvent.run({ ...row, shadowed: row.shadowed ? 1 : 0 });
  if (outbox) {
    s.insertOutbox.run(
      row.id,
      outbox.body,
      outbox.held ? HELD : outbox.nextAttemptAt,
      info.lastInsertRowid,
      outbox.orderKey,
      outbox.leaseUntil,
    );
  }
  if (plan.pair) insertPair(db, plan.pair);
  applyCounterpart(db, plan.counterpart);
  return plan.result;
}
