import { RESULT_STATUSES } from '../../sql-fragments.js';
import { TAKE_LOCKS } from './locks.js';

/** Arrival of a webhook: redelivery keys, the event row, its outbox entry, quarantine. */

/**
 * The accept's advisory locks ($5, as TAKE_LOCKS), then the redelivery key kept (new) or taken
 * over (the kept one is older than the window), in one statement; no row back means a
 * redelivery. The primary key decides a race between two instances: the second waits for the
 * first to commit, then finds it (ON CONFLICT reads the newest committed row, whatever the
 * statement's snapshot). Every read that must see what the lock's previous holder committed is a
 * later statement. $4: rules/dedup.ts dedupSince.
 */
export const LOCK_AND_KEEP_DEDUP_KEY = `WITH locked AS MATERIALIZED (${TAKE_LOCKS.replace('$1', '$5')})
  INSERT INTO dedup_keys AS d (key, event_id, received_at)
  SELECT $1, $2, $3 FROM (SELECT count(*) FROM locked) AS l
  ON CONFLICT (key) DO UPDATE SET event_id = excluded.event_id, received_at = excluded.received_at
    WHERE d.received_at <= $4
  RETURNING event_id`;

/** A redelivery: counted on the event its key names, whose id is the answer. */
export const COUNT_DUPLICATE = `WITH k AS (SELECT event_id FROM dedup_keys WHERE key = $1),
  counted AS (UPDATE events SET duplicates = duplicates + 1 WHERE id IN (SELECT event_id FROM k))
  SELECT event_id AS id FROM k`;

export const PRUNE_DEDUP_KEYS = `DELETE FROM dedup_keys WHERE key IN
  (SELECT key FROM dedup_keys WHERE received_at <= $1 ORDER BY received_at LIMIT $2
   FOR UPDATE SKIP LOCKED)`;

const EVENT_COLUMNS = `id, source, route, received_at, dedup_key, content_type,
    raw_body, normalized, result_status, reason, customer_id, interview_id, status, forward_format,
    forward_body, fallback_at, legacy_fields, event_name, note, enrich_deadline, enrich_wait,
    enrich_next_at, shadowed, bucket`;
const EVENT_VALUES = `$1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17,
    $18, $19, $20, $21, $22, $23, $24`;

export const INSERT_EVENT = `INSERT INTO events (${EVENT_COLUMNS}) VALUES (${EVENT_VALUES})`;

/**
 * The event and its outbox entry in one statement, the entry at the event's place in line.
 * INSERT_EVENT's values, then $25 body, $26 next attempt at, $27 order key, $28 lease until,
 * $29 lease holder.
 */
export const INSERT_EVENT_AND_OUTBOX = `WITH event AS (
    INSERT INTO events (${EVENT_COLUMNS}) VALUES (${EVENT_VALUES}) RETURNING id, seq
  )
  INSERT INTO outbox (event_id, body, next_attempt_at, seq, order_key, lease_until, leased_by)
  SELECT id, $25, $26, seq, $27, $28, $29 FROM event`;

/**
 * The earliest result of the interview on the given routes, whatever its fate (as SQLite's
 * earlierResult). $1 interview, $2 routes, $3 the event's own id.
 */
export const EARLIER_RESULT = `SELECT id, route FROM events WHERE interview_id = $1 AND source = 'workflows'
    AND status IN ${RESULT_STATUSES} AND normalized IS NOT NULL AND id <> $3
    AND route = ANY ($2::text[])
  ORDER BY seq LIMIT 1`;

/** Any entry of this order key is earlier than a new event's (read under the key's lock). */
export const IN_LINE = 'SELECT 1 FROM outbox WHERE order_key = $1 LIMIT 1';

export const INSERT_QUARANTINE = `INSERT INTO quarantine (id, received_at, route, content_type, http_status, code,
    message, issues, body, truncated)
  VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)`;
