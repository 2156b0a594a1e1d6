import type { EventStatus } from '../store.js';

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
