import type { EventQuery } from '../../admin-types.js';
import { pageBefore } from '../../rows.js';
import { SUMMARY_COLUMNS, SUMMARY_FROM } from '../../sql-fragments.js';

/**
 * GET /admin/events as one statement: newest first, only what matches every filter given. Not
 * prepared, so the planner picks the index from the values: events_counterpart for a customer,
 * events_interview for an interview, events_received for a range, events_status for a status.
 */
export function listEventsQuery(query: EventQuery): { sql: string; params: unknown[] } {
  const where: string[] = [];
  const params: unknown[] = [];
  const filter = (column: string, operator: string, value: unknown) => {
    if (value === undefined) return;
    params.push(value);
    where.push(`${column} ${operator} $${params.length}`);
  };
  filter('e.status', '=', query.status);
  filter('e.source', '=', query.source);
  filter('e.customer_id', '=', query.customerId);
  filter('e.interview_id', '=', query.interviewId);
  filter('e.received_at', '>=', query.from);
  filter('e.received_at', '<', query.to);
  filter('e.seq', '<', pageBefore(query.before));
  params.push(query.limit + 1);
  const sql = `SELECT ${SUMMARY_COLUMNS} FROM ${SUMMARY_FROM}
    ${where.length ? `WHERE ${where.join(' AND ')}` : ''} ORDER BY e.seq DESC LIMIT $${params.length}`;
  return { sql, params };
}
