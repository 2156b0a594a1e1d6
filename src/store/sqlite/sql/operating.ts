import type Database from 'better-sqlite3';
import type { AheadRow, LineRow, PairDetailRow } from '../../detail-rows.js';
import type { QuarantineRow } from '../../rows.js';
import type { EventStatus } from '../../store.js';

/**
 * What operators do and see: order holds (ORDER_HOLD_MAX), cancels, re-ingest of quarantined
 * bodies, an event's line and pair, the backlog's figures.
 */
export function prepareOperating(db: Database.Database) {
  return {
    // The entries whose hold ran out, still in their customer's line (outbox_holds).
    holdsDue: db.prepare<
      [number],
      {
        event_id: string;
        order_key: string;
        seq: number;
        attempts: number;
        last_error: string | null;
      }
    >(
      `SELECT o.event_id, o.order_key, o.seq, e.attempts, e.last_error
       FROM outbox o JOIN events e ON e.id = o.event_id
       WHERE o.hold_until IS NOT NULL AND o.hold_until <= ? AND o.order_key <> o.event_id
       ORDER BY o.hold_until LIMIT 100`,
    ),
    waitingBehind: db.prepare<[string, number], { n: number }>(
      'SELECT count(*) AS n FROM outbox WHERE order_key = ? AND seq > ?',
    ),
    // A line of its own: the trigger outbox_line_leave makes the next entry the head.
    stepOut: db.prepare<[string]>(
      'UPDATE outbox SET order_key = event_id, hold_until = NULL WHERE event_id = ?',
    ),
    markReleased: db.prepare<[number, string]>(
      'UPDATE events SET hold_released_at = ? WHERE id = ?',
    ),
    cancelTarget: db.prepare<
      [string],
      {
        status: EventStatus;
        shadowed: number;
        fallback_at: number | null;
        lease_until: number | null;
      }
    >(
      `SELECT e.status, e.shadowed, e.fallback_at, o.lease_until
       FROM events e LEFT JOIN outbox o ON o.event_id = e.id WHERE e.id = ?`,
    ),
    cancel: db.prepare<[string, string]>(
      `UPDATE events SET status = 'cancelled', fallback_at = NULL, enrich_next_at = NULL, note = ?
       WHERE id = ?`,
    ),
    // Once: only an entry not taken in again yet is marked.
    markReingested: db.prepare<[string, number, string]>(
      `UPDATE quarantine SET reingested_event_id = ?, reingested_at = ?
       WHERE id = ? AND reingested_event_id IS NULL`,
    ),
    reingestedAs: db.prepare<[string], { reingested_event_id: string | null }>(
      'SELECT reingested_event_id FROM quarantine WHERE id = ?',
    ),
    setReingestedAs: db.prepare<[string, string]>(
      'UPDATE quarantine SET reingested_event_id = ? WHERE id = ?',
    ),
    quarantineById: db.prepare<[string], QuarantineRow>('SELECT * FROM quarantine WHERE id = ?'),
    lineOf: db.prepare<[string], LineRow>(
      `SELECT o.event_id, o.order_key, o.seq, o.hold_until,
         (SELECT count(*) FROM outbox p WHERE p.order_key = o.order_key AND p.seq > o.seq) AS behind
       FROM outbox o WHERE o.event_id = ?`,
    ),
    aheadOf: db.prepare<[string, number], AheadRow>(
      `SELECT p.event_id, p.hold_until, p.lease_until, e.attempts, e.last_error
       FROM outbox p JOIN events e ON e.id = p.event_id
       WHERE p.order_key = ? AND p.seq < ? ORDER BY p.seq LIMIT 1`,
    ),
    pairDetail: db.prepare<[string, string], PairDetailRow>(
      `SELECT legacy_id, workflows_id, paired_at, forwarded, status_agrees, reason_agrees, kind,
         differences FROM pairs WHERE legacy_id = ? OR workflows_id = ?`,
    ),
    // events_status: the first pending event in arrival order, not a read of the backlog.
    oldestPending: db.prepare<[], { received_at: number }>(
      `SELECT received_at FROM events WHERE status = 'pending' ORDER BY seq LIMIT 1`,
    ),
    // outbox_holds: the failing heads still in line, with an entry behind them.
    heldCustomers: db.prepare<[], { n: number }>(
      `SELECT count(DISTINCT o.order_key) AS n FROM outbox o
       WHERE o.hold_until IS NOT NULL AND o.order_key <> o.event_id
         AND EXISTS (SELECT 1 FROM outbox p WHERE p.order_key = o.order_key AND p.seq > o.seq)`,
    ),
  };
}
