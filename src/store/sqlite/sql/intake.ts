import type Database from 'better-sqlite3';
import { RESULT_STATUSES } from '../../sql-fragments.js';

/** Arrival of a webhook: redelivery keys, the event row, its outbox entry, quarantine. */
export function prepareIntake(db: Database.Database) {
  return {
    // A redelivery while now - first arrival < DEDUP_WINDOW (received_at > now - window): at
    // exactly DEDUP_WINDOW it is a new event. Duplicates do not move received_at, so the
    // window runs from the first arrival.
    findDuplicate: db.prepare<[string, number], { id: string }>(
      'SELECT event_id AS id FROM dedup_keys WHERE key = ? AND received_at > ?',
    ),
    // The newest event of a body: a later redelivery is measured from it.
    keepDedupKey: db.prepare<[string, string, number]>(
      `INSERT INTO dedup_keys (key, event_id, received_at) VALUES (?, ?, ?)
       ON CONFLICT (key) DO UPDATE SET event_id = excluded.event_id, received_at = excluded.received_at`,
    ),
    pruneDedupKeys: db.prepare<[number, number]>(
      `DELETE FROM dedup_keys WHERE key IN
         (SELECT key FROM dedup_keys WHERE received_at <= ? ORDER BY received_at LIMIT ?)`,
    ),
    countDuplicate: db.prepare<[string]>(
      'UPDATE events SET duplicates = duplicates + 1 WHERE id = ?',
    ),
    insertEvent: db.prepare(
      `INSERT INTO events (id, source, route, received_at, dedup_key, content_type, raw_body,
         normalized, result_status, reason, customer_id, interview_id, status, forward_format,
         forward_body, fallback_at, legacy_fields, event_name, note, enrich_deadline, enrich_wait, enrich_next_at,
         shadowed, bucket)
       VALUES (@id, @source, @route, @receivedAt, @dedupKey, @contentType, @rawBody,
         @normalized, @resultStatus, @reason, @customerId, @interviewId, @status, @forwardFormat,
         @forwardBody, @fallbackAt, @legacyFields, @eventName, @note, @enrichDeadline, @enrichWait, @enrichNextAt,
         @shadowed, @bucket)`,
    ),
    earlierResult: db.prepare<
      [{ interviewId: string; routes: string; id: string }],
      { id: string; route: string }
    >(
      // Whatever its fate: forwarded, the login reached the callback; waiting, it will; shadowed,
      // the login's legacy report did. Either way this repeat of the login is not forwarded.
      `SELECT id, route FROM events WHERE interview_id = @interviewId AND source = 'workflows'
         AND +status IN ${RESULT_STATUSES} AND normalized IS NOT NULL AND id <> @id
         AND route IN (SELECT value FROM json_each(@routes)) ORDER BY seq LIMIT 1`,
    ),
    insertOutbox: db.prepare<[string, Uint8Array, number, number | bigint, string, number | null]>(
      `INSERT INTO outbox (event_id, body, next_attempt_at, seq, order_key, lease_until)
       VALUES (?, ?, ?, ?, ?, ?)`,
    ),
    // Any entry of this order key is earlier than a new event's.
    inLine: db.prepare<[string], { one: number }>(
      'SELECT 1 AS one FROM outbox WHERE order_key = ? LIMIT 1',
    ),
    insertQuarantine: db.prepare(
      `INSERT INTO quarantine (id, received_at, route, content_type, http_status, code, message, issues, body, truncated)
       VALUES (@id, @receivedAt, @route, @contentType, @httpStatus, @code, @message, @issues, @body, @truncated)`,
    ),
  };
}
