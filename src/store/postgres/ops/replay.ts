import type { ReplayResult, ReplayScope } from '../../delivery-types.js';
import { planRequeue, REPLAY_BATCH, replayGoesOn, replayOutcome } from '../../rules/replay.js';
import type { EventStatus } from '../../store.js';
import type { Queryable } from '../driver.js';
import { orderLock, TAKE_LOCKS } from '../sql/locks.js';
import * as outbox from '../sql/outbox.js';

/**
 * Inside a transaction holding the events' rows: the events go back in line with the body they
 * were rendered with, or wait for their score again (rules/replay.ts planRequeue).
 */
async function requeue(c: Queryable, ids: string[], now: number): Promise<void> {
  const needs = await c.query<{ id: string }>(outbox.NEEDS_SCORE, [ids]);
  const waits = new Set(needs.rows.map((r) => r.id));
  const plan = planRequeue(ids.map((id) => ({ id, needsScore: waits.has(id) })));
  await c.query(outbox.KEEP_SUCCESS, [ids]);
  await c.query(outbox.FORGET_SUCCESS, [ids]);
  if (plan.reenrich.length > 0) await c.query(outbox.REENRICH, [plan.reenrich, now]);
  if (plan.enqueue.length > 0) await c.query(outbox.ENQUEUE, [plan.enqueue, now]);
}

/**
 * One event, inside a transaction (store.ts replay), under the lock of its line as accepts take
 * it: an accept's fast path and the replay see each other, so the replayed event is never
 * overtaken by a later one of its customer.
 */
export async function replay(c: Queryable, eventId: string, now: number): Promise<ReplayResult> {
  const line = (await c.query<{ order_key: string }>(outbox.ORDER_KEYS_OF, [[eventId]])).rows[0];
  if (!line) return 'not_found';
  await c.query(TAKE_LOCKS, [[orderLock(line.order_key)]]);
  const row = (await c.query<{ status: EventStatus }>(outbox.STATUS_FOR_UPDATE, [eventId])).rows[0];
  if (!row) return 'not_found';
  const outcome = replayOutcome(row.status);
  if (outcome !== 'replay') return outcome;
  await requeue(c, [eventId], now);
  return 'replayed';
}

/**
 * Every event of a status within the scope, REPLAY_BATCH at a time: `inTransaction` runs each
 * batch in a transaction of its own holding its lines' locks (as replay).
 */
export async function replayAll(
  status: 'dead' | 'delivered',
  now: number,
  scope: ReplayScope,
  inTransaction: <T>(fn: (c: Queryable) => Promise<T>) => Promise<T>,
): Promise<number> {
  let replayed = 0;
  for (;;) {
    const { found, done } = await inTransaction(async (c) => {
      const next = (
        await c.query<{ id: string; order_key: string }>(outbox.NEXT_WITH_STATUS, [
          status,
          REPLAY_BATCH,
          scope.customerId ?? null,
          scope.from ?? null,
          scope.to ?? null,
        ])
      ).rows;
      if (next.length === 0) return { found: 0, done: 0 };
      await c.query(TAKE_LOCKS, [next.map((r) => orderLock(r.order_key))]);
      const ids = (
        await c.query<{ id: string }>(outbox.LOCK_WITH_STATUS, [status, next.map((r) => r.id)])
      ).rows.map((r) => r.id);
      if (ids.length > 0) await requeue(c, ids, now);
      return { found: next.length, done: ids.length };
    });
    replayed += done;
    // The last batch, or one whose rows another replay took meanwhile: nothing left for this one.
    if (!replayGoesOn(found, done)) return replayed;
  }
}
