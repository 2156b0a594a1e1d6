import type { EventStatus, NewEvent } from '../store.js';
import { supersededNote } from './supersede.js';

/**
 * What a new event becomes, decided once for every backend from the event and from what the
 * store holds (the earlier result that supersedes it, looked up in the same transaction).
 */
export interface Arrival {
  status: EventStatus;
  /** Why it is not forwarded (informational, superseded). */
  note: string | null;
  /** It gets an outbox entry (forwarded now, or held until its score arrives) when it has a body. */
  forwarded: boolean;
  /** Its outbox entry is held, never due, until its score arrives (status enriching). */
  held: boolean;
  /** It is paired with its counterpart from the other source, if one is stored. */
  paired: boolean;
  ids: { customerId: string | null; interviewId: string | null };
  /** When a shadowed event is forwarded after all if no counterpart arrived (null: never). */
  fallbackAt: number | null;
  /** Waiting for its score: until `deadline`, `waitMs` long, first asked at `nextAt`. */
  enrich: { deadline: number; waitMs: number; nextAt: number } | null;
}

/**
 * The status decision: superseded (an earlier result of the interview reached, or will reach,
 * the callback), informational, enriching (a shadowed event is scored too, so the report
 * compares its numbers), shadowed, or pending. Throws for an event with nothing to forward and
 * no reason given (a bug in the caller): the backend rolls the accept back.
 */
export function decideArrival(
  event: NewEvent,
  earlier: { id: string; route: string } | undefined,
): Arrival {
  let status: EventStatus;
  let note: string | null = null;
  if (earlier) {
    status = 'superseded';
    note = supersededNote(earlier);
  } else if (event.notForwarded) {
    status = event.notForwarded.status;
    note = event.notForwarded.note;
  } else if (event.enrich) {
    status = 'enriching';
  } else if (event.shadowed) {
    status = 'shadowed';
  } else if (event.forward === null) {
    throw new Error(`event ${event.id}: nothing to forward and no reason given`);
  } else {
    status = 'pending';
  }
  const n = event.normalized;
  const compared = status !== 'superseded' && status !== 'informational';
  return {
    status,
    note,
    forwarded: status === 'pending' || (status === 'enriching' && !event.shadowed),
    held: status === 'enriching',
    paired: compared && n !== null && !!event.pairing && n.ids.customerId !== null,
    ids: n ? n.ids : (event.ids ?? { customerId: null, interviewId: null }),
    fallbackAt: event.shadowed && status !== 'superseded' ? event.fallbackAt : null,
    enrich:
      status === 'enriching' && event.enrich
        ? {
            deadline: event.enrich.deadline,
            waitMs: event.enrich.deadline - event.receivedAt,
            nextAt: event.receivedAt,
          }
        : null,
  };
}

/**
 * The fast path's rule: an event forwarded now is leased to the process that asked for it only
 * when no earlier entry of its order key is in the outbox (pending, leased or held anywhere);
 * otherwise it waits for a poll, behind the earlier one.
 */
export function fastPathLease(
  arrival: Arrival,
  event: NewEvent,
  earlierInLine: () => boolean,
): { leaseUntil: number } | null {
  if (arrival.status !== 'pending' || !event.fastPath) return null;
  return earlierInLine() ? null : event.fastPath;
}
