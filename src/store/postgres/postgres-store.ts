import { randomUUID } from 'node:crypto';
import type pg from 'pg';
import type { Source } from '../../normalize/normalized-schema.js';
import type { PostgresConfig } from '../database-config.js';
import {
  type EnrichmentRow,
  type EventRow,
  page,
  type QuarantineRow,
  toEnrichmentItem,
  toQuarantineRecord,
  toSummary,
} from '../rows.js';
import { populationFiguresOf } from '../rules/login-figures.js';
import {
  type AcceptResult,
  type AttemptRecord,
  type CancelResult,
  type ComparedEvent,
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
import { accept } from './ops/accept.js';
import { cancel } from './ops/cancel.js';
import { completeEnrichment } from './ops/complete-enrichment.js';
import { forwardFallbacks } from './ops/forward-fallbacks.js';
import { prune } from './ops/prune.js';
import { comparisonData, getEvent, loginFigures } from './ops/reads.js';
import { replay, replayAll } from './ops/replay.js';
import { ResultWriter } from './ops/result-writer.js';
import { bytes } from './rows.js';
import * as admin from './sql/admin.js';
import * as comparison from './sql/comparison.js';
import * as enrichment from './sql/enrichment.js';
import * as intake from './sql/intake.js';
import { listEventsQuery } from './sql/list-events.js';
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
  readonly #results: ResultWriter;

  private constructor(config: PostgresConfig, options: PostgresStoreOptions) {
    this.#options = options;
    this.#driver = new PostgresDriver(config, options);
    this.#results = new ResultWriter(this.#driver, this.instanceId, options.onLeaseLost);
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
    return this.#driver.transaction(
      (c) => accept(c, event, dedupWindowMs, this.instanceId),
      deadline === undefined ? {} : { deadline },
    );
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
    await this.#results.writeBack();
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

  async releaseFresh(eventIds: readonly string[]): Promise<void> {
    if (eventIds.length === 0) return;
    await this.#query(outbox.RELEASE_MINE, [eventIds, this.instanceId]);
  }

  /** Deliveries reported in one turn of the event loop are written in one statement. */
  async recordDelivered(eventId: string, attempt: AttemptRecord): Promise<void> {
    this.#usable();
    return this.#results.delivered(eventId, attempt);
  }

  async recordFailed(eventId: string, attempt: AttemptRecord, next: FailedNext): Promise<void> {
    this.#usable();
    return this.#results.failed(eventId, attempt, next);
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

  async cancel(eventId: string, now: number): Promise<CancelResult> {
    return this.#tx((c) => cancel(c, eventId, now));
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
    return this.#tx((c) => completeEnrichment(c, eventId, completion, now));
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

  async replay(eventId: string, now: number): Promise<ReplayResult> {
    return this.#tx((c) => replay(c, eventId, now));
  }

  /** REPLAY_BATCH at a time (rules/replay.ts), each batch a transaction holding its lines' locks. */
  async replayAll(
    status: 'dead' | 'delivered',
    now: number,
    scope: ReplayScope = {},
  ): Promise<number> {
    return replayAll(status, now, scope, (fn) => this.#tx(fn));
  }

  async forwardFallbacks(now: number): Promise<string[]> {
    return this.#tx((c) => forwardFallbacks(c, now));
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
    return this.#driver.transaction((c) => loginFigures(c, from, to), {
      isolation: 'repeatable read',
    });
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
    return this.#driver.transaction((c) => comparisonData(c, from, to), {
      isolation: 'repeatable read',
    });
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
    return this.#driver.transaction((c) => getEvent(c, id), { isolation: 'repeatable read' });
  }

  async backlogFigures(): Promise<{ oldestPendingAt: number | null; heldCustomers: number }> {
    const { rows } = await this.#query<{ oldest: number | null; held: number }>(
      operating.BACKLOG_FIGURES,
    );
    return { oldestPendingAt: rows[0]?.oldest ?? null, heldCustomers: rows[0]?.held ?? 0 };
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
    return this.#tx((c) => prune(c, before, limit));
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
    await this.#results.flush().catch(() => {});
    await this.#driver.close();
  }
}
