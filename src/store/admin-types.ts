import type { PairDiff } from '../compare/diff/pair-diff.js';
import type { NormalizedResult, Source } from '../normalize/normalized-schema.js';
import type { ForwardFormat } from './accept-types.js';
import type { AttemptRecord } from './delivery-types.js';
import type { EventStatus } from './rules/statuses.js';

// What the admin API, the CLI and the console read of the store (store.ts): an event, its
// line and its pair, pages of events, the quarantine; and the settings any store reads.

export interface EventSummary {
  id: string;
  source: Source;
  route: string;
  receivedAt: string;
  status: EventStatus;
  /** SESSION_SUCCEEDED, ONBOARDING_FINISHED, ...; null for the legacy and Face Authentication webhooks. */
  event: string | null;
  result: {
    /** Null for an event that carries no outcome (yet). */
    status: NormalizedResult['status'] | null;
    reason: NormalizedResult['reason'];
    customerId: string | null;
    interviewId: string | null;
  };
  /** Why an informational or superseded event is not forwarded. */
  note: string | null;
  /** The score from the Incode API: null when not asked. */
  enrichment: {
    state: 'waiting' | 'scored' | 'unavailable';
    attempts: number;
    lastError: string | null;
    deadline: string | null;
  } | null;
  forwardFormat: ForwardFormat | null;
  attempts: number;
  nextAttemptAt: string | null;
  lastError: string | null;
  deliveredAt: string | null;
  duplicates: number;
  /** Its login's other report, when both sources reported it, and which one the callback gets. */
  pair: { counterpartId: string; forwarded: Source | null } | null;
}

export interface EventDetail extends EventSummary {
  normalized: NormalizedResult | null;
  contentType: string;
  rawBody: Uint8Array;
  /**
   * What the callback gets for this event (FORWARD_FORMAT at arrival): for a shadowed event,
   * what it would get after a switch. Null where there is nothing to forward (informational).
   */
  callbackBody: { format: 'legacy' | 'normalized'; body: Uint8Array } | null;
  attemptHistory: AttemptRecord[];
  /** The pair in full: the counterpart, which one was forwarded, how the two compare. */
  pairDetail: PairDetail | null;
  /** Where it stands in its customer's line while it has an outbox entry, or once it stepped out. */
  line: LineFacts | null;
}

/** Where a pending event stands in its customer's line (order per customer, ORDER_HOLD_MAX). */
export interface LineFacts {
  /** The customer whose line it is in; null once it stopped holding it (or names no customer). */
  customerId: string | null;
  /** Its customer's events waiting behind it. */
  waitingBehind: number;
  /** Refused by the callback: its customer's later events wait until then at most. */
  holdUntil: number | null;
  /** The first event of its customer before it, which it waits for. */
  waitingFor: {
    eventId: string;
    attempts: number;
    lastError: string | null;
    holdUntil: number | null;
    /** Leased until then: being sent, when that is still to come. */
    leaseUntil: number | null;
  } | null;
  /** When it stopped holding its customer's later events (they went ahead). */
  releasedAt: number | null;
}

/** An event's login as both sources reported it (EventDetail.pairDetail). */
export interface PairDetail {
  counterpartId: string;
  counterpartSource: Source;
  /** Which report reached (or will reach) the callback; null: neither yet. */
  forwarded: Source | null;
  /** When the second report arrived. */
  pairedAt: number;
  /** Null while one of the two waits for its score. */
  comparison: {
    statusAgrees: boolean;
    reasonAgrees: boolean;
    kind: string | null;
    differences: PairDiff['differences'];
  } | null;
}

export interface EventQuery {
  status?: EventStatus | undefined;
  source?: Source | undefined;
  customerId?: string | undefined;
  interviewId?: string | undefined;
  /** Received in [from, to) (milliseconds since the epoch). */
  from?: number | undefined;
  to?: number | undefined;
  limit: number;
  /** Only events older than this cursor (from a previous page). */
  before?: string | undefined;
}

export interface QuarantineEntry {
  id: string;
  receivedAt: number;
  route: string;
  contentType: string | null;
  httpStatus: number;
  code: string;
  message: string;
  issues: { path: string; message: string }[] | null;
  body: Uint8Array;
  /** The body was longer than what was kept. */
  truncated: boolean;
}

export interface QuarantineRecord extends Omit<QuarantineEntry, 'receivedAt'> {
  receivedAt: string;
  /** Taken in again (POST /admin/quarantine/:id/reingest): as this event, then. */
  reingested: { eventId: string; at: string } | null;
}

export interface Page<T> {
  items: T[];
  /** Pass as `before` to read the next page; null on the last page. */
  next: string | null;
}

/** Store.listQuarantine: a page of quarantined bodies, newest first. */
export interface QuarantineQuery {
  limit: number;
  /** The cursor of a previous page (`next`). */
  before?: string | undefined;
}

/** A setting as last committed by any store (Store.getSetting). */
export interface SettingValue {
  value: string;
  updatedAt: number;
}

/** A setting and its key (Store.listSettings). */
export interface Setting extends SettingValue {
  key: string;
}
