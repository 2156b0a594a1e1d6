import { randomUUID } from 'node:crypto';
import type pg from 'pg';
import type { NormalizedResult, Source } from '../../normalize/normalized-schema.js';
import type { PostgresConfig } from '../database-config.js';
import {
  type AheadRow,
  type AttemptRow,
  type CandidateRow,
  type ComparedRow,
  type EnrichmentRow,
  type EventDetailRow,
  type EventRow,
  type LineRow,
  type PairDetailRow,
  page,
  type QuarantineRow,
  toCandidate,
  toCandidates,
  toCompared,
  toDetail,
  toEnrichmentItem,
  toQuarantineRecord,
  toSummary,
} from '../rows.js';
import {
  type CounterpartAction,
  decideArrival,
  fastPathLease,
  loginIdsOf,
  seeksCounterpart,
} from '../rules/arrival.js';
import { bucketOf } from '../rules/bucket.js';
import { cancelledNote, decideCancel } from '../rules/cancel.js';
import { dedupSince } from '../rules/dedup.js';
import {
  decideCompletion,
  seeksCounterpartOnCompletion,
  supersedeLookup,
  type WaitingEvent,
} from '../rules/enrichment.js';
import { type CounterpartQuery, counterpartQuery } from '../rules/login.js';
import { loginFiguresOf, populationFiguresOf } from '../rules/login-figures.js';
import { compareResults, type NewPair, newPair } from '../rules/pairing.js';
import {
  type AcceptResult,
  type AttemptRecord,
  type CancelResult,
  type ComparedEvent,
  type DeliveryFigures,
  type DeliveryFiguresQuery,
  type EnrichmentCompletion,
  type EnrichmentItem,
  EVENT_STATUSES,
  type EventDetail,
  type EventQuery,
  type EventStatus,
  type EventSummary,
  type FailedNext,
  type LoginFigures,
  type NewEvent,
  type OutboxItem,
  type Page,
  type PopulationFigures,
  type QuarantineEntry,
  type QuarantineRecord,
  type ReleasedHold,
  type ReplayResult,
  type ReplayScope,
  type Store,
  type StoredPair,
  StoreOpenError,
} from '../store.js';
import {
  classifyPostgresError,
  PostgresDriver,
  type PostgresDriverOptions,
  PostgresUnavailableError,
  type Queryable,
  toStoreError,
  type WaitOptions,
  waitForDatabase,
} from './driver.js';
import { migrate } from './migrations.js';
import { claimNext } from './ops/claim-next.js';
import { deliveryFigures } from './ops/delivery-figures.js';
import { bytes } from './rows.js';
import * as admin from './sql/admin.js';
import * as comparison from './sql/comparison.js';
import * as enrichment from './sql/enrichment.js';
import { HELD } from './sql/fragments.js';
import * as intake from './sql/intake.js';
import { listEventsQuery } from './sql/list-events.js';
import { interviewLock, orderLock, TAKE_LOCKS } from './sql/locks.js';
import * as operating from './sql/operating.js';
import * as outbox from './sql/outbox.js';

export interface PostgresStoreOptions extends PostgresDriverOptions {
  /** For commands that read a store the service made: a schema without its tables is refused. */
  mustExist?: boolean;
  /**
   * Told when a result (delivered, failed) was not written because the lease is no longer this
   * instance's: it ran out and another instance took the event over (which delivers it).
   */
  onLeaseLost?: (eventId: string) => void;
}

export interface ConnectOptions extends WaitOptions {
  /**
   * Wait for a database that cannot be reached yet (the service: it starts unready) instead of
   * failing at once (the CLI). A problem waiting will not fix (refused login) fails either way.
   */
  wait?: boolean;
  /**
   * Run once the schema is migrated and a write succeeded, before webhooks are taken (accept and
   * ping refuse until it resolved); a failure that may pass is tried again with the connection.
   */
  prepare?: () => Promise<void>;
  /** A waiting start that then fails for good (the login is refused once the server is up). */
  onFatal?: (error: Error) => void;
}

/**
 * A statement of the hot paths by name: each connection parses and plans it once (node-postgres
 * prepares it on first use), instead of at every webhook.
 */
const named = (name: string, text: string) => ({ name, text });

/** Results kept to be written again after an outage (see PostgresStore.#unwritten). */
const UNWRITTEN_MAX = 10_000;

/** Events replayed per transaction by replayAll (each takes its line's advisory lock). */
const REPLAY_BATCH = 200;

type Delivered = {
  eventId: string;
  attempt: AttemptRecord;
  resolve: () => void;
  reject: (error: unknown) => void;
};

/**
 * The PostgreSQL store: several instances of the service on one database, leader-free. The
 * business rules are ../rules/ (as for SQLite); this is the SQL, the transactions, the locks
 * and the leases (store.ts, CONCURRENCY):
 * - accept: the redelivery key by the primary key of dedup_keys (INSERT ... ON CONFLICT), then
 *   advisory locks on the order key, the customer and the interview (sorted, one statement)
 *   before any read, so per customer and per interview one accept (or completion, or fallback)
 *   runs at a time and seq order is commit order within an order key;
 * - claims: FOR UPDATE SKIP LOCKED on the heads of the order keys' lines; every lease names
 *   this instance (a random id per store), and results are written only while it still does;
 * - fallbacks, enrichment claims, replays and pruning lock their rows (SKIP LOCKED where every
 *   instance polls) and change them conditionally, so each is done once.
 */
