import type { NormalizedResult, Source } from '../normalize/normalized-schema.js';
import type { PairDiff, PairingRule } from './rules/pair-diff.js';
import type { SupersedeRule } from './rules/supersede.js';

// The storage contract. Everything above the store talks to this interface only, so a
// PostgreSQL store can stand beside the embedded SQLite one. Every method is async.

/**
 * pending: waiting for (another) delivery attempt; delivered; dead: the retry schedule is
 * used up; shadowed: stored and compared, not forwarded (FORWARD_SOURCE); enriching: waiting
 * for its score from the Incode API before it is forwarded; informational: says nothing about
 * a face authentication (SESSION_STARTED, ...); superseded: the same authentication as a
 * Workflows event received before it, which the callback gets instead.
 */
export const EVENT_STATUSES = [
  'pending',
  'delivered',
  'dead',
  'shadowed',
  'enriching',
  'informational',
  'superseded',
] as const;
export type EventStatus = (typeof EVENT_STATUSES)[number];

export type ForwardFormat = 'legacy' | 'normalized';

export interface NewEvent {
  id: string;
  source: Source;
  route: string;
  /** Milliseconds since the epoch. */
  receivedAt: number;
  /** Identifies a redelivery: same route, same body. */
  dedupKey: string;
  contentType: string;
  rawBody: Uint8Array;
  /** Null for an event that carries no outcome (yet): SESSION_STARTED, ONBOARDING_FINISHED. */
  normalized: NormalizedResult | null;
  /** Where `normalized` is null: the ids the body carries. */
  ids?: { customerId: string | null; interviewId: string | null };
  /** SESSION_SUCCEEDED, ONBOARDING_FINISHED, ...; null or absent for the other webhooks. */
  eventName?: string | null;
  /**
   * What the callback gets for this event, rendered when it arrives (also for a shadowed one);
   * null when there is nothing to forward (yet).
   */
  forward: { format: ForwardFormat; body: Uint8Array } | null;
  /** Decided when the event arrives: stored and compared, not forwarded. */
  shadowed: boolean;
  /** Not forwarded, and why (see EVENT_STATUSES). */
  notForwarded?: { status: 'informational'; note: string } | null;
  /**
   * Completed with its score before it is forwarded: status enriching until `deadline`.
   * Its outbox entry (if it has a body already) is held so the customer's later events wait.
   */
  enrich?: { deadline: number } | null;
  /**
   * The same authentication as an earlier Workflows event of this interview received on one
   * of these routes: stored as superseded, not forwarded or compared.
   */
  supersededBy?: SupersedeRule | null;
  /** For a shadowed event: when to forward it after all if no counterpart arrived (null: never). */
  fallbackAt: number | null;
  /** Events with the same key reach the callback in arrival order (the customer). */
  orderKey: string;
  /**
   * The fast path: the delivery worker of this process takes the event from memory right after
   * the commit. When it is forwarded now and no earlier entry of its order key waits, its outbox
   * entry is stored leased to this process until `leaseUntil` (no poll claims it), and the
   * accept result carries it as `fresh`. Otherwise the entry waits for a poll, as without this.
   */
  fastPath?: { leaseUntil: number } | null;
  /** Which LEGACY_ONLY_FIELDS the event's legacy-shaped body carries (for the report). */
  legacyFields?: string[];
  /** Pair the event with its counterpart from the other source, if one is stored (null: don't). */
  pairing?: PairingRule | null;
}

export interface AcceptResult {
  eventId: string;
  /** True when the same body reached the same route within the dedup window. */
  duplicate: boolean;
  /** The status the event was stored with (for a duplicate: undefined). */
  status?: EventStatus;
  /** Taken by the fast path (NewEvent.fastPath): deliver it now; it is leased until then. */
  fresh?: OutboxItem & { leaseUntil: number };
}

/** An event waiting for its score. */
export interface EnrichmentItem {
  eventId: string;
  route: string;
  receivedAt: number;
  rawBody: Uint8Array;
  interviewId: string | null;
  /** When it is forwarded without the numbers (milliseconds since the epoch). */
  deadline: number;
  /** Calls to the Incode API made for it so far. */
  attempts: number;
  /** What the last call got, if it failed. */
  lastError: string | null;
}

/** How an event's wait for its score ends. */
export type EnrichmentCompletion =
  | {
      /** Forward it: with the numbers (scored), or without them (unavailable). */
      state: 'scored' | 'unavailable';
      normalized: NormalizedResult;
      forward: { format: ForwardFormat; body: Uint8Array };
      legacyFields: string[];
      error: string | null;
      /** Whether this completion follows a call to the Incode API (counted in attempts). */
      called: boolean;
      pairing?: NewEvent['pairing'];
      /** As NewEvent.supersededBy: checked again now that the event has an outcome. */
      supersededBy?: NewEvent['supersededBy'];
    }
  | {
      /** Nothing to forward: informational (the score gives no outcome) or dead (no score came). */
      state: 'scored' | 'unavailable';
      status: 'informational' | 'dead';
      note: string;
      error: string | null;
      called: boolean;
    };

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
  | 'superseded';

/** How a shadowed event finds the counterpart that makes a fallback unnecessary. */
export interface FallbackRule {
  /** Counterparts received this long before or after the shadowed event count. */
  windowMs: number;
}

export interface AttemptRecord {
  /** Milliseconds since the epoch. */
  at: number;
  durationMs: number;
  statusCode: number | null;
  error: string | null;
}

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
}

