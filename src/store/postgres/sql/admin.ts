import { SETTLED_STATUSES, SUMMARY_COLUMNS, SUMMARY_FROM } from '../../sql-fragments.js';

/** Settings, the admin API's reads, counts, retention and the readiness probe. */

export const GET_SETTING = 'SELECT value, updated_at FROM settings WHERE key = $1';
export const DELETE_SETTING = 'DELETE FROM settings WHERE key = $1';

/** Compare and set: $1 key, $2 the value expected, $3 the new one, $4 now. */
export const REPLACE_SETTING =
  'UPDATE settings SET value = $3, updated_at = $4 WHERE key = $1 AND value = $2';
export const INSERT_SETTING = `INSERT INTO settings (key, value, updated_at) VALUES ($1, $2, $3)
  ON CONFLICT (key) DO NOTHING`;
/** $1: a prefix, matched literally (starts_with, not LIKE). */
export const LIST_SETTINGS = `SELECT key, value, updated_at FROM settings WHERE starts_with(key, $1)
  ORDER BY updated_at, key`;
export const SET_SETTING = `INSERT INTO settings (key, value, updated_at) VALUES ($1, $2, $3)
  ON CONFLICT (key) DO UPDATE SET value = excluded.value, updated_at = excluded.updated_at`;

export const EVENT_BY_ID = `SELECT ${SUMMARY_COLUMNS}, e.normalized, e.content_type, e.raw_body,
    e.forward_format, e.forward_body, e.delivered_status, e.delivered_ms, e.hold_released_at
  FROM ${SUMMARY_FROM} WHERE e.id = $1`;

export const ATTEMPTS_OF = `SELECT at, duration_ms, status_code, error FROM delivery_attempts
  WHERE event_id = $1 ORDER BY attempt`;

/** The slots of event_counts summed: one committed state, a few rows. */
export const COUNT_BY_STATUS =
  'SELECT status, sum(n)::bigint AS n FROM event_counts GROUP BY status';

/**
 * Events nothing will happen to any more, locked; rows another instance is pruning (or a replay
 * holds) are skipped, and a row changed before the lock is checked again (READ COMMITTED
 * re-reads a locked row's new version against the WHERE).
 */
export const PRUNABLE = `SELECT id FROM events WHERE status IN ${SETTLED_STATUSES}
    AND fallback_at IS NULL AND received_at < $1
  ORDER BY received_at LIMIT $2
  FOR UPDATE SKIP LOCKED`;
export const PRUNE_PAIRS =
  'DELETE FROM pairs WHERE legacy_id = ANY ($1::text[]) OR workflows_id = ANY ($1::text[])';
export const PRUNE_ATTEMPTS = 'DELETE FROM delivery_attempts WHERE event_id = ANY ($1::text[])';
export const PRUNE_OUTBOX = 'DELETE FROM outbox WHERE event_id = ANY ($1::text[])';
export const PRUNE_EVENTS = 'DELETE FROM events WHERE id = ANY ($1::text[])';
export const PRUNE_QUARANTINE = `DELETE FROM quarantine WHERE seq IN
  (SELECT seq FROM quarantine WHERE received_at < $1 ORDER BY received_at LIMIT $2
   FOR UPDATE SKIP LOCKED)`;

/**
 * The tables an accept writes, locked as its INSERTs lock them, without waiting: another
 * session's lock that would hold a webhook (LOCK TABLE, a migration's ALTER TABLE) fails the
 * readiness probe at once (55P03) instead of holding it. Released at the probe's commit.
 */
export const LOCK_WEBHOOK_TABLES =
  'LOCK TABLE dedup_keys, events, event_counts, outbox, pairs IN ROW EXCLUSIVE MODE NOWAIT';

export const PROBE = `INSERT INTO settings (key, value, updated_at) VALUES ('ready_probe', 'ok', $1)
  ON CONFLICT (key) DO UPDATE SET value = excluded.value, updated_at = excluded.updated_at`;
