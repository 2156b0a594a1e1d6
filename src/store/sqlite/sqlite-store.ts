import type Database from 'better-sqlite3';
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
import { ensureFolder, GroupCommit, openDatabase, type SqliteOpenOptions } from './connection.js';
import { ensureRoomForWebhook, webhookWalBytes } from './disk-room.js';
import { type InstanceLock, lockInstance } from './instance-lock.js';
import { accept } from './ops/accept.js';
import * as adminReads from './ops/admin-reads.js';
import { cancel } from './ops/cancel.js';
import { claimNext, hasNext } from './ops/claim-next.js';
import { completeEnrichment } from './ops/complete-enrichment.js';
import { claimDue, recordDelivered, recordFailed, releaseHolds } from './ops/deliveries.js';
import { deliveryFigures } from './ops/delivery-figures.js';
import { forwardFallbacks } from './ops/forward-fallbacks.js';
import { claimEnrichment, releaseFresh, releaseLeases } from './ops/leases.js';
import { prune, pruneDedupKeys } from './ops/prune.js';
import * as reads from './ops/reads.js';
import { replay, replayAll } from './ops/replay.js';
import * as settings from './ops/settings.js';
import { prepareStatements, type Sqlite, type Statements } from './statements.js';

/**
 * A delivery's lease and result: lost in a power cut, the event is only sent again, with the
 * same event id (GroupCommit.write).
 */
const RELAXED = { durable: false };

/**
 * The embedded store: one SQLite file in WAL mode, for a single instance of the service. The
 * business rules are ../rules/; each method runs one operation (ops/) in its transaction.
 */
export class SqliteStore implements Store {
  readonly #db: Database.Database;
  readonly #statements: Statements;
  /** The connection and its statements, as the operations (ops/) take them. */
  readonly #sqlite: Sqlite;
  readonly #commits: GroupCommit;
  /** Where the file is, and the room one webhook takes there: ping checks it (disk-room.ts). */
  readonly #room: { path: string; bytes: number } | undefined;
  /** The file's instance lock, held by the service's store until it closes (instance-lock.ts). */
  readonly #lock: InstanceLock | undefined;

  private constructor(
    db: Database.Database,
    path: string,
    webhookBytes: number | undefined,
    lock?: InstanceLock,
  ) {
    this.#db = db;
    this.#lock = lock;
    this.#room =
      webhookBytes === undefined || path === ':memory:'
        ? undefined
        : {
            path,
            bytes: webhookWalBytes(
              webhookBytes,
              db.pragma('page_size', { simple: true }) as number,
            ),
          };
    this.#commits = new GroupCommit(db);
    this.#statements = prepareStatements(db);
    this.#sqlite = { db, s: this.#statements };
  }

  /**
   * Opens (creating if needed) the SQLite file at `path` and brings its schema up to date.
   * A path that cannot be a store (its folder cannot be made, it is not a SQLite file, it is
   * missing with `mustExist`) throws StoreOpenError; a store newer than this code, or a
   * migration that fails, StoreUnavailableError. `exclusive`: the service's store, which holds
   * the file's instance lock (instance-lock.ts) until it is closed: a second one is refused.
   */
  static open(
    path: string,
    options: SqliteOpenOptions & { exclusive?: boolean } = {},
  ): SqliteStore {
    const { exclusive, ...open } = options;
    // Locked before the file is opened: a second instance never migrates a store in use.
    if (exclusive && path !== ':memory:' && !open.mustExist) ensureFolder(path);
    const lock = exclusive && path !== ':memory:' ? lockInstance(path) : undefined;
    try {
      return new SqliteStore(openDatabase(path, open), path, open.webhookBytes, lock);
    } catch (error) {
      lock?.release();
      throw error;
    }
  }

  async accept(event: NewEvent, dedupWindowMs: number): Promise<AcceptResult> {
    return this.#commits.write(() => accept(this.#sqlite, event, dedupWindowMs));
  }

  async claimEnrichment(now: number, limit: number, leaseMs: number): Promise<EnrichmentItem[]> {
    return this.#commits.write(() => claimEnrichment(this.#sqlite, now, limit, leaseMs));
  }

  async completeEnrichment(
    eventId: string,
    completion: EnrichmentCompletion,
    now: number,
  ): Promise<EventStatus | null> {
    return this.#commits.write(() => completeEnrichment(this.#sqlite, eventId, completion, now));
  }

  async retryEnrichment(eventId: string, error: string, retryAt: number): Promise<void> {
    await this.#commits.write(() => this.#statements.retryEnrichment.run(retryAt, error, eventId));
  }

  async quarantine(entry: QuarantineEntry): Promise<void> {
    await this.#commits.write(() => adminReads.quarantine(this.#sqlite, entry));
  }

  async claimDue(now: number, limit: number, leaseMs: number): Promise<OutboxItem[]> {
    return this.#commits.write(() => claimDue(this.#sqlite, now, limit, leaseMs), RELAXED);
  }

