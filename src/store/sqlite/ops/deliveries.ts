import type { AttemptRecord, FailedNext, OutboxItem, ReleasedHold } from '../../delivery-types.js';
import type { Sqlite } from '../statements.js';

/** The delivery side's writes, each inside a transaction: claims, results, holds. */

export function claimDue({ s }: Sqlite, now: number, limit: number, leaseMs: number): OutboxItem[] {
  const rows = s.due.all({ now, limit });
  for (const row of rows) s.lease.run(now + leaseMs, row.event_id);
  return rows.map((row) => ({
    eventId: row.event_id,
    source: row.source,
    body: row.body,
    attempts: row.attempts,
  }));
}

export function recordDelivered({ s }: Sqlite, eventId: string, attempt: AttemptRecord): void {
  // No attempt row: the success is kept on the event row (see getEvent).
  s.delivered.run(attempt.at + attempt.durationMs, attempt.statusCode, attempt.durationMs, eventId);
  s.deleteOutbox.run(eventId);
}

export function recordFailed(
  { s }: Sqlite,
  eventId: string,
  attempt: AttemptRecord,
  next: FailedNext,
): void {
  const lastError = attempt.error ?? `HTTP ${attempt.statusCode}`;
  s.insertAttempt.run({ eventId, ...attempt });
  if (next === 'dead') {
    s.failed.run('dead', lastError, eventId);
    s.deleteOutbox.run(eventId);
  } else {
    s.failed.run('pending', lastError, eventId);
    s.reschedule.run(next.retryAt, next.holdUntil ?? null, eventId);
  }
}

export function releaseHolds({ s }: Sqlite, now: number): ReleasedHold[] {
  return s.holdsDue.all(now).map((row) => {
    const waiting = s.waitingBehind.get(row.order_key, row.seq)?.n ?? 0;
    s.stepOut.run(row.event_id);
    s.markReleased.run(now, row.event_id);
    return {
      eventId: row.event_id,
      customerId: row.order_key,
      waiting,
      lastError: row.last_error,
      attempts: row.attempts,
    };
  });
}
