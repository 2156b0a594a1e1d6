import type {
  AcceptResult,
  EnrichmentCompletion,
  EnrichmentItem,
  NewEvent,
} from './accept-types.js';
import type {
  EventDetail,
  EventQuery,
  EventSummary,
  Page,
  QuarantineEntry,
  QuarantineQuery,
  QuarantineRecord,
  Setting,
  SettingValue,
} from './admin-types.js';
import type {
  AttemptRecord,
  CancelResult,
  FailedNext,
  OutboxItem,
  ReleasedHold,
  ReplayResult,
  ReplayScope,
} from './delivery-types.js';
import type {
  BacklogFigures,
  ComparisonData,
  DeliveryFigures,
  DeliveryFiguresQuery,
  LoginFigures,
  MovedPairFigures,
  MovedPairFiguresQuery,
  PopulationFigures,
  PopulationFiguresQuery,
} from './figure-types.js';
import type { EventStatus } from './rules/statuses.js';

// The storage contract (see Store below). Everything above the store talks to this interface
// only, and opens it with open-store.ts, so a PostgreSQL store can stand beside the embedded
// SQLite one. Every method is async. What the methods take and give is defined beside it, by
// concern: accept-types.ts (an event arriving, its wait for a score), delivery-types.ts (the
// outbox, attempts, replays, cancels), admin-types.ts (what the admin API reads, the
// quarantine), figure-types.ts (the report's, the guard's and the console's figures); its
// errors in errors.ts.

// The statuses are defined with the rules about them (rules/statuses.ts); they are part of
// this interface's vocabulary, so they are exported from here too.
export { EVENT_STATUSES, type EventStatus } from './rules/statuses.js';

/**
 * The storage contract.
 *
 * Business rules are not the backend's to decide: what a new event becomes, the fast-path
 * rule, the dedup window, how an enrichment wait ends, pairing and its diff, and supersede live
 * in ./rules/, with the writes each makes (rules/accept-plan.ts, completion-plan.ts, replay.ts):
 * every backend reads the facts, calls them and applies the plan (sqlite/ops/, postgres/ops/,
 * one operation per file). A backend is the SQL, the transactions and the row mapping.
 *
 * CONCURRENCY. Several stores may share one database (several instances of the service on
 * one PostgreSQL), leader-free: any instance accepts any webhook and delivers any event. The
 * SQLite store gets every guarantee below for free, since one process serialises its writes
 * through one connection (group commit, one transaction at a time); a shared-database backend
 * must get each one from the database itself, never from a check in one transaction followed
 * by a write in another, nor from a read-then-write inside a transaction that another instance
 * can interleave with (READ COMMITTED sees neither the other's uncommitted row nor blocks it).
 * The words used below:
 * - "atomic": one transaction; a webhook is answered 200 only after it committed.
 * - "serialised per customer": transactions that touch the same order key (NewEvent.orderKey:
 *   the customer id, or the event id when there is none) or the same customer id run one after
 *   the other, e.g. a transaction-scoped advisory lock on the key taken before the first read.
 * - "serialised per interview": the same for an interview id (supersede).
 * - "leased": a claimed row carries lease_until (and, for a shared database, its holder); no
 *   other store claims it before lease_until, and a claim skips rows that another transaction
 *   has locked (FOR UPDATE SKIP LOCKED) instead of waiting for them.
 * - "once": when two stores run the same method at the same moment, each row it changes is
 *   changed by exactly one of them (a conditional UPDATE ... WHERE <old state> that counts its
 *   rows, or a row lock with SKIP LOCKED); the other sees nothing left to do.
 * Times are milliseconds since the epoch, passed in by the caller (tests pass their own clock):
 * a backend never reads the database server's clock for a decision.
 */
