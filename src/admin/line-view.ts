import type { EventDetail } from '../store/admin-types.js';

const iso = (ms: number | null) => (ms === null ? null : new Date(ms).toISOString());

/**
 * Where an event stands in its customer's line, for a person: a held event (the callback
 * refuses it, and its customer's later events wait behind it until ORDER_HOLD_MAX), an event
 * waiting behind one, or one that stopped holding its customer. Null when it is in no line.
 */
export function lineView(event: Pick<EventDetail, 'id' | 'line'>, now = Date.now()) {
  const line = event.line;
  if (!line) return null;
  const waitingFor = line.waitingFor;
  let note: string;
  if (line.releasedAt !== null && line.customerId === null) {
    note = `stopped holding its customer's later events at ${iso(line.releasedAt)} (ORDER_HOLD_MAX): they went ahead; it is retried on its own schedule`;
  } else if (waitingFor) {
    const sending = waitingFor.leaseUntil !== null && waitingFor.leaseUntil > now;
    const refused = waitingFor.attempts > 0;
    note = `waits behind event ${waitingFor.eventId} of the same customer${
      sending
        ? ', which is being sent'
        : refused
          ? `, which the callback refuses (${waitingFor.lastError ?? 'no answer'}, ${waitingFor.attempts} attempts)`
          : ''
    }${waitingFor.holdUntil !== null ? `; goes ahead at the latest at ${iso(waitingFor.holdUntil)} (ORDER_HOLD_MAX)` : ''}`;
  } else if (line.holdUntil !== null && line.waitingBehind > 0) {
    note = `the callback refuses it: it holds ${line.waitingBehind} later event${line.waitingBehind === 1 ? '' : 's'} of its customer until ${iso(line.holdUntil)} (ORDER_HOLD_MAX), then they go ahead and it keeps its own retry schedule`;
  } else if (line.holdUntil !== null) {
    note = `the callback refuses it; a later event of its customer would wait behind it until ${iso(line.holdUntil)} (ORDER_HOLD_MAX)`;
  } else {
    note =
      line.waitingBehind > 0
        ? `first in its customer's line; ${line.waitingBehind} later event${line.waitingBehind === 1 ? '' : 's'} wait behind it`
        : 'first in its line';
  }
  return {
    customerId: line.customerId,
    held: waitingFor !== null,
    holding: line.holdUntil !== null && line.waitingBehind > 0 ? line.waitingBehind : 0,
    holdUntil: iso(line.holdUntil),
    waitingFor: waitingFor
      ? {
          eventId: waitingFor.eventId,
          attempts: waitingFor.attempts,
          lastError: waitingFor.lastError,
          holdUntil: iso(waitingFor.holdUntil),
        }
      : null,
    waitingBehind: line.waitingBehind,
    releasedAt: iso(line.releasedAt),
    note,
  };
}
