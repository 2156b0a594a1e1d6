import { randomUUID } from 'node:crypto';
import type pg from 'pg';
import type {
  AcceptResult,
  EnrichmentCompletion,
  EnrichmentItem,
  NewEvent,
} from '../accept-types.js';
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
} from '../admin-types.js';
import type { PostgresConfig } from '../database-config.js';
import type {
  AttemptRecord,
  CancelResult,
  FailedNext,
  OutboxItem,
  ReleasedHold,
  ReplayResult,
  ReplayScope,
} from '../delivery-types.js';
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
} from '../figure-types.js';
import type { EventStatus, Store } from '../store.js';
import { PostgresDriver, type Queryable } from './driver.js';
import { type ConnectOptions, Lifecycle, type PostgresStoreOptions } from './lifecycle.js';
import { AcceptBatch } from './ops/accept-batch.js';
import * as adminReads from './ops/admin-reads.js';
import { cancel } from './ops/cancel.js';
import { claimNext } from './ops/claim-next.js';
import { completeEnrichment } from './ops/complete-enrichment.js';
import { claimDue, movedPairFigures, populationFigures, releaseHolds } from './ops/deliveries.js';
import { deliveryFigures } from './ops/delivery-figures.js';
import { forwardFallbacks } from './ops/forward-fallbacks.js';
import { claimEnrichment, releaseFresh, releaseLeases } from './ops/leases.js';
import { probe } from './ops/probe.js';
import { prune, pruneDedupKeys } from './ops/prune.js';
import type { Reader } from './ops/reader.js';
import { comparisonData, getEvent, loginFigures } from './ops/reads.js';
import { replay, replayAll } from './ops/replay.js';
import { ResultWriter } from './ops/result-writer.js';
import * as settings from './ops/settings.js';
import * as enrichment from './sql/enrichment.js';

