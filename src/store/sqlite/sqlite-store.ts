import type Database from 'better-sqlite3';
import type { Source } from '../../normalize/normalized-schema.js';
import {
  type ComparedRow,
  type EventRow,
  type LineRow,
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
import { counterpartQuery } from '../rules/login.js';
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
} from '../store.js';
import { ensureFolder, GroupCommit, openDatabase, type SqliteOpenOptions } from './connection.js';
import { ensureRoomForWebhook, webhookWalBytes } from './disk-room.js';
import { type InstanceLock, lockInstance } from './instance-lock.js';
import { prepareClaimNext } from './ops/claim-next.js';
import { deliveryFigures } from './ops/delivery-figures.js';
import { prepareAdmin } from './sql/admin.js';
import { prepareComparison } from './sql/comparison.js';
import { prepareEnrichment } from './sql/enrichment.js';
import { HELD } from './sql/fragments.js';
import { prepareIntake } from './sql/intake.js';
import { listEventsQuery } from './sql/list-events.js';
import { prepareOperating } from './sql/operating.js';
import { prepareOutbox } from './sql/outbox.js';

/** The embedded store: one SQLite file in WAL mode, for a single instance of the service. */
/**
 * A delivery's lease and result: lost in a power cut, the event is only sent again, with the
 * same event id (GroupCommit.write).
 */
const RELAXED = { durable: false };

