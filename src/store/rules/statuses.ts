import type { EventStatus } from '../store.js';

/**
 * Statuses of events that are an authentication's result: compared in the report, paired,
 * counted as a counterpart of a fallback, and able to supersede a later event. Informational
 * and superseded events are none of these.
 */
export const RESULT_STATUSES = [
  'pending',
  'delivered',
  'dead',
  'shadowed',
  'enriching',
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
] as const satisfies readonly EventStatus[];