export interface Store {
  /**
   * Stores the raw body, the normalized result and (when forwarded) the outbox entry, atomic.
   *
   * - Dedup: a body whose dedupKey was first seen less than `dedupWindowMs` before
   *   event.receivedAt (rules/dedup.ts) is a duplicate: nothing is stored but the count on the
   *   first event, and the answer names the first event's id. Must hold when the same body
   *   reaches two stores at the same moment: enforced by a unique constraint on the key (insert
   *   ... on conflict), not by check-then-insert. The loser of the race gets `duplicate: true`
   *   with the winner's id (not an error, not a 503).
   * - Status: rules/arrival.ts (decideArrival) from the event and the earliest stored result of
   *   the same interview on NewEvent.supersededBy's routes with the same `shadowed` flag.
   *   Serialised per interview: two session results of one interview at two stores must not
   *   both miss each other and both reach the callback.
   * - Order: the outbox entry takes its place in its order key's line in arrival order. The
   *   line position (seq) must be in commit order within an order key, so serialised per
   *   customer: an entry must never become visible behind a later one of its key.
   * - Fast path (rules/arrival.ts fastPathLease): the entry is leased to this store, and `fresh`
   *   returned, only when no entry of its order key is in the outbox (pending, leased by any
   *   store, or held): checked and inserted in one transaction serialised per customer.
   * - Pairing (NewEvent.pairing): the counterpart is picked with rules/pairing.ts among the
   *   other source's unpaired results and diffed with compare/diff/pair-diff.ts. Once: an event is in
   *   at most one pair (unique legacy_id and unique workflows_id); serialised per customer, so
   *   two halves arriving at two stores at the same moment still find each other.
   * - Deadline (ms since the epoch, ACCEPT_TIMEOUT): a store that can wait on a server gives the
   *   transaction up by then (StoreUnavailableError) without committing it, unless its COMMIT
   *   was sent in time and answered late; a store that cannot hang (SQLite) may ignore it.
   */
  accept(event: NewEvent, dedupWindowMs: number, deadline?: number): Promise<AcceptResult>;
  /** Keeps a refused body for the admin API. Entries are independent (unique id). */
  quarantine(entry: QuarantineEntry): Promise<void>;
  /**
   * Leases up to `limit` outbox entries due at `now` for `leaseMs`, oldest first.
   * An entry is due when next_attempt_at <= now, its lease (if any) has run out, and no other
   * entry of its order key is earlier in line (smaller seq) or leased by anyone: a later PASS
   * never overtakes an earlier FAIL of one customer, across stores. An entry that stopped
   * holding its line (releaseHolds) is a line of its own. Once: the select and the
   * lease are one statement or one transaction with FOR UPDATE SKIP LOCKED; an entry leased by
   * another store is skipped, never waited for and never returned to two stores. A lease that
   * ran out (its store was killed) makes the entry claimable by any store.
   */
  claimDue(now: number, limit: number, leaseMs: number): Promise<OutboxItem[]>;
  /**
   * A line that follows itself: called right after `afterEventId` was delivered, leases the next
   * entry of its customer's line (order key coalesce(customer_id, id)) for `leaseMs` when it is
   * due at `now`, so a deep line is sent at the callback's pace instead of one entry a poll.
   * Exactly claimDue's rules restricted to that line (due, not leased, no earlier entry, none of
   * the line leased by anyone; once, with SKIP LOCKED); null when none is due.
   */
  claimNext(afterEventId: string, now: number, leaseMs: number): Promise<OutboxItem | null>;
  /**
   * Gives back fresh entries leased by this store's fast path and not sent: a poll claims them.
   * Releases only leases this store holds.
   */
  releaseFresh(eventIds: readonly string[]): Promise<void>;
  /**
   * The event is delivered: status delivered, its outbox entry gone (the next of its order key
   * becomes due), atomic. Called by the store that holds the lease.
   */
  recordDelivered(eventId: string, attempt: AttemptRecord): Promise<void>;
  /**
   * A failed attempt: retry at `retryAt` (lease dropped, attempts counted), or `dead` when the
   * schedule is used up (outbox entry gone, so the customer's next event is released); atomic
   * with the attempt row. Called by the store that holds the lease. A retry of an entry in its
   * customer's line keeps `holdUntil` (the first failure's of the round): the line waits for it
   * until then at most (releaseHolds).
   */
  recordFailed(eventId: string, attempt: AttemptRecord, next: FailedNext): Promise<void>;
  /**
   * ORDER_HOLD_MAX: the entries whose hold ran out (holdUntil <= now) step out of their
   * customer's line, so the customer's later events go ahead, while each keeps its own retry
   * schedule as a line of its own; returns them (with how many events were waiting behind).
   * Every store runs it before its claims. Once: each entry steps out at one store only (a
   * conditional change under a row lock, SKIP LOCKED), so each is reported once.
   */
  releaseHolds(now: number): Promise<ReleasedHold[]>;
  /**
   * An operator's cancel: the event is never delivered. Its outbox entry (if any) is gone, so
   * its customer's line moves on, and its status is cancelled (its login counts as forwarded:
   * its other report stays shadowed). Only for an event that is not being sent right now: an
   * entry leased (by any store, lease not run out) gets 'in_flight' and nothing changes. Once,
   * and never both delivered and cancelled: the status, the lease check and the change are one
   * transaction holding the event's and the entry's row locks, which a claim (SKIP LOCKED)
   * either took first (then the cancel sees the lease) or skips.
   */
  cancel(eventId: string, now: number): Promise<CancelResult>;
  /**
   * Leases up to `limit` events waiting for their score, due at `now` (enrich_next_at <= now),
   * for `leaseMs`. Once, as claimDue: skips rows leased or locked by another store.
   */
  claimEnrichment(now: number, limit: number, leaseMs: number): Promise<EnrichmentItem[]>;
  /**
   * Ends an event's wait for its score: its new status, or null when it was no longer waiting.
   * The decision is rules/enrichment.ts (decideCompletion, with the earlier result found by
   * supersedeLookup, serialised per interview). Once: the status change is conditional on
   * status enriching (row lock or conditional UPDATE), so a second completion of the same
   * event (two stores, a lease that ran out) gets null and changes nothing. The held outbox
   * entry is released (or made) in the same transaction; pairing as in accept.
   */
  completeEnrichment(
    eventId: string,
    completion: EnrichmentCompletion,
    now: number,
  ): Promise<EventStatus | null>;
  /** The Incode API did not answer: ask again at `retryAt` (only while still enriching). */
  retryEnrichment(eventId: string, error: string, retryAt: number): Promise<void>;
  /**
   * Called once when a delivery worker starts: makes the outbox entries this store's process
   * left leased when it stopped due again, and events waiting for their score asked for at
   * once; returns how many. The SQLite store is the only user of its file, so every lease there
   * is such a leftover and it releases them all. A shared-database backend must release only
   * leases held by this store (its instance) or already run out, NEVER a lease of another live
   * instance (that would deliver the event twice and break the customer's order).
   */
  releaseLeases(): Promise<number>;
  /**
   * Sends an event again from the first attempt of the schedule, with the same event id.
   * Once: the status check (delivered or dead) and the requeue are one transaction with the
   * row locked; the outbox entry's key (event id) is unique, so two replays enqueue one entry.
   * The entry keeps the event's original place in its order key's line.
   */
  replay(eventId: string, now: number): Promise<ReplayResult>;
  /**
   * Replays every event with this status (within `scope`: one customer, a range of arrival
   * times; index ranges, not a read of every event); returns how many. Once, as replay.
   */
  replayAll(status: 'dead' | 'delivered', now: number, scope?: ReplayScope): Promise<number>;
  /**
   * Forwards the reports whose wait for their login's other report is over (fallback time
   * reached; a report that found its other report had its wait settled or ended then, in the
   * same transaction); returns the ids forwarded. Once: every store runs this on its poll; the
   * change from waiting to pending is conditional on the row still waiting and serialised per
   * customer and interview with accept, so a report of the same login committed at the same
   * moment either ends the wait first or finds the report forwarded (and is shadowed).
   */
  forwardFallbacks(now: number): Promise<string[]>;
  /**
   * Logins by who reported them, counted where the login's first report arrived in [from, to):
   * reported by both sources (a pair), by the legacy webhook only, by Workflows only (unpaired
   * results), in total and per UTC day. What the report, GET /admin/forward-source, the CLI and
   * the metrics all show. Index ranges over the pairs and the events, not a read of the rows.
   */
  loginFigures(from: number, to: number): Promise<LoginFigures>;
  /**
   * Figures of the pairs completed in [from, to) (when their second event arrived) whose
   * customer's cut-over bucket (cutover/bucket.ts) is below `belowBucket`, the customers a share
   * moves: how many, how many agree on status and reason, and the ids
   * (`legacyEventId/workflowsEventId`) of the first `ids` that do not, oldest first. The
   * cut-over guard asks every few seconds on every instance: an index range over the pairs,
   * never a read of the events. A read.
   */
  movedPairFigures(query: MovedPairFiguresQuery): Promise<MovedPairFigures>;
  /**
   * The cut-over guard's populations: the results that reached the callback (pending, delivered,
   * dead) of the customers whose bucket is below `belowBucket` received in [since, to) (moved)
   * and in [from, since) (their own before), and of the other customers in [since, to). One
   * index range over the events (received_at, bucket, status, result), every few seconds on
   * every instance. A read.
   */
  populationFigures(query: PopulationFiguresQuery): Promise<PopulationFigures>;
  /** Events received in [from, to), and the pairs with an event in that range. A read. */
  comparisonData(from: number, to: number): Promise<ComparisonData>;
  /**
   * Reads a setting as last committed by any store (no cache in the store): the run-time
   * FORWARD_SOURCE switch set at one instance is read by the others from here.
   */
  getSetting(key: string): Promise<SettingValue | undefined>;
  /** Sets a setting (an upsert on its key: two stores setting it at once leave one value). */
  setSetting(key: string, value: string, now: number): Promise<void>;
  /**
   * Sets a setting only if it is not set, in one statement; says whether it did. Two stores
   * inserting at once: one wins, the other gets false and the winner's value stays.
   */
  insertSetting(key: string, value: string, now: number): Promise<boolean>;
  /** The settings whose key starts with `prefix`, oldest update first. A read. */
  listSettings(prefix: string): Promise<Setting[]>;
  /**
   * Compare and set: sets the setting to `value` only if it is still `expected`, in one
   * statement; says whether it did. Two stores replacing the same value at once: one wins, the
   * other gets false (the cut-over guard's rollback is never overwritten by a stale step).
   */
  replaceSetting(key: string, expected: string, value: string, now: number): Promise<boolean>;
  deleteSetting(key: string): Promise<void>;
  /**
   * Newest first, only the events matching every filter given. `before` is the opaque cursor
   * of a previous page (`next`), a string any backend can make from its own ordering column. A
   * customer or an interview is found through its index (then the time range within it); a
   * time range alone through the index of arrival times.
   */
  listEvents(query: EventQuery): Promise<Page<EventSummary>>;
  getEvent(id: string): Promise<EventDetail | undefined>;
  /**
   * The backlog as operators watch it, database-wide (the same answer at every store): when the
   * oldest pending event arrived (null: none pending), and how many customers an event the
   * callback refuses holds with events waiting behind it. Index reads, not a read of the backlog.
   */
  backlogFigures(): Promise<BacklogFigures>;
  /**
   * Deliveries and failed attempts per minute in [from, to), and the last success and failure,
   * of the events received in [since, to) (the operator console's chart). An index range over
   * the arrival times, bounded by the traffic of [since, to), not by the table. A read.
   */
  deliveryFigures(query: DeliveryFiguresQuery): Promise<DeliveryFigures>;
  getQuarantine(id: string): Promise<QuarantineRecord | undefined>;
  listQuarantine(query: QuarantineQuery): Promise<Page<QuarantineRecord>>;
  /** Events per status, exact as of one committed state, without reading every event. */
  countByStatus(): Promise<Record<EventStatus, number>>;
  /**
   * RETENTION: deletes up to `limit` events received before `before` that nothing will happen
   * to any more (delivered, shadowed, informational, superseded, cancelled; never pending, enriching or
   * dead, nor a shadowed one whose fallback is still to come), with their attempts, pairs and
   * bodies, and as many quarantined bodies; says how many. Every instance prunes: two stores
   * pruning at once must each delete different rows (SKIP LOCKED) or harmlessly nothing, and
   * an event changed meanwhile (replayed) is re-checked under its row lock before it goes.
   */
  prune(before: number, limit: number): Promise<{ events: number; quarantine: number }>;
  /**
   * Forgets up to `limit` redelivery keys of bodies first seen at or before `before` (the
   * pruner passes now - DEDUP_WINDOW, so a key inside the window is never forgotten); says how
   * many. Idempotent: two stores pruning at once delete each key once.
   */
  pruneDedupKeys(before: number, limit: number): Promise<number>;
  /**
   * Resolves when a webhook would be stored now: the store reads, and after a write that failed
   * (disk full, locked, the database gone), a write succeeds again. /readyz asks it. Rejects
   * with StoreUnavailableError otherwise, by `deadline` (ms since the epoch) when one is given.
   */
  ping(deadline?: number): Promise<void>;
  /** Writes already asked for are committed (or rejected) first. */
  close(): Promise<void>;
}
