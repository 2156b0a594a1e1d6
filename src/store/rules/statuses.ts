/**
 * pending: waiting for (another) delivery attempt; delivered; dead: the retry schedule is
 * used up; shadowed: stored and compared, not forwarded (FORWARD_SOURCE); enriching: waiting
 * for its score from the Incode API before it is forwarded; informational: says nothing about
 * a face authentication (SESSION_STARTED, ...); superseded: the same authentication as a
 * Workflows event received before it, which the callback gets instead; cancelled: an operator
 * decided it is never delivered (its login counts as forwarded: its other report stays shadowed).
 */
export const EVENT_STATUSES = [
  'pending',
  'delivered',
  'dead',
  'shadowed',
  'enriching',
  'informational',
  'superseded',
  'cancelled',
] as const;
export type EventStatus = (typeof EVENT_STATUSES)[number];

/**
 * Statuses of events that are an authentication's result: compared in the report, paired,
 * counted as a counterpart of a fallback, and able to supersede a later event. Informational
 * and superseded events are none of these. A cancelled event is one: it is still its login's
 * result (the report compares it), and an operator's cancel decides its login, so a report of
 * the same login arriving later must find it (and be shadowed, rules/login.ts fateOf), as must
 * a later repeat of the same authentication (superseded).
 */
export const RESULT_STATUSES = [
  'pending',
  'delivered',
  'dead',
  'shadowed',
  'enriching',
  'cancelled',
] as const satisfies readonly EventStatus[];

/**
 * Statuses of events nothing will happen to any more, which RETENTION may delete (a shadowed
 * one only once its fallback is settled). Never pending, enriching or dead.
 */
export const SETTLED_STATUSES = [
  'delivered',
  'shadowed',
  'informational',
  'superseded',
  'cancelled',
] as const satisfies readonly EventStatus[];

/** Store.countByStatus from the rows a backend counted: every status, 0 where it has none. */
export function statusCounts(
  rows: readonly { status: EventStatus; n: number }[],
): Record<EventStatus, number> {
  const counts = Object.fromEntries(EVENT_STATUSES.map((status) => [status, 0])) as Record<
    EventStatus,
    number
  >;
  for (const row of rows) counts[row.status] = row.n;
  return counts;
}
