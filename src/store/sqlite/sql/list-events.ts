import type { EventQuery } from '../../admin-types.js';
import { pageBefore } from '../../rows.js';
import { SUMMARY_COLUMNS, SUMMARY_FROM } from '../../sql-fragments.js';

/**
 * GET /admin/events as one statement: newest first, only what matches every filter given. A
 * customer or an interview is found through its own index (events_counterpart,
 * events_interview), the other filters checked on its rows (the unary plus keeps SQLite from
 * reading the status index, every event of that status, instead); a range alone through
 * events_received; a status alone through events_status, already in order.
 */
export function listEventsQuery(query: EventQuery): { sql: string; params: (string | number)[] } {
  const where: string[] = [];
  const params: (string | number)[] = [];
  const narrow = query.customerId !== undefined || query.interviewId !== undefined ? '+' : '';
  const filter = (sql: string, value: string | number | undefined) => {
    if (value === undefined) return;
    where.push(sql);
    params.push(value);
  };
  filter(`${narrow}e.status = ?`, query.status);
  filter('+e.source = ?', query.source);
  filter('e.customer_id = ?', query.customerId);
  filter('e.interview_id = ?', query.interviewId);
  filter('e.received_at >= ?', query.from);
  filter('e.received_at < ?', query.to);
  filter('e.seq < ?', pageBefore(query.before));
  const sql = `SELECT ${SUMMARY_COLUMNS} FROM ${SUMMARY_FROM}
    ${where.length ? `WHERE ${where.join(' AND ')}` : ''} ORDER BY e.seq DESC LIMIT ?`;
  return { sql, params: [...params, query.limit + 1] };
}