export class PostgresStore implements Store {
  /** This instance, as leases name it. */
  readonly instanceId = randomUUID();
  readonly #driver: PostgresDriver;
  readonly #options: PostgresStoreOptions;
  /** Migrated and written to: every method may run. */
  #migrated = false;
  /** And prepared: webhooks may be taken. */
  #ready = false;
  readonly #abort = new AbortController();
  #delivered: Delivered[] = [];
  /**
   * Results this instance could not write (the database went away while the callback was
   * answering), written again before the next claim: the event is not sent twice for an outage
   * shorter than its lease, nor left leased until then. Bounded: past UNWRITTEN_MAX the rest wait
   * for their leases to run out (and are sent again).
   */
  #writingBack: Promise<void> | null = null;
  readonly #unwritten = new Map<
    string,
    { attempt: AttemptRecord; next: { retryAt: number } | 'dead' | 'delivered' }
  >();
  #flushing: Promise<void> | null = null;
  #flushScheduled = false;

  private constructor(config: PostgresConfig, options: PostgresStoreOptions) {
    this.#options = options;
    this.#driver = new PostgresDriver(config, options);
  }

  /** The store, not connected yet: connect() migrates and makes it usable. */
  static create(config: PostgresConfig, options: PostgresStoreOptions = {}): PostgresStore {
    return new PostgresStore(config, options);
  }

  /** Opens, migrates and checks the store with one try: the CLI's and the tests' way. */
  static async open(
    config: PostgresConfig,
    options: PostgresStoreOptions = {},
  ): Promise<PostgresStore> {
    const store = new PostgresStore(config, options);
    try {
      await store.connect();
    } catch (error) {
      await store.close();
      throw error;
    }
    return store;
  }

  get driver(): PostgresDriver {
    return this.#driver;
  }

  /**
   * Migrates (once across instances starting together) and makes one write. Without `wait`, one
   * try: PostgresConfigError for a refused login or an unknown database (exit 2),
   * PostgresUnavailableError when the server cannot be reached. With `wait`, a server that
   * cannot be reached yet does not fail it: it says so once (onWaiting), resolves, and keeps
   * trying in the background; the store refuses work (503) until it has succeeded.
   */
  async connect(options: ConnectOptions = {}): Promise<void> {
    const attempt = async () => {
      if (!this.#migrated) {
        if (this.#options.mustExist) await this.#mustExist();
        await migrate(this.#driver);
        await this.#driver.query(admin.PROBE, [Date.now()]);
        this.#migrated = true;
      }
      await options.prepare?.();
      this.#ready = true;
    };
    if (!options.wait) {
      try {
        await attempt();
      } catch (error) {
        const cause = error instanceof PostgresUnavailableError ? error.cause : error;
        throw classifyPostgresError(error) === 'config'
          ? toStoreError(cause, this.#driver.config, { atStart: true })
          : error;
      }
      return;
    }
    let waiting!: () => void;
    const firstFailure = new Promise<void>((resolve) => {
      waiting = resolve;
    });
    const connected = waitForDatabase(this.#driver, attempt, {
      ...options,
      signal: this.#abort.signal,
      onWaiting: (message) => {
        options.onWaiting?.(message);
        waiting();
      },
    });
    await Promise.race([connected, firstFailure]);
    connected.catch((error: unknown) => {
      if (this.#abort.signal.aborted) return;
      options.onFatal?.(error instanceof Error ? error : new Error(String(error)));
    });
  }

  async #mustExist(): Promise<void> {
    const { rows } = await this.#driver.query<{ found: string | null }>(
      "SELECT to_regclass('schema_version')::text AS found",
    );
    if (rows[0]?.found == null) {
      throw new StoreOpenError(
        `${this.#driver.config.display}: no faceauth-shim tables in ${this.#driver.options.schema ?? 'the default schema'} (the service creates them when it first starts)`,
      );
    }
  }

  /** Refuses work until connected: a webhook gets 503, /readyz says what it waits for. */
  #usable(forWebhooks = false): void {
    if (forWebhooks ? this.#ready : this.#migrated) return;
    throw new PostgresUnavailableError(
      `store: PostgreSQL at ${this.#driver.target} (DATABASE_URL) is not reachable yet`,
      'unavailable',
    );
  }

  async #tx<T>(fn: (client: Queryable) => Promise<T>): Promise<T> {
    this.#usable();
    return this.#driver.transaction(fn);
  }

  async #query<R extends object>(text: string, values?: unknown[]): Promise<pg.QueryResult<R>> {
    this.#usable();
    return (await this.#driver.query(text, values)) as pg.QueryResult<R>;
  }

