import type { OutboxItem } from '../../delivery-types.js';
import type { Sqlite } from '../statements.js';

// Store.claimNext on SQLite: the head of the delivered event's customer line (the statement
// lineHead, sql/outbox.ts), under claimDue's rules restricted to that line: due, not leased, not
// blocked, and no other entry of the line leased; leased in the same transaction.

/**
 * Whether the line has a claimable head now: a read outside any write. Most deliveries leave an
 * empty line behind (a customer's next login is rarely queued), and asking first spares them a
 * write transaction each (measured: the write cost a drain about a third of its rate).
 */
export function hasNext({ s }: Sqlite, after: string, now: number): boolean {
  return s.lineHead.get({ after, now }) !== undefined;
}

/** Runs inside the caller's transaction (GroupCommit.write): reads again, then leases. */
export function claimNext(
  { s }: Sqlite,
  after: string,
  now: number,
  leaseMs: number,
): OutboxItem | null {
  const row = s.lineHead.get({ after, now });
  if (!row) return null;
  s.lease.run(now + leaseMs, row.event_id);
  return { eventId: row.event_id, source: row.source, body: row.body, attempts: row.attempts };
}
