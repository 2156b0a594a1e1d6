import { RESULT_STATUSES as RESULT, SETTLED_STATUSES as SETTLED } from '../../rules/statuses.js';

// SQL fragments shared by the statements.

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

export const COMPARED_COLUMNS = `e.id, e.source, e.received_at, e.result_status, e.reason, e.customer_id,
  e.interview_id, e.status, e.delivered_at, e.legacy_fields, e.enrichment,
  EXISTS (SELECT 1 FROM pairs p WHERE p.legacy_id = e.id OR p.workflows_id = e.id) AS paired`;

/** next_attempt_at of an outbox entry held while its event waits for its score: never due. */
export const HELD = Number.MAX_SAFE_INTEGER;

/**
 * rules/statuses.ts RESULT_STATUSES, as an SQL list. Queries
 * write `+status IN ...`: the unary plus keeps SQLite from choosing the status index, which
 * would read every event of the history instead of the time range or the customer.
 */
export const RESULT_STATUSES = sqlList(RESULT);

/** rules/statuses.ts SETTLED_STATUSES, as an SQL list. */
export const SETTLED_STATUSES = sqlList(SETTLED);

/** A list of statuses (fixed words, never input) as an SQL list: ('a', 'b'). */
function sqlList(values: readonly string[]): string {
  return `(${values.map((v) => `'${v}'`).join(', ')})`;
}
