import type { AcceptResult, NewEvent } from '../../accept-types.js';
import { asksLine, planAccept } from '../../rules/accept-plan.js';
import { decideArrival, loginIdsOf, seeksCounterpart } from '../../rules/arrival.js';
import { dedupSince } from '../../rules/dedup.js';
import { counterpartQuery } from '../../rules/login.js';
import { HELD } from '../../sql-fragments.js';
import type { Queryable } from '../driver.js';
import { bytes } from '../rows.js';
import * as intake from '../sql/intake.js';
import { interviewLock, orderLock } from '../sql/locks.js';
import * as operating from '../sql/operating.js';
import { applyCounterpart, insertPair } from './apply-pair.js';
import { loginCandidates } from './candidates.js';

/**
 * A statement of the hot paths by name: each connection parses and plans it once (node-postgres
 * prepares it on first use), instead of at every webhook.
 */
const named = (name: string, text: string) => ({ name, text });

/** The advisory locks of an accept: the line, the customer (pairing) and the interview (supersede). */
export function acceptLocks(event: NewEvent): string[] {
  const n = event.normalized;
  const ids = n ? n.ids : (event.ids ?? { customerId: null, interviewId: null });
  const locks = [orderLock(event.orderKey)];
  if (ids.customerId !== null) locks.push(orderLock(ids.customerId));
  if (event.supersededBy) locks.push(interviewLock(event.supersededBy.interviewId));
  if (ids.interviewId !== null) locks.push(interviewLock(ids.interviewId));
  return locks;
}

/**
 * One accept inside a transaction (store.ts accept): its locks with the redelivery key, the
 * facts read under them, then the plan (rules/accept-plan.ts) applied in its order, the event
 * and its outbox entry in one statement.
 */
export async function accept(
  c: Queryable,
  event: NewEvent,
  dedupWindowMs: number,
  instanceId: string,
): Promise<AcceptResult> {
  const reingest = event.reingest;
  if (reingest) {
    const marked = await c.query(operating.MARK_REINGESTED, [
      reingest.quarantineId,
      event.id,
      reingest.at,
    ]);
    if (marked.rowCount === 0) {
      // Taken in already (or at another instance a moment ago): as that event.
      const { rows } = await c.query<{ reingested_event_id: string | null }>(
        operating.REINGESTED_AS,
        [reingest.quarantineId],
      );
      const as = rows[0]?.reingested_event_id;
      if (as) return { eventId: as, duplicate: true };
    }
  }
  const kept = await c.query(named('keep_dedup', intake.LOCK_AND_KEEP_DEDUP_KEY), [
    event.dedupKey,
    event.id,
    event.receivedAt,
    dedupSince(event.receivedAt, dedupWindowMs),
    acceptLocks(event),
  ]);
  if (kept.rowCount === 0) {
    const { rows } = await c.query<{ id: string }>(intake.COUNT_DUPLICATE, [event.dedupKey]);
    const first = rows[0]?.id ?? event.id;
    if (reingest) await c.query(operating.SET_REINGESTED_AS, [reingest.quarantineId, first]);
    return { eventId: first, duplicate: true };
  }
  const earlier = event.supersededBy
    ? (
        await c.query<{ id: string; route: string }>(intake.EARLIER_RESULT, [
          event.supersededBy.interviewId,
          event.supersededBy.routes,
          event.id,
        ])
      ).rows[0]
    : undefined;
  // Read under the customer's and the interview's locks: a report of the same login being
  // accepted at another instance has committed, or waits for this one.
  const candidates = seeksCounterpart(event, earlier)
    ? await loginCandidates(c, counterpartQuery(loginIdsOf(event), event.pairing.windowMs))
    : [];
  const arrival = decideArrival(event, earlier, candidates);
  // The fast path's look at the line, read under the line's lock.
  const inLine =
    asksLine(event, arrival) &&
    ((await c.query(named('in_line', intake.IN_LINE), [event.orderKey])).rowCount ?? 0) > 0;
  const plan = planAccept(event, arrival, inLine);
  const r = plan.row;
  const row = [
    r.id,
    r.source,
    r.route,
    r.receivedAt,
    r.dedupKey,
    r.contentType,
    bytes(r.rawBody),
    r.normalized,
    r.resultStatus,
    r.reason,
    r.customerId,
    r.interviewId,
    r.status,
    r.forwardFormat,
    r.forwardBody === null ? null : bytes(r.forwardBody),
    r.fallbackAt,
    r.legacyFields,
    r.eventName,
    r.note,
    r.enrichDeadline,
    r.enrichWait,
    r.enrichNextAt,
    r.shadowed,
    r.bucket,
  ];
  const o = plan.outbox;
  if (o) {
    await c.query(named('insert_event_outbox', intake.INSERT_EVENT_AND_OUTBOX), [
      ...row,
      bytes(o.body),
      o.held ? HELD : o.nextAttemptAt,
      o.orderKey,
      o.leaseUntil,
      o.leaseUntil === null ? null : instanceId,
    ]);
  } else {
    await c.query(intake.INSERT_EVENT, row);
  }
  if (plan.pair) await insertPair(c, plan.pair);
  await applyCounterpart(c, plan.counterpart);
  return plan.result;
}