export interface EventQuery {
  status?: EventStatus | undefined;
  source?: Source | undefined;
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
}

export interface Page<T> {
  items: T[];
  /** Pass as `before` to read the next page; null on the last page. */
  next: string | null;
}

/** One event as the comparison report sees it. */
export interface ComparedEvent {
  eventId: string;
  source: Source;
  receivedAt: number;
  status: NormalizedResult['status'];
  reason: string | null;
  customerId: string | null;
  interviewId: string | null;
  delivery: EventStatus;
  deliveredAt: number | null;
  legacyFields: string[];
  paired: boolean;
  /** Whether the Incode API completed its numbers: null (not asked), scored, unavailable. */
  enrichment: 'scored' | 'unavailable' | null;
}

export interface StoredPair {
  legacy: ComparedEvent;
  workflows: ComparedEvent;
  statusAgrees: boolean;
  reasonAgrees: boolean;
  kind: string | null;
  differences: PairDiff['differences'];
}

export interface Store {
  /** Stores the raw body, the normalized result and (when forwarded) the outbox entry in one transaction. */
  accept(event: NewEvent, dedupWindowMs: number): Promise<AcceptResult>;
  quarantine(entry: QuarantineEntry): Promise<void>;
  /** Leases up to `limit` outbox entries due at `now` for `leaseMs`, oldest first. */
  claimDue(now: number, limit: number, leaseMs: number): Promise<OutboxItem[]>;
  /** Gives back fresh entries leased by the fast path and not sent: a poll claims them. */
  releaseFresh(eventIds: readonly string[]): Promise<void>;
  recordDelivered(eventId: string, attempt: AttemptRecord): Promise<void>;
  /** A failed attempt: retry at `retryAt`, or `dead` when the schedule is used up. */
  recordFailed(
    eventId: string,
    attempt: AttemptRecord,
    next: { retryAt: number } | 'dead',
  ): Promise<void>;
  /** Leases up to `limit` events waiting for their score, due at `now`, for `leaseMs`. */
  claimEnrichment(now: number, limit: number, leaseMs: number): Promise<EnrichmentItem[]>;
  /** Ends an event's wait for its score: its new status, or null when it was no longer waiting. */
  completeEnrichment(
    eventId: string,
    completion: EnrichmentCompletion,
    now: number,
  ): Promise<EventStatus | null>;
  /** The Incode API did not answer: ask again at `retryAt`. */
  retryEnrichment(eventId: string, error: string, retryAt: number): Promise<void>;
  /**
   * Makes outbox entries leased by a process that is gone due again, and events waiting for
   * their score asked for at once; returns how many.
   */
  releaseLeases(): Promise<number>;
  /** Sends an event again from the first attempt of the schedule, with the same event id. */
  replay(eventId: string, now: number): Promise<ReplayResult>;
  /** Replays every event with this status; returns how many. */
  replayAll(status: 'dead', now: number): Promise<number>;
  /**
   * Forwards shadowed events whose fallback time has come and that have no counterpart from
   * the other source (same customer, same interview where both have one, within the window);
   * returns the ids forwarded. Events with a counterpart are settled and stay shadowed.
   */
  forwardFallbacks(now: number, rule: FallbackRule): Promise<string[]>;
  /** Forgets every pending fallback (SHADOW_FALLBACK_AFTER was turned off); returns how many. */
  clearFallbacks(): Promise<number>;
  /** Events received in [from, to), and the pairs with an event in that range. */
  comparisonData(
    from: number,
    to: number,
  ): Promise<{ events: ComparedEvent[]; pairs: StoredPair[] }>;
  getSetting(key: string): Promise<{ value: string; updatedAt: number } | undefined>;
  setSetting(key: string, value: string, now: number): Promise<void>;
  deleteSetting(key: string): Promise<void>;
  listEvents(query: EventQuery): Promise<Page<EventSummary>>;
  getEvent(id: string): Promise<EventDetail | undefined>;
  listQuarantine(query: {
    limit: number;
    before?: string | undefined;
  }): Promise<Page<QuarantineRecord>>;
  countByStatus(): Promise<Record<EventStatus, number>>;
  /**
   * RETENTION: deletes up to `limit` events received before `before` that nothing will happen
   * to any more (delivered, shadowed, informational, superseded; never pending, enriching or
   * dead), with their attempts, pairs and bodies, and as many quarantined bodies; says how many.
   */
  prune(before: number, limit: number): Promise<{ events: number; quarantine: number }>;
  /** Forgets up to `limit` redelivery keys of bodies first seen at or before `before`; says how many. */
  pruneDedupKeys(before: number, limit: number): Promise<number>;
  /**
   * Resolves when a webhook would be stored now: the store reads, and after a write that failed
   * (disk full, locked), a write succeeds again. /readyz asks it.
   */
  ping(): Promise<void>;
  close(): Promise<void>;
}

/** Thrown when the store cannot do its work (disk full, locked, corrupt); the webhook gets a 503. */
export class StoreUnavailableError extends Error {
  override readonly name = 'StoreUnavailableError';
}

/**
 * Thrown at start when DATABASE_URL names something that cannot be a store: a folder that
 * cannot be made, a file that is not a database, a missing file where one must exist. A
 * configuration problem (exit 2), not an outage.
 */
export class StoreOpenError extends Error {
  override readonly name = 'StoreOpenError';
}