  async accept(event: NewEvent, dedupWindowMs: number, deadline?: number): Promise<AcceptResult> {
    this.#usable(true);
    const options = deadline === undefined ? {} : { deadline };
    return this.#driver.transaction(async (c): Promise<AcceptResult> => {
      const n = event.normalized;
      const ids = n ? n.ids : (event.ids ?? { customerId: null, interviewId: null });
      // The line, the customer (pairing) and the interview (supersede), before any read.
      const locks = [orderLock(event.orderKey)];
      if (ids.customerId !== null) locks.push(orderLock(ids.customerId));
      if (event.supersededBy) locks.push(interviewLock(event.supersededBy.interviewId));
      if (ids.interviewId !== null) locks.push(interviewLock(ids.interviewId));
      const reingest = event.reingest;
      if (reingest) {
        const marked = await c.query(operating.MARK_REINGESTED, [
          reingest.quarantineId,
          event.id,
          reingest.at,
        ]);
        if (marked.rowCount === 0) {
          // Taken in already (or at another instance a moment ago): as that event.
          const { rows } = await c.query<{ reingested_event_id: string | null }>(
            operating.REINGESTED_AS,
            [reingest.quarantineId],
          );
          const as = rows[0]?.reingested_event_id;
          if (as) return { eventId: as, duplicate: true };
        }
      }
      const kept = await c.query(named('keep_dedup', intake.LOCK_AND_KEEP_DEDUP_KEY), [
        event.dedupKey,
        event.id,
        event.receivedAt,
        dedupSince(event.receivedAt, dedupWindowMs),
        locks,
      ]);
      if (kept.rowCount === 0) {
        const { rows } = await c.query<{ id: string }>(intake.COUNT_DUPLICATE, [event.dedupKey]);
        const first = rows[0]?.id ?? event.id;
        if (reingest) await c.query(operating.SET_REINGESTED_AS, [reingest.quarantineId, first]);
        return { eventId: first, duplicate: true };
      }
      const earlier = event.supersededBy
        ? (
            await c.query<{ id: string; route: string }>(intake.EARLIER_RESULT, [
              event.supersededBy.interviewId,
              event.supersededBy.routes,
              event.id,
            ])
          ).rows[0]
        : undefined;
      // Read under the customer's and the interview's locks: a report of the same login being
      // accepted at another instance has committed, or waits for this one.
      const candidates = seeksCounterpart(event, earlier)
        ? await this.#candidates(c, counterpartQuery(loginIdsOf(event), event.pairing.windowMs))
        : [];
      const arrival = decideArrival(event, earlier, candidates);
      const { status } = arrival;
      const body = event.forward?.body ?? null;
      const row = [
        event.id,
        event.source,
        event.route,
        event.receivedAt,
        event.dedupKey,
        event.contentType,
        bytes(event.rawBody),
        n ? JSON.stringify(n) : null,
        n?.status ?? null,
        n?.reason ?? null,
        arrival.ids.customerId,
        arrival.ids.interviewId,
        status,
        event.forward?.format ?? null,
        body === null || body === event.rawBody ? null : bytes(body),
        arrival.fallbackAt,
        JSON.stringify(event.legacyFields ?? []),
        event.eventName ?? null,
        arrival.note,
        arrival.enrich?.deadline ?? null,
        arrival.enrich?.waitMs ?? null,
        arrival.enrich?.nextAt ?? null,
        arrival.shadowed,
        arrival.ids.customerId === null ? null : bucketOf(arrival.ids.customerId),
      ];
      let fast: { leaseUntil: number } | null = null;
      if (arrival.forwarded && body !== null) {
        // The fast path, where nothing of the same customer waits before it (read under the
        // line's lock): leased to this instance at once, so no poll of any instance reads it.
        const inLine =
          status === 'pending' && event.fastPath
            ? ((await c.query(named('in_line', intake.IN_LINE), [event.orderKey])).rowCount ?? 0) >
              0
            : true;
        fast = fastPathLease(arrival, event, () => inLine);
        await c.query(named('insert_event_outbox', intake.INSERT_EVENT_AND_OUTBOX), [
          ...row,
          bytes(body),
          arrival.held ? HELD : event.receivedAt,
          event.orderKey,
          fast?.leaseUntil ?? null,
          fast ? this.instanceId : null,
        ]);
      } else {
        await c.query(intake.INSERT_EVENT, row);
      }
      let counterpartEnqueued = false;
      if (arrival.match) {
        const { counterpart, action } = arrival.match;
        await this.#insertPair(
          c,
          newPair(
            {
              id: event.id,
              source: event.source,
              receivedAt: event.receivedAt,
              customerId: arrival.ids.customerId,
              normalized: n,
            },
            counterpart,
            event.pairing,
            arrival.shadowed ? counterpart.source : event.source,
          ),
        );
        counterpartEnqueued = await this.#settle(c, counterpart.id, action, event.receivedAt);
      }
      const result: AcceptResult = {
        eventId: event.id,
        duplicate: false,
        status,
        ...(counterpartEnqueued ? { counterpartEnqueued } : {}),
      };
      if (fast && body !== null) {
        const fresh = { eventId: event.id, source: event.source, body, attempts: 0 };
        return { ...result, fresh: { ...fresh, ...fast } };
      }
      return result;
    }, options);
  }

  async quarantine(entry: QuarantineEntry): Promise<void> {
    await this.#query(intake.INSERT_QUARANTINE, [
      entry.id,
      entry.receivedAt,
      entry.route,
      entry.contentType,
      entry.httpStatus,
      entry.code,
      entry.message,
      entry.issues ? JSON.stringify(entry.issues) : null,
      bytes(entry.body),
      entry.truncated,
    ]);
  }

  async claimDue(now: number, limit: number, leaseMs: number): Promise<OutboxItem[]> {
    await this.#writeBack();
    const { rows } = await this.#query<{
      event_id: string;
      body: Buffer;
      source: Source;
      attempts: number;
      next_attempt_at: number;
      seq: number;
    }>(outbox.CLAIM_DUE, [now, limit, now + leaseMs, this.instanceId]);
    rows.sort((a, b) => a.next_attempt_at - b.next_attempt_at || a.seq - b.seq);
    return rows.map((row) => ({
      eventId: row.event_id,
      source: row.source,
      body: row.body,
      attempts: row.attempts,
    }));
  }

  async claimNext(afterEventId: string, now: number, leaseMs: number): Promise<OutboxItem | null> {
    this.#usable();
    return claimNext(this.#driver, this.instanceId, afterEventId, now, leaseMs);
  }

  async releaseFresh(eventIds: readonly string[]): Promise<void> {
    if (eventIds.length === 0) return;
    await this.#query(outbox.RELEASE_MINE, [eventIds, this.instanceId]);
  }

  /**
   * Deliveries reported in one turn of the event loop are written in one statement (the
   * delivery side's group commit); each call resolves when its own is committed.
   */
  async recordDelivered(eventId: string, attempt: AttemptRecord): Promise<void> {
    this.#usable();
    return new Promise<void>((resolve, reject) => {
      this.#delivered.push({ eventId, attempt, resolve, reject });
      if (!this.#flushScheduled) {
        this.#flushScheduled = true;
        setImmediate(() => {
          this.#flushScheduled = false;
          void this.#flushDelivered();
        });
      }
    });
  }

  async #flushDelivered(): Promise<void> {
    // One batch at a time, so a lease is never written by two statements of one instance.
    while (this.#flushing) await this.#flushing;
    const batch = this.#delivered;
    this.#delivered = [];
    if (batch.length === 0) return;
    const run = (async () => {
      try {
        const { rows } = await this.#driver.transaction((c) =>
          c.query<{ id: string }>(outbox.DELIVERED, [
            batch.map((d) => d.eventId),
            batch.map((d) => d.attempt.at + d.attempt.durationMs),
            batch.map((d) => d.attempt.statusCode),
            batch.map((d) => d.attempt.durationMs),
            this.instanceId,
          ]),
        );
        const written = new Set(rows.map((r) => r.id));
        for (const d of batch) {
          if (!written.has(d.eventId)) this.#options.onLeaseLost?.(d.eventId);
          d.resolve();
        }
      } catch (error) {
        this.#keepUnwritten(
          error,
          batch.map((d) => [d.eventId, d.attempt, 'delivered'] as const),
        );
        for (const d of batch) d.reject(error);
      }
    })();
    this.#flushing = run;
    await run;
    this.#flushing = null;
  }

  async recordFailed(eventId: string, attempt: AttemptRecord, next: FailedNext): Promise<void> {
    let rowCount: number | null;
    try {
      ({ rowCount } = await this.#writeFailed(eventId, attempt, next));
    } catch (error) {
      this.#keepUnwritten(error, [[eventId, attempt, next]]);
      throw error;
    }
    if (rowCount === 0) this.#options.onLeaseLost?.(eventId);
  }

  #writeFailed(eventId: string, attempt: AttemptRecord, next: FailedNext) {
    const values: unknown[] = [
      eventId,
      this.instanceId,
      attempt.at,
      attempt.durationMs,
      attempt.statusCode,
      attempt.error,
      attempt.error ?? `HTTP ${attempt.statusCode}`,
    ];
    return next === 'dead'
      ? this.#tx((c) => c.query(outbox.FAILED_DEAD, values))
      : this.#tx((c) =>
          c.query(outbox.FAILED_RETRY, [...values, next.retryAt, next.holdUntil ?? null]),
        );
  }

  async releaseHolds(now: number): Promise<ReleasedHold[]> {
    const { rows } = await this.#query<{
      event_id: string;
      order_key: string;
      attempts: number;
      last_error: string | null;
      waiting: number;
    }>(operating.RELEASE_HOLDS, [now]);
    return rows.map((row) => ({
      eventId: row.event_id,
      customerId: row.order_key,
      waiting: row.waiting,
      lastError: row.last_error,
      attempts: row.attempts,
    }));
  }

  /**
   * Under the lock of the event's line (as a replay), then the event's and its entry's row
   * locks: a claim at another instance has leased the entry (seen: in_flight), or skips it.
   */
  async cancel(eventId: string, now: number): Promise<CancelResult> {
    return this.#tx(async (c): Promise<CancelResult> => {
      const line = (await c.query<{ order_key: string }>(outbox.ORDER_KEYS_OF, [[eventId]]))
        .rows[0];
      if (!line) return 'not_found';
      await c.query(TAKE_LOCKS, [[orderLock(line.order_key)]]);
      const row = (
        await c.query<{ status: EventStatus; shadowed: boolean; fallback_at: number | null }>(
          operating.CANCEL_TARGET,
          [eventId],
        )
      ).rows[0];
      if (!row) return 'not_found';
      const entry = (
        await c.query<{ lease_until: number | null }>(operating.CANCEL_ENTRY, [eventId])
      ).rows[0];
      const result = decideCancel(
        {
          status: row.status,
          shadowed: row.shadowed,
          fallbackAt: row.fallback_at,
          leaseUntil: entry?.lease_until ?? null,
        },
        now,
      );
      if (result !== 'cancelled') return result;
      await c.query(operating.DROP_ENTRY, [eventId]);
      await c.query(operating.CANCEL, [eventId, cancelledNote(now)]);
      return result;
    });
  }

  /** After a result could not be written because the database is away: kept for #writeBack. */
  #keepUnwritten(
    error: unknown,
    results: readonly (readonly [
      string,
      AttemptRecord,
      { retryAt: number } | 'dead' | 'delivered',
    ])[],
  ): void {
    if (!(error instanceof PostgresUnavailableError)) return;
    for (const [eventId, attempt, next] of results) {
      if (this.#unwritten.size >= UNWRITTEN_MAX) return;
      this.#unwritten.set(eventId, { attempt, next });
    }
  }

  /** Writes the results kept during an outage (still only under this instance's lease). */
  async #writeBack(): Promise<void> {
    if (this.#unwritten.size === 0) return;
    // One at a time: a result written twice would look like a lease taken over.
    this.#writingBack ??= this.#writeBackNow().finally(() => {
      this.#writingBack = null;
    });
    await this.#writingBack;
  }

  async #writeBackNow(): Promise<void> {
    const results = [...this.#unwritten];
    const delivered = results.filter(([, r]) => r.next === 'delivered');
    if (delivered.length > 0) {
      const { rows } = await this.#tx((c) =>
        c.query<{ id: string }>(outbox.DELIVERED, [
          delivered.map(([id]) => id),
          delivered.map(([, r]) => r.attempt.at + r.attempt.durationMs),
          delivered.map(([, r]) => r.attempt.statusCode),
          delivered.map(([, r]) => r.attempt.durationMs),
          this.instanceId,
        ]),
      );
      const written = new Set(rows.map((r) => r.id));
      for (const [id] of delivered) {
        this.#unwritten.delete(id);
        if (!written.has(id)) this.#options.onLeaseLost?.(id);
      }
    }
    for (const [id, r] of results) {
      if (r.next === 'delivered') continue;
      const { rowCount } = await this.#writeFailed(id, r.attempt, r.next);
      this.#unwritten.delete(id);
      if (rowCount === 0) this.#options.onLeaseLost?.(id);
    }
  }

  async claimEnrichment(now: number, limit: number, leaseMs: number): Promise<EnrichmentItem[]> {
    const { rows } = await this.#query<EnrichmentRow & { seq: number }>(
      enrichment.CLAIM_ENRICHMENT,
      [now, limit, now + leaseMs, this.instanceId],
    );
    rows.sort((a, b) => a.seq - b.seq);
    return rows.map(toEnrichmentItem);
  }

  async completeEnrichment(
    eventId: string,
    completion: EnrichmentCompletion,
    now: number,
  ): Promise<EventStatus | null> {
    const lookup = supersedeLookup(completion);
    const customerId = 'status' in completion ? null : completion.normalized.ids.customerId;
    const interviewId = 'status' in completion ? null : completion.normalized.ids.interviewId;
    const windowMs = 'status' in completion ? 0 : completion.pairing.windowMs;
    const locks = [orderLock(customerId ?? eventId)];
    if (lookup) locks.push(interviewLock(lookup.interviewId));
    if (interviewId !== null) locks.push(interviewLock(interviewId));
    return this.#tx(async (c): Promise<EventStatus | null> => {
      await c.query(TAKE_LOCKS, [locks]);
      const current = (
        await c.query<{
          status: EventStatus;
          shadowed: boolean;
          fallback_at: number | null;
          received_at: number;
          customer_id: string | null;
        }>(enrichment.WAITING_FOR_UPDATE, [eventId])
      ).rows[0];
      if (current?.status !== 'enriching') return null;
      const earlier = lookup
        ? (
            await c.query<{ id: string; route: string }>(intake.EARLIER_RESULT, [
              lookup.interviewId,
              lookup.routes,
              eventId,
            ])
          ).rows[0]
        : undefined;
      const paired = (
        await c.query<{ legacy_id: string; workflows_id: string }>(comparison.PAIR_OF, [eventId])
      ).rows[0];
      const otherId =
        paired && (paired.legacy_id === eventId ? paired.workflows_id : paired.legacy_id);
      const otherRow = otherId
        ? (await c.query<CandidateRow>(comparison.CANDIDATE_BY_ID, [otherId])).rows[0]
        : undefined;
      const waiting: WaitingEvent = {
        id: eventId,
        shadowed: current.shadowed,
        fallbackAt: current.fallback_at,
        receivedAt: current.received_at,
        pairedWith: (otherRow && toCandidate(otherRow)) ?? null,
      };
      const candidates = seeksCounterpartOnCompletion(waiting, completion)
        ? await this.#candidates(
            c,
            counterpartQuery(
              {
                ...completion.normalized.ids,
                source: completion.normalized.source,
                receivedAt: current.received_at,
              },
              windowMs,
            ),
          )
        : [];
      const decision = decideCompletion(waiting, completion, earlier, candidates, windowMs);
      const known = customerId ?? current.customer_id;
      // The row as the wait ends (ENRICHED's order); each outcome below says only what differs.
      const row = (over: {
        normalized?: NormalizedResult;
        legacyFields?: string[];
        forward?: { format: string; body: Uint8Array };
        status: EventStatus;
        note?: string | null;
        lastError?: string | null;
        fallbackAt?: number | null;
      }) => [
        eventId,
        over.normalized ? JSON.stringify(over.normalized) : null,
        over.normalized?.status ?? null,
        over.normalized?.reason ?? null,
        over.normalized?.ids.customerId ?? null,
        over.forward?.format ?? null,
        over.forward ? bytes(over.forward.body) : null,
        JSON.stringify(over.legacyFields ?? []),
        completion.state,
        completion.error,
        over.status,
        over.note ?? null,
        over.lastError ?? null,
        completion.called ? 1 : 0,
        over.fallbackAt === undefined ? current.fallback_at : over.fallbackAt,
        known === null ? null : bucketOf(known),
      ];
      if (decision.kind === 'ended') {
        await c.query(
          enrichment.ENRICHED,
          row({ status: decision.status, note: decision.note, lastError: decision.lastError }),
        );
        await c.query(enrichment.DROP_OUTBOX, [eventId]);
        if (decision.release) {
          await this.#settle(c, decision.release.id, decision.release.action, now);
        }
        return decision.status;
      }
      if ('status' in completion) throw new Error('unreachable: an ending without a result');
      const n = completion.normalized;
      const result = { normalized: n, legacyFields: completion.legacyFields };
      if (decision.kind === 'superseded') {
        await c.query(
          enrichment.ENRICHED,
          row({ ...result, status: 'superseded', note: decision.note, fallbackAt: null }),
        );
        await c.query(enrichment.DROP_OUTBOX, [eventId]);
        return 'superseded';
      }
      await c.query(
        enrichment.ENRICHED,
        row({
          ...result,
          forward: completion.forward,
          status: decision.status,
          fallbackAt: decision.fallbackAt,
        }),
      );
      if (decision.forward) {
        const held = await c.query(enrichment.RELEASE_HELD, [
          bytes(completion.forward.body),
          now,
          eventId,
        ]);
        if (held.rowCount === 0) await c.query(outbox.ENQUEUE, [[eventId], now]);
      } else {
        await c.query(enrichment.DROP_OUTBOX, [eventId]);
      }
      const pairing = completion.pairing;
      if (decision.pair?.kind === 'compare') {
        const other = decision.pair.counterpart;
        const compared = compareResults(n.source, n, other.normalized, pairing);
        if (compared) {
          const [legacyId, workflowsId] =
            n.source === 'legacy' ? [eventId, other.id] : [other.id, eventId];
          await c.query(comparison.UPDATE_PAIR, [
            legacyId,
            workflowsId,
            compared.statusAgrees,
            compared.reasonAgrees,
            compared.kind,
            compared.differences,
          ]);
        }
      } else if (decision.pair?.kind === 'new') {
        const { counterpart, action } = decision.pair;
        await this.#insertPair(
          c,
          newPair(
            {
              id: eventId,
              source: n.source,
              receivedAt: current.received_at,
              customerId: known,
              normalized: n,
            },
            counterpart,
            pairing,
            decision.forward ? n.source : counterpart.source,
          ),
        );
        await this.#settle(c, counterpart.id, action, now);
      }
      return decision.status;
    });
  }

  async retryEnrichment(eventId: string, error: string, retryAt: number): Promise<void> {
    await this.#query(enrichment.RETRY_ENRICHMENT, [retryAt, error, eventId]);
  }

  /**
   * This instance's own leases only: a lease of another live instance is never released (it
   * would deliver the event twice), and one that ran out is claimable by any poll already.
   */
  async releaseLeases(): Promise<number> {
    return this.#tx(async (c) => {
      const entries = await c.query(outbox.RELEASE_ALL_MINE, [this.instanceId]);
      const waits = await c.query(enrichment.RELEASE_MY_ENRICHMENT, [this.instanceId]);
      return (entries.rowCount ?? 0) + (waits.rowCount ?? 0);
    });
  }

  /**
   * Under the lock of the event's line, as accepts take it: an accept's fast path and the replay
   * see each other, so the replayed event is never overtaken by a later one of its customer.
   */
  async replay(eventId: string, now: number): Promise<ReplayResult> {
    return this.#tx(async (c): Promise<ReplayResult> => {
      const line = (await c.query<{ order_key: string }>(outbox.ORDER_KEYS_OF, [[eventId]]))
        .rows[0];
      if (!line) return 'not_found';
      await c.query(TAKE_LOCKS, [[orderLock(line.order_key)]]);
      const row = (await c.query<{ status: EventStatus }>(outbox.STATUS_FOR_UPDATE, [eventId]))
        .rows[0];
      if (!row) return 'not_found';
      if (row.status !== 'delivered' && row.status !== 'dead') return row.status;
      await this.#requeue(c, [eventId], now);
      return 'replayed';
    });
  }

  /** In batches of REPLAY_BATCH, each a transaction holding its lines' locks (as replay). */
  async replayAll(
    status: 'dead' | 'delivered',
    now: number,
    scope: ReplayScope = {},
  ): Promise<number> {
    let replayed = 0;
    for (;;) {
      const { found, done } = await this.#tx(async (c) => {
        const next = (
          await c.query<{ id: string; order_key: string }>(outbox.NEXT_WITH_STATUS, [
            status,
            REPLAY_BATCH,
            scope.customerId ?? null,
            scope.from ?? null,
            scope.to ?? null,
          ])
        ).rows;
        if (next.length === 0) return { found: 0, done: 0 };
        await c.query(TAKE_LOCKS, [next.map((r) => orderLock(r.order_key))]);
        const ids = (
          await c.query<{ id: string }>(outbox.LOCK_WITH_STATUS, [status, next.map((r) => r.id)])
        ).rows.map((r) => r.id);
        if (ids.length > 0) await this.#requeue(c, ids, now);
        return { found: next.length, done: ids.length };
      });
      replayed += done;
      // The last batch, or one whose rows another replay took meanwhile: nothing left for this one.
      if (found < REPLAY_BATCH || done === 0) return replayed;
    }
  }

  /**
   * Inside a transaction holding the events' rows: back in line with the body they were rendered
   * with; one that never had a result waits for its score again.
   */
  async #requeue(c: Queryable, ids: string[], now: number): Promise<void> {
    await c.query(outbox.KEEP_SUCCESS, [ids]);
    await c.query(outbox.FORGET_SUCCESS, [ids]);
    const waiting = await c.query<{ id: string }>(outbox.REENRICH, [ids, now]);
    const again = new Set(waiting.rows.map((r) => r.id));
    const rest = ids.filter((id) => !again.has(id));
    if (rest.length > 0) await c.query(outbox.ENQUEUE, [rest, now]);
  }

  async forwardFallbacks(now: number): Promise<string[]> {
    return this.#tx(async (c) => {
      const { rows } = await c.query<{
        id: string;
        customer_id: string | null;
        interview_id: string | null;
      }>(comparison.DUE_FALLBACKS, [now]);
      if (rows.length === 0) return [];
      // Serialised with accepts of the same customers and interviews: a report of the same login
      // committed at this moment ended the wait (nothing to do here), or waits until this is done
      // (and finds this one forwarded).
      const locks = rows.flatMap((e) => [
        orderLock(e.customer_id ?? e.id),
        ...(e.interview_id !== null ? [interviewLock(e.interview_id)] : []),
      ]);
      await c.query(TAKE_LOCKS, [locks]);
      const due = (
        await c.query<{ id: string }>(comparison.FORWARD_DUE_FALLBACKS, [
          rows.map((r) => r.id),
          now,
        ])
      ).rows.map((r) => r.id);
      if (due.length > 0) await c.query(outbox.ENQUEUE, [due, now]);
      return due;
    });
  }

  async populationFigures(query: {
    from: number;
    since: number;
    to: number;
    belowBucket: number;
  }): Promise<PopulationFigures> {
    const { rows } = await this.#query<{
      moved: boolean;
      after: boolean;
      results: number;
      pass: number;
    }>(comparison.POPULATION_COUNTS, [query.from, query.since, query.to, query.belowBucket]);
    return populationFiguresOf(rows);
  }

  async loginFigures(from: number, to: number): Promise<LoginFigures> {
    this.#usable();
    return this.#driver.transaction(
      async (c) => {
        const pairs = await c.query<{ day: string; n: number }>(comparison.PAIRS_FIRST_PER_DAY, [
          from,
          to,
        ]);
        const unmatched = await c.query<{ day: string; source: Source; n: number }>(
          comparison.UNMATCHED_PER_DAY,
          [from, to],
        );
        return loginFiguresOf(
          pairs.rows.map((r) => ({ day: Number(r.day), n: r.n })),
          unmatched.rows.map((r) => ({ day: Number(r.day), source: r.source, n: r.n })),
        );
      },
      { isolation: 'repeatable read' },
    );
  }

  /** Inside a transaction holding the locks: the unmatched reports that may be the login's other one. */
  async #candidates(c: Queryable, q: CounterpartQuery) {
    const { rows } = await c.query<CandidateRow>(comparison.LOGIN_CANDIDATES, [
      q.source,
      q.customerId,
      q.interviewId,
      q.from,
      q.to,
    ]);
    return toCandidates(rows);
  }

  /** Inside a transaction: the two reports of one login, paired. */
  async #insertPair(c: Queryable, pair: NewPair): Promise<void> {
    const compared = pair.comparison;
    await c.query(comparison.INSERT_PAIR, [
      pair.legacyId,
      pair.workflowsId,
      pair.pairedAt,
      pair.firstAt,
      pair.forwarded,
      compared?.statusAgrees ?? null,
      compared?.reasonAgrees ?? null,
      compared?.kind ?? null,
      compared?.differences ?? null,
      pair.bucket,
    ]);
  }

  /**
   * Inside a transaction: what a login's arriving report does to its other report (rules/arrival.ts
   * CounterpartAction); says whether it was put in line.
   */
  async #settle(
    c: Queryable,
    id: string,
    action: CounterpartAction | null,
    now: number,
  ): Promise<boolean> {
    switch (action) {
      case 'settle':
        await c.query(comparison.SETTLE_WAIT, [id]);
        return false;
      case 'unshadow':
        await c.query(comparison.UNSHADOW, [id]);
        return false;
      case 'enqueue':
        await c.query(outbox.ENQUEUE, [[id], now]);
        return true;
      default:
        return false;
    }
  }

  async movedPairFigures(query: {
    from: number;
    to: number;
    belowBucket: number;
    ids: number;
    counts: 'status' | 'reason';
  }): Promise<{ pairs: number; agreeing: number; disagreeingIds: string[] }> {
    const range = [query.from, query.to, query.belowBucket, query.counts === 'status'];
    const [counts, disagreeing] = await Promise.all([
      this.#query<{ pairs: number; agreeing: number }>(comparison.MOVED_PAIR_COUNTS, range),
      this.#query<{ legacy_id: string; workflows_id: string }>(comparison.MOVED_PAIRS_DISAGREEING, [
        ...range,
        query.ids,
      ]),
    ]);
    return {
      pairs: counts.rows[0]?.pairs ?? 0,
      agreeing: counts.rows[0]?.agreeing ?? 0,
      disagreeingIds: disagreeing.rows.map((row) => `${row.legacy_id}/${row.workflows_id}`),
    };
  }

  async comparisonData(
    from: number,
    to: number,
  ): Promise<{ events: ComparedEvent[]; pairs: StoredPair[] }> {
    this.#usable();
    // One snapshot for both reads.
    return this.#driver.transaction(
      async (c) => {
        const events = (
          await c.query<ComparedRow>(comparison.COMPARED_EVENTS, [from, to])
        ).rows.map(toCompared);
        const byId = new Map(events.map((e) => [e.eventId, e]));
        const find = async (id: string) =>
          byId.get(id) ??
          toCompared(
            (await c.query<ComparedRow>(comparison.COMPARED_EVENT, [id])).rows[0] as ComparedRow,
          );
        const rows = (
          await c.query<{
            legacy_id: string;
            workflows_id: string;
            status_agrees: boolean;
            reason_agrees: boolean;
            kind: string | null;
            differences: string;
            forwarded: Source | null;
          }>(comparison.COMPARED_PAIRS, [from, to])
        ).rows;
        const pairs: StoredPair[] = [];
        for (const row of rows) {
          pairs.push({
            legacy: await find(row.legacy_id),
            workflows: await find(row.workflows_id),
            forwarded: row.forwarded,
            statusAgrees: row.status_agrees,
            reasonAgrees: row.reason_agrees,
            kind: row.kind,
            differences: JSON.parse(row.differences) as StoredPair['differences'],
          });
        }
        return { events, pairs };
      },
      { isolation: 'repeatable read' },
    );
  }

  async getSetting(key: string): Promise<{ value: string; updatedAt: number } | undefined> {
    const row = (await this.#query<{ value: string; updated_at: number }>(admin.GET_SETTING, [key]))
      .rows[0];
    return row ? { value: row.value, updatedAt: row.updated_at } : undefined;
  }

  async setSetting(key: string, value: string, now: number): Promise<void> {
    await this.#query(admin.SET_SETTING, [key, value, now]);
  }

  async replaceSetting(
    key: string,
    expected: string,
    value: string,
    now: number,
  ): Promise<boolean> {
    const { rowCount } = await this.#query(admin.REPLACE_SETTING, [key, expected, value, now]);
    return rowCount === 1;
  }

  async insertSetting(key: string, value: string, now: number): Promise<boolean> {
    const { rowCount } = await this.#query(admin.INSERT_SETTING, [key, value, now]);
    return rowCount === 1;
  }

  async listSettings(prefix: string): Promise<{ key: string; value: string; updatedAt: number }[]> {
    const { rows } = await this.#query<{ key: string; value: string; updated_at: number }>(
      admin.LIST_SETTINGS,
      [prefix],
    );
    return rows.map((row) => ({ key: row.key, value: row.value, updatedAt: row.updated_at }));
  }

  async deleteSetting(key: string): Promise<void> {
    await this.#query(admin.DELETE_SETTING, [key]);
  }

  async listEvents(query: EventQuery): Promise<Page<EventSummary>> {
    const { sql, params } = listEventsQuery(query);
    const { rows } = await this.#query<EventRow>(sql, params);
    return page(rows, query.limit, toSummary);
  }

  async getEvent(id: string): Promise<EventDetail | undefined> {
    this.#usable();
    // One snapshot for the row, its attempts, its pair and its place in line.
    return this.#driver.transaction(
      async (c) => {
        const row = (await c.query<EventDetailRow>(admin.EVENT_BY_ID, [id])).rows[0];
        if (!row) return undefined;
        const attempts = (await c.query<AttemptRow>(admin.ATTEMPTS_OF, [id])).rows;
        const pair = (await c.query<PairDetailRow>(operating.PAIR_DETAIL, [id])).rows[0];
        const line = (await c.query<LineRow>(operating.LINE_OF, [id])).rows[0];
        const ahead = line
          ? (await c.query<AheadRow>(operating.AHEAD_OF, [line.order_key, line.seq])).rows[0]
          : undefined;
        return toDetail(row, { attempts, pair, line, ahead });
      },
      { isolation: 'repeatable read' },
    );
  }

  async backlogFigures(): Promise<{ oldestPendingAt: number | null; heldCustomers: number }> {
    const { rows } = await this.#query<{ oldest: number | null; held: number }>(
      operating.BACKLOG_FIGURES,
    );
    return { oldestPendingAt: rows[0]?.oldest ?? null, heldCustomers: rows[0]?.held ?? 0 };
  }

  async deliveryFigures(query: DeliveryFiguresQuery): Promise<DeliveryFigures> {
    return deliveryFigures((text, values) => this.#query(text, values), query);
  }

  async getQuarantine(id: string): Promise<QuarantineRecord | undefined> {
    const row = (await this.#query<QuarantineRow>(operating.QUARANTINE_BY_ID, [id])).rows[0];
    return row && toQuarantineRecord(row);
  }

  async listQuarantine(query: {
    limit: number;
    before?: string | undefined;
  }): Promise<Page<QuarantineRecord>> {
    const before = query.before === undefined ? Number.MAX_SAFE_INTEGER : Number(query.before);
    const { rows } = await this.#query<QuarantineRow>(
      'SELECT * FROM quarantine WHERE seq < $1 ORDER BY seq DESC LIMIT $2',
      [Number.isSafeInteger(before) ? before : Number.MAX_SAFE_INTEGER, query.limit + 1],
    );
    return page(rows, query.limit, toQuarantineRecord);
  }

  async countByStatus(): Promise<Record<EventStatus, number>> {
    const counts = Object.fromEntries(EVENT_STATUSES.map((s) => [s, 0])) as Record<
      EventStatus,
      number
    >;
    const { rows } = await this.#query<{ status: EventStatus; n: number }>(admin.COUNT_BY_STATUS);
    for (const row of rows) counts[row.status] = row.n;
    return counts;
  }

  async pruneDedupKeys(before: number, limit: number): Promise<number> {
    const { rowCount } = await this.#query(intake.PRUNE_DEDUP_KEYS, [before, limit]);
    return rowCount ?? 0;
  }

  async prune(before: number, limit: number): Promise<{ events: number; quarantine: number }> {
    return this.#tx(async (c) => {
      const ids = (await c.query<{ id: string }>(admin.PRUNABLE, [before, limit])).rows.map(
        (r) => r.id,
      );
      if (ids.length > 0) {
        await c.query(admin.PRUNE_PAIRS, [ids]);
        await c.query(admin.PRUNE_ATTEMPTS, [ids]);
        await c.query(admin.PRUNE_OUTBOX, [ids]);
        await c.query(admin.PRUNE_EVENTS, [ids]);
      }
      const quarantine = (await c.query(admin.PRUNE_QUARANTINE, [before, limit])).rowCount ?? 0;
      return { events: ids.length, quarantine };
    });
  }

  /**
   * A write (a standby after a failover reads but cannot store a webhook), with the tables an
   * accept writes locked as it locks them, not waiting for another session's lock; all within
   * the deadline, so a frozen server cannot hold the probe (nor its connection).
   */
  async ping(deadline?: number): Promise<void> {
    this.#usable(true);
    await this.#driver.transaction(
      async (c) => {
        await c.query(admin.LOCK_WEBHOOK_TABLES);
        await c.query(admin.PROBE, [Date.now()]);
      },
      deadline === undefined ? {} : { deadline },
    );
  }

  async close(): Promise<void> {
    this.#abort.abort(new Error('store: closed'));
    // Deliveries already reported are written first.
    await this.#flushDelivered().catch(() => {});
    await this.#driver.close();
  }
}