export class SqliteStore implements Store {
  readonly #db: Database.Database;
  readonly #statements;
  readonly #claimNext;
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
    this.#statements = {
      ...prepareIntake(db),
      ...prepareOutbox(db),
      ...prepareEnrichment(db),
      ...prepareComparison(db),
      ...prepareAdmin(db),
      ...prepareOperating(db),
    };
    this.#claimNext = prepareClaimNext(db);
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
    const s = this.#statements;
    return this.#commits.write((): AcceptResult => {
      const reingest = event.reingest;
      if (
        reingest &&
        s.markReingested.run(event.id, reingest.at, reingest.quarantineId).changes === 0
      ) {
        // Taken in already: as that event.
        const as = s.reingestedAs.get(reingest.quarantineId)?.reingested_event_id;
        if (as) return { eventId: as, duplicate: true };
      }
      const previous = s.findDuplicate.get(
        event.dedupKey,
        dedupSince(event.receivedAt, dedupWindowMs),
      );
      if (previous) {
        s.countDuplicate.run(previous.id);
        if (reingest) s.setReingestedAs.run(previous.id, reingest.quarantineId);
        return { eventId: previous.id, duplicate: true };
      }
      s.keepDedupKey.run(event.dedupKey, event.id, event.receivedAt);
      const n = event.normalized;
      const earlier = event.supersededBy
        ? s.earlierResult.get({
            interviewId: event.supersededBy.interviewId,
            routes: JSON.stringify(event.supersededBy.routes),
            id: event.id,
          })
        : undefined;
      const candidates = seeksCounterpart(event, earlier)
        ? toCandidates(
            s.loginCandidates.all(counterpartQuery(loginIdsOf(event), event.pairing.windowMs)),
          )
        : [];
      const arrival = decideArrival(event, earlier, candidates);
      const { status } = arrival;
      const body = event.forward?.body ?? null;
      const info = s.insertEvent.run({
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
        status,
        forwardFormat: event.forward?.format ?? null,
        forwardBody: body === null || body === event.rawBody ? null : body,
        fallbackAt: arrival.fallbackAt,
        legacyFields: JSON.stringify(event.legacyFields ?? []),
        eventName: event.eventName ?? null,
        note: arrival.note,
        enrichDeadline: arrival.enrich?.deadline ?? null,
        enrichWait: arrival.enrich?.waitMs ?? null,
        enrichNextAt: arrival.enrich?.nextAt ?? null,
        shadowed: arrival.shadowed ? 1 : 0,
        bucket: arrival.ids.customerId === null ? null : bucketOf(arrival.ids.customerId),
      });
      let counterpartEnqueued = false;
      if (arrival.match) {
        const { counterpart, action } = arrival.match;
        this.#insertPair(
          newPair(
            {
              id: event.id,
              customerId: arrival.ids.customerId,
              source: event.source,
              receivedAt: event.receivedAt,
              normalized: n,
            },
            counterpart,
            event.pairing,
            arrival.shadowed ? counterpart.source : event.source,
          ),
        );
        counterpartEnqueued = this.#settle(counterpart.id, action, event.receivedAt);
      }
      const result: AcceptResult = {
        eventId: event.id,
        duplicate: false,
        status,
        ...(counterpartEnqueued ? { counterpartEnqueued } : {}),
      };
      if (arrival.forwarded && body !== null) {
        // The fast path, where nothing of the same customer waits before it: leased to this
        // process's worker at once, so no poll reads it.
        const fast = fastPathLease(arrival, event, () => !!s.inLine.get(event.orderKey));
        s.insertOutbox.run(
          event.id,
          body,
          arrival.held ? HELD : event.receivedAt,
          info.lastInsertRowid,
          event.orderKey,
          fast?.leaseUntil ?? null,
        );
        if (fast) {
          const fresh = { eventId: event.id, source: event.source, body, attempts: 0 };
          return { ...result, fresh: { ...fresh, ...fast } };
        }
      }
      return result;
    });
  }

  async claimEnrichment(now: number, limit: number, leaseMs: number): Promise<EnrichmentItem[]> {
    const s = this.#statements;
    return this.#commits.write(() =>
      s.claimEnrichment.all(now, limit).map((row) => {
        s.leaseEnrichment.run(now + leaseMs, row.id);
        return toEnrichmentItem(row);
      }),
    );
  }

  async completeEnrichment(
    eventId: string,
    completion: EnrichmentCompletion,
    now: number,
  ): Promise<EventStatus | null> {
    const s = this.#statements;
    return this.#commits.write((): EventStatus | null => {
      const current = s.waitingOf.get(eventId);
      if (current?.status !== 'enriching') return null;
      const lookup = supersedeLookup(completion);
      const earlier = lookup
        ? s.earlierResult.get({
            interviewId: lookup.interviewId,
            routes: JSON.stringify(lookup.routes),
            id: eventId,
          })
        : undefined;
      const paired = s.pairOf.get(eventId, eventId);
      const otherId =
        paired && (paired.legacy_id === eventId ? paired.workflows_id : paired.legacy_id);
      const otherRow = otherId ? s.candidateById.get(otherId) : undefined;
      const waiting: WaitingEvent = {
        id: eventId,
        shadowed: current.shadowed === 1,
        fallbackAt: current.fallback_at,
        receivedAt: current.received_at,
        pairedWith: (otherRow && toCandidate(otherRow)) ?? null,
      };
      const windowMs = 'status' in completion ? 0 : completion.pairing.windowMs;
      const candidates = seeksCounterpartOnCompletion(waiting, completion)
        ? toCandidates(
            s.loginCandidates.all(
              counterpartQuery(
                {
                  ...completion.normalized.ids,
                  source: completion.normalized.source,
                  receivedAt: current.received_at,
                },
                windowMs,
              ),
            ),
          )
        : [];
      const decision = decideCompletion(waiting, completion, earlier, candidates, windowMs);
      // The row as the wait ends; each outcome below says only what differs.
      const row = {
        id: eventId,
        normalized: null as string | null,
        resultStatus: null as string | null,
        reason: null as string | null,
        customerId: null as string | null,
        forwardFormat: null as string | null,
        forwardBody: null as Uint8Array | null,
        legacyFields: '[]',
        state: completion.state,
        error: completion.error,
        note: null as string | null,
        lastError: null as string | null,
        called: completion.called ? 1 : 0,
        fallbackAt: current.fallback_at,
      };
      if (decision.kind === 'ended') {
        s.enriched.run({
          ...row,
          status: decision.status,
          note: decision.note,
          lastError: decision.lastError,
        });
        s.dropOutbox.run(eventId);
        if (decision.release) this.#settle(decision.release.id, decision.release.action, now);
        return decision.status;
      }
      if ('status' in completion) throw new Error('unreachable: an ending without a result');
      const n = completion.normalized;
      const result = {
        ...row,
        normalized: JSON.stringify(n),
        resultStatus: n.status,
        reason: n.reason,
        customerId: n.ids.customerId,
        legacyFields: JSON.stringify(completion.legacyFields),
      };
      if (decision.kind === 'superseded') {
        s.enriched.run({ ...result, status: 'superseded', note: decision.note, fallbackAt: null });
        s.dropOutbox.run(eventId);
        return 'superseded';
      }
      s.enriched.run({
        ...result,
        forwardFormat: completion.forward.format,
        forwardBody: completion.forward.body,
        status: decision.status,
        fallbackAt: decision.fallbackAt,
      });
      const customerId = n.ids.customerId ?? current.customer_id;
      if (customerId !== null) s.setBucket.run(bucketOf(customerId), eventId);
      if (decision.forward) {
        const held = s.heldOutbox.run(completion.forward.body, now, eventId);
        if (held.changes === 0) s.enqueue.run(now, eventId);
      } else {
        s.dropOutbox.run(eventId);
      }
      const pairing = completion.pairing;
      if (decision.pair?.kind === 'compare') {
        const other = decision.pair.counterpart;
        const comparison = compareResults(n.source, n, other.normalized, pairing);
        if (comparison) this.#updateComparison(eventId, other.id, n.source, comparison);
      } else if (decision.pair?.kind === 'new') {
        const { counterpart, action } = decision.pair;
        this.#insertPair(
          newPair(
            {
              id: eventId,
              source: n.source,
              receivedAt: current.received_at,
              customerId,
              normalized: n,
            },
            counterpart,
            pairing,
            decision.forward ? n.source : counterpart.source,
          ),
        );
        this.#settle(counterpart.id, action, now);
      }
      return decision.status;
    });
  }

  async retryEnrichment(eventId: string, error: string, retryAt: number): Promise<void> {
    await this.#commits.write(() => this.#statements.retryEnrichment.run(retryAt, error, eventId));
  }

  async quarantine(entry: QuarantineEntry): Promise<void> {
    await this.#commits.write(() =>
      this.#statements.insertQuarantine.run({
        ...entry,
        issues: entry.issues ? JSON.stringify(entry.issues) : null,
        truncated: entry.truncated ? 1 : 0,
      }),
    );
  }

  async claimDue(now: number, limit: number, leaseMs: number): Promise<OutboxItem[]> {
    const s = this.#statements;
    return this.#commits.write(() => {
      const rows = s.due.all({ now, limit });
      for (const row of rows) s.lease.run(now + leaseMs, row.event_id);
      return rows.map((row) => ({
        eventId: row.event_id,
        source: row.source,
        body: row.body,
        attempts: row.attempts,
      }));
    }, RELAXED);
  }

  async claimNext(afterEventId: string, now: number, leaseMs: number): Promise<OutboxItem | null> {
    return this.#commits.write(() => this.#claimNext(afterEventId, now, leaseMs), RELAXED);
  }

  async releaseFresh(eventIds: readonly string[]): Promise<void> {
    const s = this.#statements;
    await this.#commits.write(() => {
      for (const id of eventIds) s.releaseLease.run(id);
    }, RELAXED);
  }

  async recordDelivered(eventId: string, attempt: AttemptRecord): Promise<void> {
    const s = this.#statements;
    return this.#commits.write(() => {
      // No attempt row: the success is kept on the event row (see getEvent).
      s.delivered.run(
        attempt.at + attempt.durationMs,
        attempt.statusCode,
        attempt.durationMs,
        eventId,
      );
      s.deleteOutbox.run(eventId);
    }, RELAXED);
  }

  async recordFailed(eventId: string, attempt: AttemptRecord, next: FailedNext): Promise<void> {
    const s = this.#statements;
    const lastError = attempt.error ?? `HTTP ${attempt.statusCode}`;
    return this.#commits.write(() => {
      s.insertAttempt.run({ eventId, ...attempt });
      if (next === 'dead') {
        s.failed.run('dead', lastError, eventId);
        s.deleteOutbox.run(eventId);
      } else {
        s.failed.run('pending', lastError, eventId);
        s.reschedule.run(next.retryAt, next.holdUntil ?? null, eventId);
      }
    }, RELAXED);
  }

  async releaseHolds(now: number): Promise<ReleasedHold[]> {
    const s = this.#statements;
    // As forwardFallbacks: every poll asks, and a transaction that finds nothing writes nothing.
    return this.#commits.run(() =>
      this.#db.transaction(() =>
        s.holdsDue.all(now).map((row) => {
          const waiting = s.waitingBehind.get(row.order_key, row.seq)?.n ?? 0;
          s.stepOut.run(row.event_id);
          s.markReleased.run(now, row.event_id);
          return {
            eventId: row.event_id,
            customerId: row.order_key,
            waiting,
            lastError: row.last_error,
            attempts: row.attempts,
          };
        }),
      )(),
    );
  }

  async cancel(eventId: string, now: number): Promise<CancelResult> {
    const s = this.#statements;
    return this.#commits.write((): CancelResult => {
      const row = s.cancelTarget.get(eventId);
      if (!row) return 'not_found';
      const result = decideCancel(
        {
          status: row.status,
          shadowed: row.shadowed === 1,
          fallbackAt: row.fallback_at,
          leaseUntil: row.lease_until,
        },
        now,
      );
      if (result !== 'cancelled') return result;
      // The entry leaves its line: the next one of the customer is the head (outbox_line_delete).
      s.dropOutbox.run(eventId);
      s.cancel.run(cancelledNote(now), eventId);
      return result;
    });
  }

  async releaseLeases(): Promise<number> {
    const s = this.#statements;
    return this.#commits.run(() =>
      this.#db.transaction(
        () => s.releaseLeases.run().changes + s.releaseEnrichment.run().changes,
      )(),
    );
  }

  async replay(eventId: string, now: number): Promise<ReplayResult> {
    const s = this.#statements;
    return this.#commits.run(() =>
      this.#db.transaction((): ReplayResult => {
        const row = s.statusOf.get(eventId);
        if (!row) return 'not_found';
        if (row.status !== 'delivered' && row.status !== 'dead') return row.status;
        this.#requeue(eventId, now);
        return 'replayed';
      })(),
    );
  }

  async replayAll(
    status: 'dead' | 'delivered',
    now: number,
    scope: ReplayScope = {},
  ): Promise<number> {
    const where = ['status = ?'];
    const params: (string | number)[] = [status];
    // A customer's events through events_counterpart (customer, arrival), a range through
    // events_received: the status is then checked on the rows found (unary plus: not its index).
    if (scope.customerId !== undefined) {
      where[0] = '+status = ?';
      where.push('customer_id = ?');
      params.push(scope.customerId);
    }
    if (scope.from !== undefined) {
      where.push('received_at >= ?');
      params.push(scope.from);
    }
    if (scope.to !== undefined) {
      where.push('received_at < ?');
      params.push(scope.to);
    }
    const select = this.#db.prepare<unknown[], { id: string }>(
      `SELECT id FROM events WHERE ${where.join(' AND ')} ORDER BY seq`,
    );
    return this.#commits.run(() =>
      this.#db.transaction(() => {
        const rows = select.all(...params);
        for (const { id } of rows) this.#requeue(id, now);
        return rows.length;
      })(),
    );
  }

  async forwardFallbacks(now: number): Promise<string[]> {
    const s = this.#statements;
    return this.#commits.run(() =>
      this.#db.transaction(() => {
        const due = s.dueFallbacks.all(now);
        for (const { id } of due) {
          s.enqueue.run(now, id);
          s.setPending.run(id);
        }
        return due.map((row) => row.id);
      })(),
    );
  }

  async populationFigures(query: {
    from: number;
    since: number;
    to: number;
    belowBucket: number;
  }): Promise<PopulationFigures> {
    const rows = this.#commits.run(() => this.#statements.populationCounts.all(query));
    return populationFiguresOf(rows);
  }

  async loginFigures(from: number, to: number): Promise<LoginFigures> {
    const s = this.#statements;
    return this.#commits.run(() =>
      loginFiguresOf(s.pairsFirstPerDay.all(from, to), s.unmatchedPerDay.all(from, to)),
    );
  }

  async movedPairFigures(query: {
    from: number;
    to: number;
    belowBucket: number;
    ids: number;
    counts: 'status' | 'reason';
  }): Promise<{ pairs: number; agreeing: number; disagreeingIds: string[] }> {
    const s = this.#statements;
    const { counts: kind, ...range } = query;
    const params = { ...range, statusOnly: kind === 'status' ? 1 : 0 };
    return this.#commits.run(() => {
      const { ids: _ids, ...countParams } = params;
      const counts = s.movedPairCounts.get(countParams) ?? { pairs: 0, agreeing: 0 };
      const disagreeing = s.movedPairsDisagreeing.all(params);
      return {
        pairs: counts.pairs,
        agreeing: counts.agreeing ?? 0,
        disagreeingIds: disagreeing.map((row) => `${row.legacy_id}/${row.workflows_id}`),
      };
    });
  }

  async comparisonData(
    from: number,
    to: number,
  ): Promise<{ events: ComparedEvent[]; pairs: StoredPair[] }> {
    const s = this.#statements;
    return this.#commits.run(() => {
      const events = s.comparedEvents.all(from, to).map(toCompared);
      const byId = new Map(events.map((e) => [e.eventId, e]));
      const find = (id: string) =>
        byId.get(id) ?? toCompared(s.comparedEvent.get(id) as ComparedRow);
      const pairs = s.comparedPairs.all({ from, to }).map((row) => ({
        legacy: find(row.legacy_id),
        workflows: find(row.workflows_id),
        forwarded: row.forwarded,
        statusAgrees: row.status_agrees === 1,
        reasonAgrees: row.reason_agrees === 1,
        kind: row.kind,
        differences: JSON.parse(row.differences) as StoredPair['differences'],
      }));
      return { events, pairs };
    });
  }

  /**
   * Inside a replay's transaction: the event goes back in line with the body it was rendered
   * with; one that never had a result (no score came for its ONBOARDING_FINISHED) waits for
   * its score again, as long as it waited the first time.
   */
  #requeue(eventId: string, now: number): void {
    const s = this.#statements;
    s.keepSuccess.run(eventId);
    s.forgetSuccess.run(eventId);
    if (s.needsScore.get(eventId)) {
      s.reenrich.run(now, now, eventId);
      return;
    }
    s.enqueue.run(now, eventId);
    s.setPending.run(eventId);
  }

  /** Inside a transaction: the two reports of one login, paired. */
  #insertPair(pair: NewPair): void {
    const c = pair.comparison;
    this.#statements.insertPair.run({
      legacyId: pair.legacyId,
      workflowsId: pair.workflowsId,
      pairedAt: pair.pairedAt,
      firstAt: pair.firstAt,
      forwarded: pair.forwarded,
      statusAgrees: c ? (c.statusAgrees ? 1 : 0) : null,
      reasonAgrees: c ? (c.reasonAgrees ? 1 : 0) : null,
      kind: c?.kind ?? null,
      differences: c?.differences ?? null,
      bucket: pair.bucket,
    });
  }

  /** Inside a transaction: a pair's comparison, once both reports have a result. */
  #updateComparison(
    eventId: string,
    otherId: string,
    source: Source,
    c: NonNullable<NewPair['comparison']>,
  ): void {
    const [legacyId, workflowsId] = source === 'legacy' ? [eventId, otherId] : [otherId, eventId];
    this.#statements.updatePair.run({
      legacyId,
      workflowsId,
      statusAgrees: c.statusAgrees ? 1 : 0,
      reasonAgrees: c.reasonAgrees ? 1 : 0,
      kind: c.kind,
      differences: c.differences,
    });
  }

  /**
   * Inside a transaction: what a login's arriving report does to its other report (rules/arrival.ts
   * CounterpartAction); says whether it was put in line (the delivery worker is woken).
   */
  #settle(id: string, action: CounterpartAction | null, now: number): boolean {
    const s = this.#statements;
    switch (action) {
      case 'settle':
        s.settleWait.run(id);
        return false;
      case 'unshadow':
        s.unshadow.run(id);
        return false;
      case 'enqueue':
        s.enqueue.run(now, id);
        s.setPending.run(id);
        return true;
      default:
        return false;
    }
  }

  async getSetting(key: string): Promise<{ value: string; updatedAt: number } | undefined> {
    const row = this.#commits.run(() => this.#statements.getSetting.get(key));
    return row ? { value: row.value, updatedAt: row.updated_at } : undefined;
  }

  async setSetting(key: string, value: string, now: number): Promise<void> {
    this.#commits.run(() => this.#statements.setSetting.run(key, value, now));
  }

  async replaceSetting(
    key: string,
    expected: string,
    value: string,
    now: number,
  ): Promise<boolean> {
    return this.#commits.run(
      () => this.#statements.replaceSetting.run({ key, expected, value, now }).changes === 1,
    );
  }

  async insertSetting(key: string, value: string, now: number): Promise<boolean> {
    return this.#commits.run(
      () => this.#statements.insertSetting.run(key, value, now).changes === 1,
    );
  }

  async listSettings(prefix: string): Promise<{ key: string; value: string; updatedAt: number }[]> {
    return this.#commits
      .run(() => this.#statements.listSettings.all(prefix, prefix))
      .map((row) => ({ key: row.key, value: row.value, updatedAt: row.updated_at }));
  }

  async deleteSetting(key: string): Promise<void> {
    this.#commits.run(() => this.#statements.deleteSetting.run(key));
  }

  async listEvents(query: EventQuery): Promise<Page<EventSummary>> {
    const { sql, params } = listEventsQuery(query);
    const rows = this.#commits.run(() => this.#db.prepare<unknown[], EventRow>(sql).all(...params));
    return page(rows, query.limit, toSummary);
  }

  async getEvent(id: string): Promise<EventDetail | undefined> {
    const s = this.#statements;
    return this.#commits.run(() => {
      const row = s.eventById.get(id);
      if (!row) return undefined;
      const line: LineRow | undefined = s.lineOf.get(id);
      return toDetail(row, {
        attempts: s.attemptsOf.all(id),
        pair: s.pairDetail.get(id, id),
        line,
        ahead: line ? s.aheadOf.get(line.order_key, line.seq) : undefined,
      });
    });
  }

  async backlogFigures(): Promise<{ oldestPendingAt: number | null; heldCustomers: number }> {
    const s = this.#statements;
    return this.#commits.run(() => ({
      oldestPendingAt: s.oldestPending.get()?.received_at ?? null,
      heldCustomers: s.heldCustomers.get()?.n ?? 0,
    }));
  }

  async deliveryFigures(query: DeliveryFiguresQuery): Promise<DeliveryFigures> {
    return this.#commits.run(() => deliveryFigures(this.#db, query));
  }

  async getQuarantine(id: string): Promise<QuarantineRecord | undefined> {
    const row = this.#commits.run(() => this.#statements.quarantineById.get(id));
    return row && toQuarantineRecord(row);
  }

  async listQuarantine(query: {
    limit: number;
    before?: string | undefined;
  }): Promise<Page<QuarantineRecord>> {
    const before = query.before === undefined ? Number.MAX_SAFE_INTEGER : Number(query.before);
    const rows = this.#commits.run(() =>
      this.#db
        .prepare<[number, number], QuarantineRow>(
          'SELECT * FROM quarantine WHERE seq < ? ORDER BY seq DESC LIMIT ?',
        )
        .all(Number.isSafeInteger(before) ? before : Number.MAX_SAFE_INTEGER, query.limit + 1),
    );
    return page(rows, query.limit, toQuarantineRecord);
  }

  async countByStatus(): Promise<Record<EventStatus, number>> {
    const counts = Object.fromEntries(EVENT_STATUSES.map((s) => [s, 0])) as Record<
      EventStatus,
      number
    >;
    for (const row of this.#commits.run(() => this.#statements.countByStatus.all()))
      counts[row.status] = row.n;
    return counts;
  }

  async pruneDedupKeys(before: number, limit: number): Promise<number> {
    return this.#commits.write(() => this.#statements.pruneDedupKeys.run(before, limit).changes);
  }

  async prune(before: number, limit: number): Promise<{ events: number; quarantine: number }> {
    const s = this.#statements;
    return this.#commits.run(() =>
      this.#db.transaction(() => {
        const rows = s.prunable.all(before, limit);
        for (const { id } of rows) {
          s.pruneLegacyPair.run(id);
          s.pruneWorkflowsPair.run(id);
          s.pruneAttempts.run(id);
          s.dropOutbox.run(id);
          s.pruneEvent.run(id);
        }
        const quarantine = s.pruneQuarantine.run(before, limit).changes;
        return { events: rows.length, quarantine };
      })(),
    );
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
