import type Database from 'better-sqlite3';
import type { AttemptRow, EventDetailRow } from '../../detail-rows.js';
import { SETTLED_STATUSES, SUMMARY_COLUMNS, SUMMARY_FROM } from '../../sql-fragments.js';
import type { EventStatus } from '../../store.js';

/** Settings, the admin API's reads, counts, retention and the readiness probe. */
export function prepareAdmin(db: Database.Database) {
  return {
    getSetting: db.prepare<[string], { value: string; updated_at: number }>(
      'SELECT value, updated_at FROM settings WHERE key = ?',
    ),
    deleteSetting: db.prepare<[string]>('DELETE FROM settings WHERE key = ?'),
    insertSetting: db.prepare<[string, string, number]>(
      'INSERT INTO settings (key, value, updated_at) VALUES (?, ?, ?) ON CONFLICT (key) DO NOTHING',
    ),
    // A prefix matched literally: substr, not LIKE (whose % and _ would be wildcards).
    listSettings: db.prepare<[string, string], { key: string; value: string; updated_at: number }>(
      'SELECT key, value, updated_at FROM settings WHERE substr(key, 1, length(?)) = ? ORDER BY updated_at, key',
    ),
    replaceSetting: db.prepare<[{ key: string; expected: string; value: string; now: number }]>(
      'UPDATE settings SET value = @value, updated_at = @now WHERE key = @key AND value = @expected',
    ),
    setSetting: db.prepare<[string, string, number]>(
      `INSERT INTO settings (key, value, updated_at) VALUES (?, ?, ?)
       ON CONFLICT (key) DO UPDATE SET value = excluded.value, updated_at = excluded.updated_at`,
    ),
    eventById: db.prepare<[string], EventDetailRow>(
      `SELECT ${SUMMARY_COLUMNS}, e.normalized, e.content_type, e.raw_body, e.forward_format,
         e.forward_body, e.delivered_status, e.delivered_ms, e.hold_released_at
       FROM ${SUMMARY_FROM} WHERE e.id = ?`,
    ),
    attemptsOf: db.prepare<[string], AttemptRow>(
      'SELECT at, duration_ms, status_code, error FROM delivery_attempts WHERE event_id = ? ORDER BY attempt',
    ),
    countByStatus: db.prepare<[], { status: EventStatus; n: number }>(
      'SELECT status, n FROM event_counts',
    ),
    prunable: db.prepare<[number, number], { id: string }>(
      `SELECT id FROM events WHERE status IN ${SETTLED_STATUSES}
         AND fallback_at IS NULL AND received_at < ? ORDER BY received_at LIMIT ?`,
    ),
    pruneLegacyPair: db.prepare<[string]>('DELETE FROM pairs WHERE legacy_id = ?'),
    pruneWorkflowsPair: db.prepare<[string]>('DELETE FROM pairs WHERE workflows_id = ?'),
    pruneAttempts: db.prepare<[string]>('DELETE FROM delivery_attempts WHERE event_id = ?'),
    pruneEvent: db.prepare<[string]>('DELETE FROM events WHERE id = ?'),
    pruneQuarantine: db.prepare<[number, number]>(
      `DELETE FROM quarantine WHERE seq IN
         (SELECT seq FROM quarantine WHERE received_at < ? ORDER BY received_at LIMIT ?)`,
    ),
    ping: db.prepare('SELECT 1'),
  };
}