  async claimNext(afterEventId: string, now: number, leaseMs: number): Promise<OutboxItem | null> {
    // Only one process writes the file (the instance lock), so a line found empty here cannot
    // be filled by another instance meanwhile; an accept of this process wakes the worker.
    if (!this.#commits.run(() => hasNext(this.#sqlite, afterEventId, now))) return null;
    return this.#commits.write(() => claimNext(this.#sqlite, afterEventId, now, leaseMs), RELAXED);
  }

  async releaseFresh(eventIds: readonly string[]): Promise<void> {
    await this.#commits.write(() => releaseFresh(this.#sqlite, eventIds), RELAXED);
  }

  async recordDelivered(eventId: string, attempt: AttemptRecord): Promise<void> {
    return this.#commits.write(() => recordDelivered(this.#sqlite, eventId, attempt), RELAXED);
  }

  async recordFailed(eventId: string, attempt: AttemptRecord, next: FailedNext): Promise<void> {
    return this.#commits.write(() => recordFailed(this.#sqlite, eventId, attempt, next), RELAXED);
  }

  async releaseHolds(now: number): Promise<ReleasedHold[]> {
    // As forwardFallbacks: every poll asks, and a transaction that finds nothing writes nothing.
    return this.#transaction(() => releaseHolds(this.#sqlite, now));
  }

  async cancel(eventId: string, now: number): Promise<CancelResult> {
    return this.#commits.write(() => cancel(this.#sqlite, eventId, now));
  }

  async releaseLeases(): Promise<number> {
    return this.#transaction(() => releaseLeases(this.#sqlite));
  }

  async replay(eventId: string, now: number): Promise<ReplayResult> {
    return this.#transaction(() => replay(this.#sqlite, eventId, now));
  }

  /** REPLAY_BATCH at a time (rules/replay.ts), each batch a transaction. */
  async replayAll(
    status: 'dead' | 'delivered',
    now: number,
    scope: ReplayScope = {},
  ): Promise<number> {
    return replayAll(this.#sqlite, status, now, scope, (work) => this.#transaction(work));
  }

  async forwardFallbacks(now: number): Promise<string[]> {
    return this.#transaction(() => forwardFallbacks(this.#sqlite, now));
  }

  async populationFigures(query: PopulationFiguresQuery): Promise<PopulationFigures> {
    return this.#commits.run(() => reads.populationFigures(this.#sqlite, query));
  }

  async loginFigures(from: number, to: number): Promise<LoginFigures> {
    return this.#commits.run(() => reads.loginFigures(this.#sqlite, from, to));
  }

  async movedPairFigures(query: MovedPairFiguresQuery): Promise<MovedPairFigures> {
    return this.#commits.run(() => reads.movedPairFigures(this.#sqlite, query));
  }

  async comparisonData(from: number, to: number): Promise<ComparisonData> {
    return this.#commits.run(() => reads.comparisonData(this.#sqlite, from, to));
  }

  /** A transaction of its own, outside the group commit (SQLite's failures: StoreUnavailableError). */
  #transaction<T>(work: () => T): T {
    return this.#commits.run(() => this.#db.transaction(work)());
  }

  async getSetting(key: string): Promise<SettingValue | undefined> {
    return this.#commits.run(() => settings.getSetting(this.#sqlite, key));
  }

  async setSetting(key: string, value: string, now: number): Promise<void> {
    this.#commits.run(() => settings.setSetting(this.#sqlite, key, value, now));
  }

  async replaceSetting(
    key: string,
    expected: string,
    value: string,
    now: number,
  ): Promise<boolean> {
    return this.#commits.run(() =>
      settings.replaceSetting(this.#sqlite, key, expected, value, now),
    );
  }

  async insertSetting(key: string, value: string, now: number): Promise<boolean> {
    return this.#commits.run(() => settings.insertSetting(this.#sqlite, key, value, now));
  }

  async listSettings(prefix: string): Promise<Setting[]> {
    return this.#commits.run(() => settings.listSettings(this.#sqlite, prefix));
  }

  async deleteSetting(key: string): Promise<void> {
    this.#commits.run(() => settings.deleteSetting(this.#sqlite, key));
  }

  async listEvents(query: EventQuery): Promise<Page<EventSummary>> {
    return this.#commits.run(() => adminReads.listEvents(this.#sqlite, query));
  }

  async getEvent(id: string): Promise<EventDetail | undefined> {
    return this.#commits.run(() => reads.getEvent(this.#sqlite, id));
  }

  async backlogFigures(): Promise<BacklogFigures> {
    return this.#commits.run(() => adminReads.backlogFigures(this.#sqlite));
  }

  async deliveryFigures(query: DeliveryFiguresQuery): Promise<DeliveryFigures> {
    return this.#commits.run(() => deliveryFigures(this.#db, query));
  }

  async getQuarantine(id: string): Promise<QuarantineRecord | undefined> {
    return this.#commits.run(() => adminReads.getQuarantine(this.#sqlite, id));
  }

  async listQuarantine(query: QuarantineQuery): Promise<Page<QuarantineRecord>> {
    return this.#commits.run(() => adminReads.listQuarantine(this.#sqlite, query));
  }

  async countByStatus(): Promise<Record<EventStatus, number>> {
    return this.#commits.run(() => adminReads.countByStatus(this.#sqlite));
  }

  async pruneDedupKeys(before: number, limit: number): Promise<number> {
    return this.#commits.write(() => pruneDedupKeys(this.#sqlite, before, limit));
  }

  async prune(before: number, limit: number): Promise<{ events: number; quarantine: number }> {
    return this.#transaction(() => prune(this.#sqlite, before, limit));
  }

  /**
   * Reads; checks the filesystem has room for a webhook; and after a failed write, writes: a
   * store that can read but not write (disk full, locked) is not ready, since a webhook could
   * not be stored. The probe write is the same group commit an accept uses, so its success is
   * what clears the failure (a lock); the room check is what tells a full disk.
   */
  async ping(): Promise<void> {
    this.#commits.run(() => this.#statements.ping.get());
    if (this.#room) await ensureRoomForWebhook(this.#room.path, this.#room.bytes);
    if (this.#commits.writeFailed) {
      await this.#commits.write(() =>
        this.#statements.setSetting.run('ready_probe', 'ok', Date.now()),
      );
    }
  }

  async close(): Promise<void> {
    // Writes already asked for are committed (or rejected) before the file is closed.
    if (this.#db.open) this.#commits.flush();
    if (this.#db.open) this.#db.close();
    this.#lock?.release();
  }
}
