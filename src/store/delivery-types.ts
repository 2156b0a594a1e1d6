import type { Source } from '../normalize/normalized-schema.js';

// The delivery side of the storage contract (store.ts): an outbox entry and its attempts, a
// customer's line that stops waiting, replays and cancels.

export interface OutboxItem {
  eventId: string;
  source: Source;
  body: Uint8Array;
  /** Attempts made before this one in this round (a replay starts a new round). */
  attempts: number;
}

export type ReplayResult =
  | 'replayed'
  | 'not_found'
  | 'pending'
  | 'shadowed'
  | 'enriching'
  | 'informational'
  | 'superseded'
  | 'cancelled';

/**
 * What Store.cancel did: cancelled; or why not: no such event, being sent right now (leased:
 * try again once the attempt is over), cancelled already, or a status that leaves nothing to
 * cancel (delivered; shadowed for good, informational and superseded are never sent anyway).
 */
export type CancelResult =
  | 'cancelled'
  | 'not_found'
  | 'in_flight'
  | 'already_cancelled'
  | 'delivered'
  | 'shadowed'
  | 'informational'
  | 'superseded';

/** Which events a bulk replay takes, beside their status (all of them when left out). */
export interface ReplayScope {
  customerId?: string | undefined;
  /** Received in [from, to) (milliseconds since the epoch). */
  from?: number | undefined;
  to?: number | undefined;
}

/** A customer's line that an event stopped holding (Store.releaseHolds). */
export interface ReleasedHold {
  eventId: string;
  /** The customer (the line's order key). */
  customerId: string;
  /** Its customer's events that were waiting behind it and go ahead now. */
  waiting: number;
  /** What the callback last answered it. */
  lastError: string | null;
  attempts: number;
}

export interface AttemptRecord {
  /** Milliseconds since the epoch. */
  at: number;
  durationMs: number;
  statusCode: number | null;
  error: string | null;
}

/** A failed attempt's next step: a retry, or dead. */
export type FailedNext =
  | {
      retryAt: number;
      /**
       * ORDER_HOLD_MAX from this attempt: how long it may hold its customer's later events. Kept
       * from the first failure of the round (a later failure does not move it).
       */
      holdUntil?: number;
    }
  | 'dead';