export type { ConnectOptions, PostgresStoreOptions } from './lifecycle.js';

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
  readonly #lifecycle: Lifecycle;
  readonly #results: ResultWriter;
  /** The accepts of one turn in one transaction (ops/accept-batch.ts). */
  readonly #accepts: AcceptBatch;
  /** One statement outside a transaction, refused until the store is usable (ops/ take it). */
  readonly #reader: Reader = {
    query: (text, values) => this.#query(text, values) as never,
  };

  private constructor(config: PostgresConfig, options: PostgresStoreOptions) {
    this.#driver = new PostgresDriver(config, options);
    this.#lifecycle = new Lifecycle(this.#driver, options);
    this.#accepts = new AcceptBatch(this.#driver, this.instanceId);
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

  /** Transactions of accepts so far: how many, how many accepts shared one, fallbacks alone. */
  get acceptCounts(): Readonly<AcceptBatch['counts']> {
    return this.#accepts.counts;
  }

  /** Migrates and makes one write (lifecycle.ts): the store is usable once it has. */
  async connect(options: ConnectOptions = {}): Promise<void> {
    return this.#lifecycle.connect(options);
  }

  /** Refuses work until connected: a webhook gets 503, /readyz says what it waits for. */
  #usable(forWebhooks = false): void {
    this.#lifecycle.usable(forWebhooks);
  }

  async #tx<T>(fn: (client: Queryable) => Promise<T>): Promise<T> {
    this.#usable();
    return this.#driver.transaction(fn);
  }

  /** One snapshot for every read of fn. */
  async #snapshot<T>(fn: (client: Queryable) => Promise<T>): Promise<T> {
    this.#usable();
    return this.#driver.transaction(fn, { isolation: 'repeatable read' });
  }

  async #query<R extends object>(
    text: string | { name: string; text: string },
    values?: unknown[],
  ): Promise<pg.QueryResult<R>> {
    this.#usable();
    return (await this.#driver.query(text, values)) as pg.QueryResult<R>;
  }

  async accept(event: NewEvent, dedupWindowMs: number, deadline?: number): Promise<AcceptResult> {
    this.#usable(true);
    return this.#accepts.accept(event, dedupWindowMs, deadline);
  }

  async quarantine(entry: QuarantineEntry): Promise<void> {
    return adminReads.quarantine(this.#reader, entry);
  }

  async claimDue(now: number, limit: number, leaseMs: number): Promise<OutboxItem[]> {
    await this.#results.writeBack();
    return claimDue(this.#reader, now, limit, leaseMs, this.instanceId);
  }

  async claimNext(afterEventId: string, now: number, leaseMs: number): Promise<OutboxItem | null> {
    this.#usable();
    return claimNext(this.#driver, this.instanceId, afterEventId, now, leaseMs);
  }

  async releaseFresh(eventIds: readonly string[]): Promise<void> {
    return releaseFresh(this.#reader, this.instanceId, eventIds);
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
    return releaseHolds(this.#reader, now);
  }

  async cancel(eventId: string, now: number): Promise<CancelResult> {
    return this.#tx((c) => cancel(c, eventId, now));
  }

  async claimEnrichment(now: number, limit: number, leaseMs: number): Promise<EnrichmentItem[]> {
    return claimEnrichment(this.#reader, this.instanceId, now, limit, leaseMs);
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

  /** This instance's own leases only (ops/leases.ts). */
  async releaseLeases(): Promise<number> {
    return this.#tx((c) => releaseLeases(c, this.instanceId));
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

  async populationFigures(query: PopulationFiguresQuery): Promise<PopulationFigures> {
    return populationFigures(this.#reader, query);
  }

  async loginFigures(from: number, to: number): Promise<LoginFigures> {
    return this.#snapshot((c) => loginFigures(c, from, to));
  }

  async movedPairFigures(query: MovedPairFiguresQuery): Promise<MovedPairFigures> {
    return movedPairFigures(this.#reader, query);
  }

  async comparisonData(from: number, to: number): Promise<ComparisonData> {
    return this.#snapshot((c) => comparisonData(c, from, to));
  }

  async getSetting(key: string): Promise<SettingValue | undefined> {
    return settings.getSetting(this.#reader, key);
  }

  async setSetting(key: string, value: string, now: number): Promise<void> {
    return settings.setSetting(this.#reader, key, value, now);
  }

  async replaceSetting(
    key: string,
    expected: string,
    value: string,
    now: number,
  ): Promise<boolean> {
    return settings.replaceSetting(this.#reader, key, expected, value, now);
  }

  async insertSetting(key: string, value: string, now: number): Promise<boolean> {
    return settings.insertSetting(this.#reader, key, value, now);
  }

  async listSettings(prefix: string): Promise<Setting[]> {
    return settings.listSettings(this.#reader, prefix);
  }

  async deleteSetting(key: string): Promise<void> {
    return settings.deleteSetting(this.#reader, key);
  }

  async listEvents(query: EventQuery): Promise<Page<EventSummary>> {
    return adminReads.listEvents(this.#reader, query);
  }

  async getEvent(id: string): Promise<EventDetail | undefined> {
    // One snapshot for the row, its attempts, its pair and its place in line.
    return this.#snapshot((c) => getEvent(c, id));
  }

  async backlogFigures(): Promise<BacklogFigures> {
    return adminReads.backlogFigures(this.#reader);
  }

  async deliveryFigures(query: DeliveryFiguresQuery): Promise<DeliveryFigures> {
    return deliveryFigures((text, values) => this.#query(text, values), query);
  }

  async getQuarantine(id: string): Promise<QuarantineRecord | undefined> {
    return adminReads.getQuarantine(this.#reader, id);
  }

  async listQuarantine(query: QuarantineQuery): Promise<Page<QuarantineRecord>> {
    return adminReads.listQuarantine(this.#reader, query);
  }

  async countByStatus(): Promise<Record<EventStatus, number>> {
    return adminReads.countByStatus(this.#reader);
  }

  async pruneDedupKeys(before: number, limit: number): Promise<number> {
    return pruneDedupKeys(this.#reader, before, limit);
  }

  async prune(before: number, limit: number): Promise<{ events: number; quarantine: number }> {
    return this.#tx((c) => prune(c, before, limit));
  }

  /** A write (ops/probe.ts) within the deadline: a frozen server cannot hold the probe. */
  async ping(deadline?: number): Promise<void> {
    this.#usable(true);
    await this.#driver.transaction(probe, deadline === undefined ? {} : { deadline });
  }

  async close(): Promise<void> {
    this.#lifecycle.stop();
    // Deliveries already reported are written first.
    await this.#results.flush().catch(() => {});
    await this.#driver.close();
  }
}
