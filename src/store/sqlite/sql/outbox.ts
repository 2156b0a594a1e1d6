import type Database from 'better-sqlite3';
import type { Source } from '../../../normalize/normalized-schema.js';
import type { EventStatus } from '../../store.js';

/** The outbox: claims with leases, attempts, retries, replays. */
export function prepareOutbox(db: Database.Database) {
  return {
    due: db.prepare<
      [{ now: number; limit: number }],
      { event_id: string; body: Buffer; source: Source; attempts: number }
    >(
      // Due, not leased, the head of its line (no earlier entry of the same customer still
      // waiting: a later PASS never overtakes an earlier FAIL of one customer; the index
      // outbox_heads holds only heads), and no later entry of its line in flight (a replayed
      // event waits for it).
      `SELECT o.event_id, o.body, e.source, o.attempts FROM outbox o JOIN events e ON e.id = o.event_id
       WHERE o.blocked = 0 AND o.next_attempt_at <= @now
         AND (o.lease_until IS NULL OR o.lease_until <= @now)
         AND NOT EXISTS (SELECT 1 FROM outbox p WHERE p.order_key = o.order_key
           AND p.event_id <> o.event_id AND p.lease_until > @now)
       ORDER BY o.next_attempt_at, o.seq LIMIT @limit`,
    ),
    // claimNext: the head of the delivered event's customer line (its order key,
    // coalesce(customer_id, id): an event that stepped out of its line still names its
    // customer's), under `due`'s rules restricted to that line. One index range of outbox_order.
    lineHead: db.prepare<
      [{ after: string; now: number }],
      { event_id: string; body: Buffer; source: Source; attempts: number }
    >(
      `SELECT o.event_id, o.body, e.source, o.attempts FROM outbox o JOIN events e ON e.id = o.event_id
       WHERE o.order_key = (SELECT coalesce(customer_id, id) FROM events WHERE id = @after)
         AND o.blocked = 0 AND o.next_attempt_at <= @now
         AND (o.lease_until IS NULL OR o.lease_until <= @now)
         AND NOT EXISTS (SELECT 1 FROM outbox p WHERE p.order_key = o.order_key
           AND p.event_id <> o.event_id AND p.lease_until > @now)
       ORDER BY o.seq LIMIT 1`,
    ),
    lease: db.prepare<[number, string]>('UPDATE outbox SET lease_until = ? WHERE event_id = ?'),
    releaseLease: db.prepare<[string]>('UPDATE outbox SET lease_until = NULL WHERE event_id = ?'),
    insertAttempt: db.prepare(
      `INSERT INTO delivery_attempts (event_id, attempt, at, duration_ms, status_code, error)
       SELECT @eventId, attempts + 1, @at, @durationMs, @statusCode, @error FROM events WHERE id = @eventId`,
    ),
    delivered: db.prepare<[number, number | null, number, string]>(
      `UPDATE events SET status = 'delivered', attempts = attempts + 1, delivered_at = ?,
         delivered_status = ?, delivered_ms = ?, last_error = NULL
       WHERE id = ?`,
    ),
    // Before a replay: the success of the round that ends becomes an attempt row.
    keepSuccess: db.prepare<[string]>(
      `INSERT INTO delivery_attempts (event_id, attempt, at, duration_ms, status_code, error)
       SELECT id, attempts, delivered_at - delivered_ms, delivered_ms, delivered_status, NULL
       FROM events WHERE id = ? AND delivered_ms IS NOT NULL`,
    ),
    forgetSuccess: db.prepare<[string]>(
      'UPDATE events SET delivered_status = NULL, delivered_ms = NULL WHERE id = ?',
    ),
    failed: db.prepare<[string, string, string]>(
      'UPDATE events SET status = ?, attempts = attempts + 1, last_error = ? WHERE id = ?',
    ),
    deleteOutbox: db.prepare<[string]>('DELETE FROM outbox WHERE event_id = ?'),
    // An entry in its customer's line keeps its first failure's hold (a line of its own has none).
    reschedule: db.prepare<[number, number | null, string]>(
      `UPDATE outbox SET next_attempt_at = ?, lease_until = NULL, attempts = attempts + 1,
         hold_until = CASE WHEN order_key <> event_id THEN coalesce(hold_until, ?) END
       WHERE event_id = ?`,
    ),
    releaseLeases: db.prepare('UPDATE outbox SET lease_until = NULL WHERE lease_until IS NOT NULL'),
    // Replays and fallbacks: the body the event was rendered with, its original place in line.
    enqueue: db.prepare<[number, string]>(
      `INSERT INTO outbox (event_id, body, next_attempt_at, seq, order_key)
       SELECT id, coalesce(forward_body, raw_body), ?, seq, coalesce(customer_id, id) FROM events WHERE id = ?`,
    ),
    setPending: db.prepare<[string]>(
      `UPDATE events SET status = 'pending', fallback_at = NULL, hold_released_at = NULL WHERE id = ?`,
    ),
    statusOf: db.prepare<[string], { status: EventStatus; shadowed: number }>(
      'SELECT status, shadowed FROM events WHERE id = ?',
    ),
  };
}
