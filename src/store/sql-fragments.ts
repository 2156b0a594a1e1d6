import { RESULT_STATUSES as RESULT, SETTLED_STATUSES as SETTLED } from './rules/statuses.js';

// SQL both backends write the same way; the rest is each backend's own (sqlite/sql/,
// postgres/sql/). The columns rows.ts maps to an EventSummary and the join they are read
// from, the status lists of rules/statuses.ts, and the time a held outbox entry waits until.

export const SUMMARY_COLUMNS = `e.seq, e.id, e.source, e.route, e.received_at, e.result_status, e.reason,
  e.customer_id, e.interview_id, e.status, e.forward_format, e.attempts, e.last_error,
  e.delivered_at, e.duplicates, o.next_attempt_at, e.event_name, e.note, e.enrichment,
  e.enrich_deadline, e.enrich_attempts, e.enrich_error,
  coalesce(pl.workflows_id, pw.legacy_id) AS pair_id, coalesce(pl.forwarded, pw.forwarded) AS pair_forwarded`;

/**
 * What SUMMARY_COLUMNS reads from: the event, its outbox entry, and its pair (two lookups by the
 * pairs' unique keys, one per source).
 */
export const SUMMARY_FROM = `events e LEFT JOIN outbox o ON o.event_id = e.id
  LEFT JOIN pairs pl ON pl.legacy_id = e.id LEFT JOIN pairs pw ON pw.workflows_id = e.id`;

/** next_attempt_at of an outbox entry held while its event waits for its score: never due. */
export const HELD = Number.MAX_SAFE_INTEGER;

/** rules/statuses.ts RESULT_STATUSES, as an SQL list. */
export const RESULT_STATUSES = sqlList(RESULT);

/** rules/statuses.ts SETTLED_STATUSES, as an SQL list. */
export const SETTLED_STATUSES = sqlList(SETTLED);

/** A list of statuses (fixed words, never input) as an SQL list: ('a', 'b'). */
function sqlList(values: readonly string[]): string {
  return `(${values.map((v) => `'${v}'`).join(', ')})`;
}
