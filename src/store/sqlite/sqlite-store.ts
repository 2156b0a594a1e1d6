import type Database from 'better-sqlite3';
import type { NormalizedResult, Source } from '../../normalize/normalized-schema.js';
import {
  type ComparedRow,
  type EventRow,
  page,
  type QuarantineRow,
  toCompared,
  toCounterpart,
  toDetail,
  toEnrichmentItem,
  toQuarantineRecord,
  toSummary,
} from '../rows.js';
import { decideArrival, fastPathLease } from '../rules/arrival.js';
import { dedupSince } from '../rules/dedup.js';
import { decideCompletion, supersedeLookup } from '../rules/enrichment.js';
import { type CounterpartQuery, fallbackCounterpart } from '../rules/fallback.js';
import { type PairingRule, pairOf } from '../rules/pair-diff.js';
import { newPair } from '../rules/pairing.js';
import {
  type AcceptResult,
  type AttemptRecord,
  type ComparedEvent,
  type CounterpartEvent,
  type EnrichmentCompletion,
  type EnrichmentItem,
  EVENT_STATUSES,
  type EventDetail,
  type EventQuery,
  type EventStatus,
  type EventSummary,
  type FallbackRule,
  type NewEvent,
  type OutboxItem,
  type Page,
  type QuarantineEntry,
  type QuarantineRecord,
  type ReplayResult,
  type Store,
  type StoredPair,
} from '../store.js';
import { GroupCommit, openDatabase, type SqliteOpenOptions } from './connection.js';
import { ensureRoomForWebhook, webhookWalBytes } from './disk-room.js';
import { prepareAdmin } from './sql/admin.js';
import { prepareComparison } from './sql/comparison.js';
import { prepareEnrichment } from './sql/enrichment.js';
import { HELD, SUMMARY_COLUMNS } from './sql/fragments.js';
import { prepareIntake } from './sql/intake.js';
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
  readonly #commits: GroupCommit;
  /** Where the file is, and the room one webhook takes there: ping checks it (disk-room.ts). */
  readonly #room: { path: string; bytes: number } | undefined;

  private constructor(db: Database.Database, path: string, webhookBytes: number | undefined) {
    this.#db = db;
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
    };
  }

  /**
   * Opens (creating if needed) the SQLite file at `path` and brings its schema up to date.
   * A path that cannot be a store (its folder cannot be made, it is not a SQLite file, it is
   * missing with `mustExist`) throws StoreOpenError; a store newer than this code, or a
   * migration that fails, StoreUnavailableError.
   */
  static open(path: string, options: SqliteOpenOptions = {}): SqliteStore {
    return new SqliteStore(openDatabase(path, options), path, options.webhookBytes);
  }

  async accept(event: NewEvent, dedupWindowMs: number): Promise<AcceptResult> {
    const s = this.#statements;
    return this.#commits.write((): AcceptResult => {
      const previous = s.findDuplicate.get(
        event.dedupKey,
        dedupSince(event.receivedAt, dedupWindowMs),
      );
      if (previous) {
        s.countDuplicate.run(previous.id);
        return { eventId: previous.id, duplicate: true };
      }
      s.keepDedupKey.run(event.dedupKey, event.id, event.receivedAt);
      const n = event.normalized;
      const earlier = event.supersededBy
        ? s.earlierResult.get({
            interviewId: event.supersededBy.interviewId,
            routes: JSON.stringify(event.supersededBy.routes),
            id: event.id,
            shadowed: event.shadowed ? 1 : 0,
          })
        : undefined;
      const arrival = decideArrival(event, earlier);
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
        shadowed: event.shadowed ? 1 : 0,
      });
      if (arrival.paired && n && event.pairing) {
        this.#pair(
          { id: event.id, source: event.source, receivedAt: event.receivedAt, normalized: n },
          event.pairing,
        );
      }
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
          return { eventId: event.id, duplicate: false, status, fresh: { ...fresh, ...fast } };
        }
      }
      return { eventId: event.id, duplicate: false, status };
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
      const current = s.statusOf.get(eventId);
      if (current?.status !== 'enriching') return null;
      const lookup = supersedeLookup(completion);
      const earlier = lookup
        ? s.earlierResult.get({
            interviewId: lookup.interviewId,
            routes: JSON.stringify(lookup.routes),
            id: eventId,
            shadowed: current.shadowed,
          })
        : undefined;
      const decision = decideCompletion(current.shadowed === 1, completion, earlier);
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
      };
      if (decision.kind === 'ended') {
        s.enriched.run({
          ...row,
          status: decision.status,
          note: decision.note,
          lastError: decision.lastError,
        });
        s.dropOutbox.run(eventId);
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
        s.enriched.run({ ...result, status: 'superseded', note: decision.note });
        s.dropOutbox.run(eventId);
        return 'superseded';
      }
      s.enriched.run({
        ...result,
        forwardFormat: completion.forward.format,
        forwardBody: completion.forward.body,
        status: decision.status,
      });
      if (decision.forward) {
        const held = s.heldOutbox.run(completion.forward.body, now, eventId);
        if (held.changes === 0) s.enqueue.run(now, eventId);
      }
      if (decision.pair && completion.pairing) {
        const event = {
          id: eventId,
          source: n.source,
          receivedAt: Date.parse(n.receivedAt),
          normalized: n,
        };
        this.#pair(event, completion.pairing);
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

  async recordFailed(
    eventId: string,
    attempt: AttemptRecord,
    next: { retryAt: number } | 'dead',
  ): Promise<void> {
    const s = this.#statements;
    const lastError = attempt.error ?? `HTTP ${attempt.statusCode}`;
    return this.#commits.write(() => {
      s.insertAttempt.run({ eventId, ...attempt });
      if (next === 'dead') {
        s.failed.run('dead', lastError, eventId);
        s.deleteOutbox.run(eventId);
      } else {
        s.failed.run('pending', lastError, eventId);
        s.reschedule.run(next.retryAt, eventId);
      }
    }, RELAXED);
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

  async replayAll(status: 'dead', now: number): Promise<number> {
    const s = this.#statements;
    return this.#commits.run(() =>
      this.#db.transaction(() => {
        const rows = s.idsWithStatus.all(status);
        for (const { id } of rows) this.#requeue(id, now);
        return rows.length;
      })(),
    );
  }

  async forwardFallbacks(now: number, rule: FallbackRule): Promise<string[]> {
    const s = this.#statements;
    return this.#commits.run(() =>
      this.#db.transaction(() => {
        const forwarded: string[] = [];
        for (const event of s.dueFallbacks.all(now)) {
          const match = s.counterpart.get(
            fallbackCounterpart(
              {
                source: event.source,
                customerId: event.customer_id,
                interviewId: event.interview_id,
                receivedAt: event.received_at,
              },
              rule,
            ),
          );
          if (match) {
            s.settleFallback.run(event.id);
          } else {
            s.enqueue.run(now, event.id);
            s.setPending.run(event.id);
            forwarded.push(event.id);
          }
        }
        return forwarded;
      })(),
    );
  }

  async clearFallbacks(): Promise<number> {
    return this.#commits.run(() => this.#statements.clearFallbacks.run().changes);
  }

  async movedPairFigures(query: {
    from: number;
    to: number;
    belowBucket: number;
    ids: number;
  }): Promise<{ pairs: number; agreeing: number; disagreeingIds: string[] }> {
    const s = this.#statements;
    return this.#commits.run(() => {
      const counts = s.movedPairCounts.get(query) ?? { pairs: 0, agreeing: 0 };
      const disagreeing = s.movedPairsDisagreeing.all(query);
      return {
        pairs: counts.pairs,
        agreeing: counts.agreeing ?? 0,
        disagreeingIds: disagreeing.map((row) => `${row.legacy_id}/${row.workflows_id}`),
      };
    });
  }

  async counterparts(query: CounterpartQuery): Promise<CounterpartEvent[]> {
    const s = this.#statements;
    return this.#commits.run(() => s.counterparts.all(query).map(toCounterpart));
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

  /**
   * Inside a transaction: pairs an event with its counterpart, if one is stored; an event
   * paired already (its score arrived after it was paired) has its differences computed again.
   */
  #pair(
    event: { id: string; source: Source; receivedAt: number; normalized: NormalizedResult },
    pairing: PairingRule,
  ): void {
    const s = this.#statements;
    const n = event.normalized;
    const existing = s.pairOf.get(event.id, event.id);
    if (existing) {
      const otherId = event.source === 'legacy' ? existing.workflows_id : existing.legacy_id;
      const stored = s.normalizedOf.get(otherId)?.normalized;
      if (!stored) return;
      const { diff } = pairOf(event.source, n, JSON.parse(stored) as NormalizedResult, pairing);
      s.updatePair.run({
        legacyId: existing.legacy_id,
        workflowsId: existing.workflows_id,
        statusAgrees: diff.statusAgrees ? 1 : 0,
        reasonAgrees: diff.reasonAgrees ? 1 : 0,
        kind: diff.kind,
        differences: JSON.stringify(diff.differences),
      });
      return;
    }
    const customerId = n.ids.customerId as string;
    const rows = s.pairCandidates.all({
      source: event.source === 'legacy' ? 'workflows' : 'legacy',
      customerId,
      from: event.receivedAt - pairing.windowMs,
      to: event.receivedAt + pairing.windowMs,
    });
    const pair = newPair(event, customerId, rows, pairing);
    if (!pair) return;
    s.insertPair.run({
      ...pair,
      statusAgrees: pair.statusAgrees ? 1 : 0,
      reasonAgrees: pair.reasonAgrees ? 1 : 0,
    });
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

  async deleteSetting(key: string): Promise<void> {
    this.#commits.run(() => this.#statements.deleteSetting.run(key));
  }

  async listEvents(query: EventQuery): Promise<Page<EventSummary>> {
    const where: string[] = [];
    const params: (string | number)[] = [];
    if (query.status) {
      where.push('e.status = ?');
      params.push(query.status);
    }
    if (query.source) {
      where.push('e.source = ?');
      params.push(query.source);
    }
    const before = query.before === undefined ? undefined : Number(query.before);
    if (before !== undefined && Number.isSafeInteger(before)) {
      where.push('e.seq < ?');
      params.push(before);
    }
    const sql = `SELECT ${SUMMARY_COLUMNS} FROM events e LEFT JOIN outbox o ON o.event_id = e.id
      ${where.length ? `WHERE ${where.join(' AND ')}` : ''} ORDER BY e.seq DESC LIMIT ?`;
    const rows = this.#commits.run(() =>
      this.#db.prepare<unknown[], EventRow>(sql).all(...params, query.limit + 1),
    );
    return page(rows, query.limit, toSummary);
  }

  async getEvent(id: string): Promise<EventDetail | undefined> {
    const row = this.#commits.run(() => this.#statements.eventById.get(id));
    if (!row) return undefined;
    const attempts = this.#commits.run(() => this.#statements.attemptsOf.all(id));
    return toDetail(row, attempts);
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
  }
}
