import type { AcceptResult, ForwardFormat, NewEvent } from '../accept-types.js';
import { type Arrival, type CounterpartAction, fastPathLease } from './arrival.js';
import { bucketOf } from './bucket.js';
import { type NewPair, newPair } from './pairing.js';

/**
 * Where pairing happens in an accept, the same on every backend: after the event row and its
 * outbox entry (one statement on PostgreSQL), so the fast path's look at the customer's line
 * (earlierInLine) is read before anything else of the accept is written, and the pair and what
 * it does to the login's other report come last. The appliers write the plan in this order:
 * row, outbox, pair, counterpart.
 */
export const PAIRING_POINT = 'after-the-outbox-entry' as const;

/** The event's row as an accept stores it: plain values, each backend maps them to its columns. */
export interface EventRowValues {
  id: string;
  source: NewEvent['source'];
  route: string;
  receivedAt: number;
  dedupKey: string;
  contentType: string;
  rawBody: Uint8Array;
  /** The normalized result, JSON; null for an event with no outcome (yet). */
  normalized: string | null;
  resultStatus: string | null;
  reason: string | null;
  customerId: string | null;
  interviewId: string | null;
  status: Arrival['status'];
  forwardFormat: ForwardFormat | null;
  /** Null when the callback gets the raw body itself (not stored twice). */
  forwardBody: Uint8Array | null;
  fallbackAt: number | null;
  /** JSON list of the LEGACY_ONLY_FIELDS the body carries. */
  legacyFields: string;
  eventName: string | null;
  note: string | null;
  enrichDeadline: number | null;
  enrichWait: number | null;
  enrichNextAt: number | null;
  shadowed: boolean;
  bucket: number | null;
}

/** The writes of one accept that is not a redelivery, in the order they are applied. */
export interface AcceptPlan {
  row: EventRowValues;
  /**
   * Its outbox entry, at the event's place in its customer's line: due at `nextAttemptAt`, or
   * `held` (never due) until its score arrives; leased to this process (the fast path) until
   * `leaseUntil`.
   */
  outbox: {
    body: Uint8Array;
    held: boolean;
    nextAttemptAt: number;
    orderKey: string;
    leaseUntil: number | null;
  } | null;
  /** The pair with its login's other report (PAIRING_POINT: after the outbox entry). */
  pair: NewPair | null;
  /** What this arrival does to its login's other report (rules/arrival.ts CounterpartAction). */
  counterpart: { id: string; action: CounterpartAction; at: number } | null;
  /** The answer, once the writes are committed. */
  result: AcceptResult;
}

/**
 * Whether the plan depends on the customer's line (the fast path's check): only then need the
 * backend read it (under the line's lock on PostgreSQL).
 */
export function asksLine(event: NewEvent, arrival: Arrival): boolean {
  return (
    arrival.forwarded && event.forward !== null && !!event.fastPath && arrival.status === 'pending'
  );
}

/**
 * The writes of an accept, from the event, its arrival (decideArrival) and whether an entry of
 * its customer is in the outbox already (read when asksLine says so; false otherwise).
 */
export function planAccept(event: NewEvent, arrival: Arrival, earlierInLine: boolean): AcceptPlan {
  const n = event.normalized;
  const body = event.forward?.body ?? null;
  const row: EventRowValues = {
    id: event.id,
    source: event.source,
    route: event.route,
    receivedAt: event.receivedAt,
    dedupKey: event.dedupKey,
    contentType: event.contentType,
    rawBody: event.rawBody,
    normalized: n ? JSON.stringify(n) : null,
    resultStatus: n?.status ?? null,
    reason: n?.reason ?? null,
    customerId: arrival.ids.customerId,
    interviewId: arrival.ids.interviewId,
    status: arrival.status,
    forwardFormat: event.forward?.format ?? null,
    forwardBody: body === null || body === event.rawBody ? null : body,
    fallbackAt: arrival.fallbackAt,
    legacyFields: JSON.stringify(event.legacyFields ?? []),
    eventName: event.eventName ?? null,
    note: arrival.note,
    enrichDeadline: arrival.enrich?.deadline ?? null,
    enrichWait: arrival.enrich?.waitMs ?? null,
    enrichNextAt: arrival.enrich?.nextAt ?? null,
    shadowed: arrival.shadowed,
    bucket: arrival.ids.customerId === null ? null : bucketOf(arrival.ids.customerId),
  };
  const fast =
    arrival.forwarded && body !== null ? fastPathLease(arrival, event, () => earlierInLine) : null;
  const outbox =
    arrival.forwarded && body !== null
      ? {
          body,
          held: arrival.held,
          nextAttemptAt: event.receivedAt,
          orderKey: event.orderKey,
          leaseUntil: fast?.leaseUntil ?? null,
        }
      : null;
  const match = arrival.match;
  const pair = match
    ? newPair(
        {
          id: event.id,
          source: event.source,
          receivedAt: event.receivedAt,
          customerId: arrival.ids.customerId,
          normalized: n,
        },
        match.counterpart,
        event.pairing,
        arrival.shadowed ? match.counterpart.source : event.source,
      )
    : null;
  const counterpart = match?.action
    ? { id: match.counterpart.id, action: match.action, at: event.receivedAt }
    : null;
  const result: AcceptResult = {
    eventId: event.id,
    duplicate: false,
    status: arrival.status,
    ...(counterpart?.action === 'enqueue' ? { counterpartEnqueued: true } : {}),
    ...(fast && body !== null
      ? { fresh: { eventId: event.id, source: event.source, body, attempts: 0, ...fast } }
      : {}),
  };
  return { row, outbox, pair, counterpart, result };
}
