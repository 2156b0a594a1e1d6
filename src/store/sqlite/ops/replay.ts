import type { ReplayResult, ReplayScope } from '../../delivery-types.js';
import { planRequeue, REPLAY_BATCH, replayGoesOn, replayOutcome } from '../../rules/replay.js';
import type { Sqlite } from '../statements.js';

/**
 * Inside a transaction: the events go back in line with the body they were rendered with, or
 * wait for their score again (rules/replay.ts planRequeue).
 */
function requeue({ s }: Sqlite, ids: readonly string[], now: number): void {
  const plan = planRequeue(ids.map((id) => ({ id, needsScore: !!s.needsScore.get(id) })));
  for (const id of ids) {
    s.keepSuccess.run(id);
    s.forgetSuccess.run(id);
  }
  for (const id of plan.reenrich) s.reenrich.run(now, now, id);
  for (const id of plan.enqueue) {
    s.enqueue.run(now, id);
    s.setPending.run(id);
  }
}

/** One event, inside a transaction (store.ts replay). */
export function replay(db: Sqlite, eventId: string, now: number): ReplayResult {
  const row = db.s.statusOf.get(eventId);
  if (!row) return 'not_found';
  const outcome = replayOutcome(row.status);
  if (outcome !== 'replay') return outcome;
  requeue(db, [eventId], now);
  return 'replayed';
}

/**
 * Every event of a status within the scope, REPLAY_BATCH at a time: `inTransaction` runs each
 * batch in a transaction of its own, committed before the next batch is read.
 */
export function replayAll(
  db: Sqlite,
  status: 'dead' | 'delivered',
  now: number,
  scope: ReplayScope,
  inTransaction: <T>(work: () => T) => T,
): number {
  const where = ['status = ?'];
  const params: (string | number)[] = [status];
  // A customer's events through events_counterpart (customer, arrival), a range through
  // events_received: the status is then checked on the rows found (unary plus: not its index).
  if (scope.customerId !== undefined) {
    where[0] = '+status = ?';
    where.push('customer_id = ?');
    params.push(scope.customerId);
  }
  if (scope.from !== undefined) {
    where.push('received_at >= ?');
    params.push(scope.from);
  }
  if (scope.to !== undefined) {
    where.push('received_at < ?');
    params.push(scope.to);
  }
  const select = db.db.prepare<unknown[], { id: string }>(
    `SELECT id FROM events WHERE ${where.join(' AND ')} ORDER BY seq LIMIT ${REPLAY_BATCH}`,
  );
  let replayed = 0;
  for (;;) {
    const done = inTransaction(() => {
      const ids = select.all(...params).map((r) => r.id);
      requeue(db, ids, now);
      return ids.length;
    });
    replayed += done;
    if (!replayGoesOn(done, done)) return replayed;
  }
}
