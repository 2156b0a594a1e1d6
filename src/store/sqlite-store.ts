import { existsSync, mkdirSync, statSync } from 'node:fs';
import { dirname } from 'node:path';
import Database from 'better-sqlite3';
import type { NormalizedResult, Source } from '../normalize/normalized-schema.js';
import { diffResults } from './rules/pair-diff.js';
import { pickCounterpart } from './rules/pairing.js';
import { supersededNote } from './rules/supersede.js';
import { SQLITE_MIGRATIONS } from './sqlite-migrations.js';
import {
  type AcceptResult,
  type AttemptRecord,
  type ComparedEvent,
  type EnrichmentCompletion,
  type EnrichmentItem,
  EVENT_STATUSES,
  type EventDetail,
  type EventQuery,
  type EventStatus,
  type EventSummary,
  type FallbackRule,
  type ForwardFormat,
  type NewEvent,
  type OutboxItem,
  type Page,
  type QuarantineEntry,
  type QuarantineRecord,
  type ReplayResult,
  type Store,
  type StoredPair,
  StoreOpenError,
  StoreUnavailableError,
} from './store.js';

interface EventRow {
  seq: number;
  id: string;
  source: Source;
  route: string;
  received_at: number;
  result_status: NormalizedResult['status'] | null;
  reason: NormalizedResult['reason'];
  customer_id: string | null;
  interview_id: string | null;
  status: EventStatus;
  forward_format: ForwardFormat | null;
  attempts: number;
  last_error: string | null;
  delivered_at: number | null;
  duplicates: number;
  next_attempt_at: number | null;
  event_name: string | null;
  note: string | null;
  enrichment: 'scored' | 'unavailable' | null;
  enrich_deadline: number | null;
  enrich_attempts: number;
  enrich_error: string | null;
}

interface QuarantineRow {
  seq: number;
  id: string;
  received_at: number;
  route: string;
  content_type: string | null;
  http_status: number;
  code: string;
  message: string;
  issues: string | null;
  body: Buffer;
  truncated: number;
}

const iso = (ms: number | null) => (ms === null ? null : new Date(ms).toISOString());

const SUMMARY_COLUMNS = `e.seq, e.id, e.source, e.route, e.received_at, e.result_status, e.reason,
  e.customer_id, e.interview_id, e.status, e.forward_format, e.attempts, e.last_error,
  e.delivered_at, e.duplicates, o.next_attempt_at, e.event_name, e.note, e.enrichment,
  e.enrich_deadline, e.enrich_attempts, e.enrich_error`;

/** next_attempt_at of an outbox entry held while its event waits for its score: never due. */
const HELD = Number.MAX_SAFE_INTEGER;

/**
 * Statuses of events that are an authentication's result (compared, paired, counted). Queries
 * write `+status IN ...`: the unary plus keeps SQLite from choosing the status index, which
 * would read every event of the history instead of the time range or the customer.
 */
const RESULT_STATUSES = `('pending', 'delivered', 'dead', 'shadowed', 'enriching')`;

/** The embedded store: one SQLite file in WAL mode, for a single instance of the service. */
export class SqliteStore implements Store {
  readonly #db: Database.Database;
  readonly #statements;
  /** Writes waiting for the next group commit. */
  readonly #queue: {
    work: () => unknown;
    resolve: (value: unknown) => void;
    reject: (error: unknown) => void;
  }[] = [];
  /** The last group commit failed (disk full, locked): not ready until a write succeeds. */
  #writeFailed = false;

  private constructor(db: Database.Database) {
    this.#db = db;
    this.#statements = {
      // A redelivery while now - first arrival < DEDUP_WINDOW (received_at > now - window): at
      // exactly DEDUP_WINDOW it is a new event. Duplicates do not move received_at, so the
      // window runs from the first arrival.
      findDuplicate: db.prepare<[string, number], { id: string }>(
        'SELECT event_id AS id FROM dedup_keys WHERE key = ? AND received_at > ?',
      ),
      // The newest event of a body: a later redelivery is measured from it.
      keepDedupKey: db.prepare<[string, string, number]>(
        `INSERT INTO dedup_keys (key, event_id, received_at) VALUES (?, ?, ?)
         ON CONFLICT (key) DO UPDATE SET event_id = excluded.event_id, received_at = excluded.received_at`,
      ),
      pruneDedupKeys: db.prepare<[number, number]>(
        `DELETE FROM dedup_keys WHERE key IN
           (SELECT key FROM dedup_keys WHERE received_at <= ? ORDER BY received_at LIMIT ?)`,
      ),
      countDuplicate: db.prepare<[string]>(
        'UPDATE events SET duplicates = duplicates + 1 WHERE id = ?',
      ),
      insertEvent: db.prepare(
        `INSERT INTO events (id, source, route, received_at, dedup_key, content_type, raw_body,
           normalized, result_status, reason, customer_id, interview_id, status, forward_format,
           forward_body, fallback_at, legacy_fields, event_name, note, enrich_deadline, enrich_wait, enrich_next_at,
           shadowed)
         VALUES (@id, @source, @route, @receivedAt, @dedupKey, @contentType, @rawBody,
           @normalized, @resultStatus, @reason, @customerId, @interviewId, @status, @forwardFormat,
           @forwardBody, @fallbackAt, @legacyFields, @eventName, @note, @enrichDeadline, @enrichWait, @enrichNextAt,
           @shadowed)`,
      ),
      earlierResult: db.prepare<
        [{ interviewId: string; routes: string; id: string; shadowed: number }],
        { id: string; route: string }
      >(
        // Only an event with the same fate: one forwarded is never superseded by one shadowed
        // (after a switch of FORWARD_SOURCE), which the callback would never get.
        `SELECT id, route FROM events WHERE interview_id = @interviewId AND source = 'workflows'
           AND +status IN ${RESULT_STATUSES} AND normalized IS NOT NULL AND id <> @id
           AND shadowed = @shadowed
           AND route IN (SELECT value FROM json_each(@routes)) ORDER BY seq LIMIT 1`,
      ),
      claimEnrichment: db.prepare<
        [number, number],
        {
          id: string;
          route: string;
          received_at: number;
          raw_body: Buffer;
          interview_id: string | null;
          enrich_deadline: number;
          enrich_attempts: number;
          enrich_error: string | null;
        }
      >(
        `SELECT id, route, received_at, raw_body, interview_id, enrich_deadline, enrich_attempts, enrich_error
         FROM events WHERE status = 'enriching' AND enrich_next_at <= ? ORDER BY enrich_next_at LIMIT ?`,
      ),
      leaseEnrichment: db.prepare<[number, string]>(
        'UPDATE events SET enrich_next_at = ? WHERE id = ?',
      ),
      retryEnrichment: db.prepare<[number, string, string]>(
        `UPDATE events SET enrich_next_at = ?, enrich_attempts = enrich_attempts + 1, enrich_error = ?
         WHERE id = ? AND status = 'enriching'`,
      ),
      enriched: db.prepare(
        `UPDATE events SET normalized = @normalized, result_status = @resultStatus, reason = @reason,
           customer_id = coalesce(customer_id, @customerId), forward_format = @forwardFormat,
           forward_body = @forwardBody, legacy_fields = @legacyFields, enrichment = @state,
           enrich_error = @error, enrich_next_at = NULL, status = @status, note = @note,
           last_error = @lastError, enrich_attempts = enrich_attempts + @called
         WHERE id = @id`,
      ),
      heldOutbox: db.prepare<[Uint8Array, number, string]>(
        'UPDATE outbox SET body = ?, next_attempt_at = ? WHERE event_id = ?',
      ),
      dropOutbox: db.prepare<[string]>('DELETE FROM outbox WHERE event_id = ?'),
      reenrich: db.prepare<[number, number, string]>(
        `UPDATE events SET status = 'enriching', enrich_next_at = ?,
           enrich_deadline = ? + coalesce(enrich_wait, enrich_deadline - received_at), enrich_error = NULL,
           last_error = NULL
         WHERE id = ?`,
      ),
      needsScore: db.prepare<[string], { id: string }>(
        `SELECT id FROM events WHERE id = ? AND normalized IS NULL AND enrich_deadline IS NOT NULL`,
      ),
      pairOf: db.prepare<[string, string], { legacy_id: string; workflows_id: string }>(
        'SELECT legacy_id, workflows_id FROM pairs WHERE legacy_id = ? OR workflows_id = ?',
      ),
      normalizedOf: db.prepare<[string], { normalized: string | null }>(
        'SELECT normalized FROM events WHERE id = ?',
      ),
      updatePair: db.prepare(
        `UPDATE pairs SET status_agrees = @statusAgrees, reason_agrees = @reasonAgrees, kind = @kind,
           differences = @differences WHERE legacy_id = @legacyId AND workflows_id = @workflowsId`,
      ),
      insertOutbox: db.prepare<
        [string, Uint8Array, number, number | bigint, string, number | null]
      >(
        `INSERT INTO outbox (event_id, body, next_attempt_at, seq, order_key, lease_until)
         VALUES (?, ?, ?, ?, ?, ?)`,
      ),
      // Any entry of this order key is earlier than a new event's.
      inLine: db.prepare<[string], { one: number }>(
        'SELECT 1 AS one FROM outbox WHERE order_key = ? LIMIT 1',
      ),
      // Replays and fallbacks: the body the event was rendered with, its original place in line.
      enqueue: db.prepare<[number, string]>(
        `INSERT INTO outbox (event_id, body, next_attempt_at, seq, order_key)
         SELECT id, coalesce(forward_body, raw_body), ?, seq, coalesce(customer_id, id) FROM events WHERE id = ?`,
      ),
      setPending: db.prepare<[string]>(
        `UPDATE events SET status = 'pending', fallback_at = NULL WHERE id = ?`,
      ),
      statusOf: db.prepare<[string], { status: EventStatus; shadowed: number }>(
        'SELECT status, shadowed FROM events WHERE id = ?',
      ),
      idsWithStatus: db.prepare<[string], { id: string }>(
        'SELECT id FROM events WHERE status = ? ORDER BY seq',
      ),
      dueFallbacks: db.prepare<
        [number],
        {
          id: string;
          source: Source;
          customer_id: string | null;
          interview_id: string | null;
          received_at: number;
        }
      >(
        `SELECT id, source, customer_id, interview_id, received_at FROM events
         WHERE fallback_at IS NOT NULL AND fallback_at <= ? AND status = 'shadowed'
           AND forward_format IS NOT NULL ORDER BY fallback_at LIMIT 500`,
      ),
      counterpart: db.prepare<
        [
          {
            customerId: string | null;
            source: Source;
            interviewId: string | null;
            from: number;
            to: number;
          },
        ],
        { id: string }
      >(
        // The same customer (and interview where both carry one), or, for events that name no
        // customer (a session event, an ONBOARDING_FINISHED still waiting for its score), the
        // same interview.
        `SELECT id FROM events WHERE source = @source AND +status IN ${RESULT_STATUSES}
           AND received_at BETWEEN @from AND @to
           AND ((@customerId IS NOT NULL AND customer_id = @customerId
                 AND (@interviewId IS NULL OR interview_id IS NULL OR interview_id = @interviewId))
             OR (@interviewId IS NOT NULL AND interview_id = @interviewId
                 AND (@customerId IS NULL OR customer_id IS NULL)))
           LIMIT 1`,
      ),
      settleFallback: db.prepare<[string]>('UPDATE events SET fallback_at = NULL WHERE id = ?'),
      clearFallbacks: db.prepare(
        'UPDATE events SET fallback_at = NULL WHERE fallback_at IS NOT NULL',
      ),
      pairCandidates: db.prepare<
        [{ source: Source; customerId: string; from: number; to: number }],
        {
          id: string;
          customer_id: string;
          interview_id: string | null;
          received_at: number;
          normalized: string;
        }
      >(
        `SELECT e.id, e.customer_id, e.interview_id, e.received_at, e.normalized FROM events e
         WHERE e.customer_id = @customerId AND e.source = @source AND e.received_at BETWEEN @from AND @to
           AND e.normalized IS NOT NULL AND +e.status IN ${RESULT_STATUSES}
           AND NOT EXISTS (SELECT 1 FROM pairs p WHERE p.legacy_id = e.id OR p.workflows_id = e.id)
         ORDER BY e.received_at, e.seq`,
      ),
      insertPair: db.prepare(
        `INSERT INTO pairs (legacy_id, workflows_id, paired_at, status_agrees, reason_agrees, kind, differences)
         VALUES (@legacyId, @workflowsId, @pairedAt, @statusAgrees, @reasonAgrees, @kind, @differences)`,
      ),
      comparedEvents: db.prepare<[number, number], ComparedRow>(
        `SELECT ${COMPARED_COLUMNS} FROM events e WHERE e.received_at >= ? AND e.received_at < ?
           AND e.normalized IS NOT NULL AND +e.status IN ${RESULT_STATUSES} ORDER BY e.received_at`,
      ),
      comparedPairs: db.prepare<
        [{ from: number; to: number }],
        {
          legacy_id: string;
          workflows_id: string;
          status_agrees: number;
          reason_agrees: number;
          kind: string | null;
          differences: string;
        }
      >(
        // A pair belongs to the range of its first event. Found from the events in the range
        // (an index range), never by reading every pair: the cost follows the range, not the history.
        `SELECT p.* FROM events l JOIN pairs p ON p.legacy_id = l.id JOIN events w ON w.id = p.workflows_id
           WHERE l.received_at >= @from AND l.received_at < @to AND l.received_at <= w.received_at
         UNION ALL
         SELECT p.* FROM events w JOIN pairs p ON p.workflows_id = w.id JOIN events l ON l.id = p.legacy_id
           WHERE w.received_at >= @from AND w.received_at < @to AND w.received_at < l.received_at`,
      ),
      comparedEvent: db.prepare<[string], ComparedRow>(
        `SELECT ${COMPARED_COLUMNS} FROM events e WHERE e.id = ?`,
      ),
      getSetting: db.prepare<[string], { value: string; updated_at: number }>(
        'SELECT value, updated_at FROM settings WHERE key = ?',
      ),
      deleteSetting: db.prepare<[string]>('DELETE FROM settings WHERE key = ?'),
      setSetting: db.prepare<[string, string, number]>(
        `INSERT INTO settings (key, value, updated_at) VALUES (?, ?, ?)
         ON CONFLICT (key) DO UPDATE SET value = excluded.value, updated_at = excluded.updated_at`,
      ),
      due: db.prepare<
        [{ now: number; limit: number }],
        { event_id: string; body: Buffer; source: Source; attempts: number }
      >(
        // Due, not leased, and no earlier entry of the same customer still waiting: a later
        // PASS never overtakes an earlier FAIL of one customer.
        `SELECT o.event_id, o.body, e.source, o.attempts FROM outbox o JOIN events e ON e.id = o.event_id
         WHERE o.next_attempt_at <= @now AND (o.lease_until IS NULL OR o.lease_until <= @now)
           AND NOT EXISTS (SELECT 1 FROM outbox p WHERE p.order_key = o.order_key
             AND p.event_id <> o.event_id AND (p.seq < o.seq OR p.lease_until > @now))
         ORDER BY o.next_attempt_at, o.seq LIMIT @limit`,
      ),
      lease: db.prepare<[number, string]>('UPDATE outbox SET lease_until = ? WHERE event_id = ?'),
      releaseLease: db.prepare<[string]>('UPDATE outbox SET lease_until = NULL WHERE event_id = ?'),
      insertAttempt: db.prepare(
        `INSERT INTO delivery_attempts (event_id, attempt, at, duration_ms, status_code, error)
         SELECT @eventId, attempts + 1, @at, @durationMs, @statusCode, @error FROM events WHERE id = @eventId`,
      ),
      delivered: db.prepare<[number, number | null, number, string]>(
        `UPDATE events SET status = 'delivered', attempts = attempts + 1, delivered_at = ?,
           delivered_status = ?, delivered_ms = ?, last_error = NULL
         WHERE id = ?`,
      ),
      // Before a replay: the success of the round that ends becomes an attempt row.
      keepSuccess: db.prepare<[string]>(
        `INSERT INTO delivery_attempts (event_id, attempt, at, duration_ms, status_code, error)
         SELECT id, attempts, delivered_at - delivered_ms, delivered_ms, delivered_status, NULL
         FROM events WHERE id = ? AND delivered_ms IS NOT NULL`,
      ),
      forgetSuccess: db.prepare<[string]>(
        'UPDATE events SET delivered_status = NULL, delivered_ms = NULL WHERE id = ?',
      ),
      failed: db.prepare<[string, string, string]>(
        'UPDATE events SET status = ?, attempts = attempts + 1, last_error = ? WHERE id = ?',
      ),
      deleteOutbox: db.prepare<[string]>('DELETE FROM outbox WHERE event_id = ?'),
      reschedule: db.prepare<[number, string]>(
        'UPDATE outbox SET next_attempt_at = ?, lease_until = NULL, attempts = attempts + 1 WHERE event_id = ?',
      ),
      releaseLeases: db.prepare(
        'UPDATE outbox SET lease_until = NULL WHERE lease_until IS NOT NULL',
      ),
      // Waiting events leased by a run that is gone (or asked again later) are asked at once.
      releaseEnrichment: db.prepare(
        `UPDATE events SET enrich_next_at = 0 WHERE status = 'enriching' AND enrich_next_at > 0`,
      ),
      insertQuarantine: db.prepare(
        `INSERT INTO quarantine (id, received_at, route, content_type, http_status, code, message, issues, body, truncated)
         VALUES (@id, @receivedAt, @route, @contentType, @httpStatus, @code, @message, @issues, @body, @truncated)`,
      ),
      eventById: db.prepare<
        [string],
        EventRow & {
          normalized: string | null;
          content_type: string;
          raw_body: Buffer;
          forward_format: 'legacy' | 'normalized' | null;
          forward_body: Buffer | null;
          delivered_status: number | null;
          delivered_ms: number | null;
        }
      >(
        `SELECT ${SUMMARY_COLUMNS}, e.normalized, e.content_type, e.raw_body, e.forward_format,
           e.forward_body, e.delivered_status, e.delivered_ms
         FROM events e LEFT JOIN outbox o ON o.event_id = e.id WHERE e.id = ?`,
      ),
      attemptsOf: db.prepare<
        [string],
        { at: number; duration_ms: number; status_code: number | null; error: string | null }
      >(
        'SELECT at, duration_ms, status_code, error FROM delivery_attempts WHERE event_id = ? ORDER BY attempt',
      ),
      countByStatus: db.prepare<[], { status: EventStatus; n: number }>(
        'SELECT status, n FROM event_counts',
      ),
      prunable: db.prepare<[number, number], { id: string }>(
        `SELECT id FROM events WHERE status IN ('delivered', 'shadowed', 'informational', 'superseded')
           AND fallback_at IS NULL AND received_at < ? ORDER BY received_at LIMIT ?`,
      ),
      pruneLegacyPair: db.prepare<[string]>('DELETE FROM pairs WHERE legacy_id = ?'),
      pruneWorkflowsPair: db.prepare<[string]>('DELETE FROM pairs WHERE workflows_id = ?'),
      pruneAttempts: db.prepare<[string]>('DELETE FROM delivery_attempts WHERE event_id = ?'),
      pruneEvent: db.prepare<[string]>('DELETE FROM events WHERE id = ?'),
      pruneQuarantine: db.prepare<[number, number]>(
        `DELETE FROM quarantine WHERE seq IN
           (SELECT seq FROM quarantine WHERE received_at < ? ORDER BY received_at LIMIT ?)`,
      ),
      ping: db.prepare('SELECT 1'),
    };
  }

  /**
   * Opens (creating if needed) the SQLite file at `path` and brings its schema up to date.
   * A path that cannot be a store (its folder cannot be made, it is not a SQLite file, it is
   * missing with `mustExist`) throws StoreOpenError; a store newer than this code, or a
   * migration that fails, StoreUnavailableError.
   */
  static open(
    path: string,
    options: { busyTimeoutMs?: number; mustExist?: boolean } = {},
  ): SqliteStore {
    if (path !== ':memory:' && !options.mustExist) {
      try {
        makeFolder(dirname(path));
      } catch (cause) {
        throw new StoreOpenError(
          `${path}: cannot create its folder ${dirname(path)} (${(cause as NodeJS.ErrnoException).code ?? (cause as Error).message})`,
          { cause },
        );
      }
    }
    if (options.mustExist && !existsSync(path)) {
      throw new StoreOpenError(
        `${path} does not exist (the service creates it when it first starts)`,
      );
    }
    let db: Database.Database;
    try {
      db = new Database(path, { fileMustExist: options.mustExist === true });
      db.pragma('journal_mode = WAL');
      // FULL: a transaction is on disk before the webhook gets its 200, even across a power cut.
      db.pragma('synchronous = FULL');
      db.pragma(`busy_timeout = ${Math.trunc(options.busyTimeoutMs ?? 5000)}`);
    } catch (cause) {
      const code = (cause as { code?: string }).code;
      const why =
        code === 'SQLITE_NOTADB'
          ? 'is not a SQLite database'
          : code === 'SQLITE_CANTOPEN'
            ? 'cannot be opened (is it a folder, or not readable and writable?)'
            : `cannot be opened: ${(cause as Error).message}`;
      throw new StoreOpenError(`${path} ${why}`, { cause });
    }
    try {
      // Off while migrations rebuild tables (SQLite's documented way), on afterwards.
      db.pragma('foreign_keys = OFF');
      migrate(db);
      db.pragma('foreign_keys = ON');
    } catch (cause) {
      db.close();
      if (cause instanceof StoreUnavailableError) throw cause;
      throw new StoreUnavailableError(
        `store: cannot migrate ${path}: ${(cause as Error).message}`,
        {
          cause,
        },
      );
    }
    return new SqliteStore(db);
  }

  async accept(event: NewEvent, dedupWindowMs: number): Promise<AcceptResult> {
    const s = this.#statements;
    return this.#write((): AcceptResult => {
      const previous = s.findDuplicate.get(event.dedupKey, event.receivedAt - dedupWindowMs);
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
      let status: EventStatus;
      let note: string | null = null;
      if (earlier) {
        status = 'superseded';
        note = supersededNote(earlier);
      } else if (event.notForwarded) {
        status = event.notForwarded.status;
        note = event.notForwarded.note;
      } else if (event.enrich) {
        // A shadowed event is scored too, so the report compares its numbers.
        status = 'enriching';
      } else if (event.shadowed) {
        status = 'shadowed';
      } else if (event.forward === null) {
        throw new Error(`event ${event.id}: nothing to forward and no reason given`);
      } else {
        status = 'pending';
      }
      const forwarded = status === 'pending' || (status === 'enriching' && !event.shadowed);
      const ids = n ? n.ids : (event.ids ?? { customerId: null, interviewId: null });
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
        customerId: ids.customerId,
        interviewId: ids.interviewId,
        status,
        forwardFormat: event.forward?.format ?? null,
        forwardBody: body === null || body === event.rawBody ? null : body,
        fallbackAt: event.shadowed && status !== 'superseded' ? event.fallbackAt : null,
        legacyFields: JSON.stringify(event.legacyFields ?? []),
        eventName: event.eventName ?? null,
        note,
        enrichDeadline: status === 'enriching' ? (event.enrich?.deadline ?? null) : null,
        enrichWait:
          status === 'enriching' && event.enrich ? event.enrich.deadline - event.receivedAt : null,
        enrichNextAt: status === 'enriching' ? event.receivedAt : null,
        shadowed: event.shadowed ? 1 : 0,
      });
      const compared = status !== 'superseded' && status !== 'informational';
      if (compared && n && event.pairing && n.ids.customerId !== null) {
        this.#pair(
          { id: event.id, source: event.source, receivedAt: event.receivedAt, normalized: n },
          event.pairing,
        );
      }
      if (forwarded && body !== null) {
        // The fast path, where nothing of the same customer waits before it: leased to this
        // process's worker at once, so no poll reads it.
        const fast =
          status === 'pending' && event.fastPath && !s.inLine.get(event.orderKey)
            ? event.fastPath
            : null;
        s.insertOutbox.run(
          event.id,
          body,
          status === 'enriching' ? HELD : event.receivedAt,
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
    return this.#write(() =>
      s.claimEnrichment.all(now, limit).map((row) => {
        s.leaseEnrichment.run(now + leaseMs, row.id);
        return {
          eventId: row.id,
          route: row.route,
          receivedAt: row.received_at,
          rawBody: row.raw_body,
          interviewId: row.interview_id,
          deadline: row.enrich_deadline,
          attempts: row.enrich_attempts,
          lastError: row.enrich_error,
        };
      }),
    );
  }

  async completeEnrichment(
    eventId: string,
    completion: EnrichmentCompletion,
    now: number,
  ): Promise<EventStatus | null> {
    const s = this.#statements;
    return this.#write((): EventStatus | null => {
      const current = s.statusOf.get(eventId);
      if (current?.status !== 'enriching') return null;
      const shadowed = current.shadowed === 1;
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
      if ('status' in completion) {
        // A shadowed event was never to be forwarded: it stays shadowed, uncompared.
        const status = shadowed && completion.status === 'dead' ? 'shadowed' : completion.status;
        s.enriched.run({
          ...row,
          status,
          note: completion.status === 'informational' || shadowed ? completion.note : null,
          lastError: completion.status === 'dead' && !shadowed ? completion.note : null,
        });
        s.dropOutbox.run(eventId);
        return status;
      }
      const n = completion.normalized;
      const result = {
        ...row,
        normalized: JSON.stringify(n),
        resultStatus: n.status,
        reason: n.reason,
        customerId: n.ids.customerId,
        legacyFields: JSON.stringify(completion.legacyFields),
      };
      // An event that had no outcome until now (ONBOARDING_FINISHED) may find that the
      // callback got the same authentication meanwhile, from another webhook.
      const earlier = completion.supersededBy
        ? s.earlierResult.get({
            interviewId: completion.supersededBy.interviewId,
            routes: JSON.stringify(completion.supersededBy.routes),
            id: eventId,
            shadowed: current.shadowed,
          })
        : undefined;
      if (earlier) {
        s.enriched.run({ ...result, status: 'superseded', note: supersededNote(earlier) });
        s.dropOutbox.run(eventId);
        return 'superseded';
      }
      s.enriched.run({
        ...result,
        forwardFormat: completion.forward.format,
        forwardBody: completion.forward.body,
        status: shadowed ? 'shadowed' : 'pending',
      });
      if (!shadowed) {
        const held = s.heldOutbox.run(completion.forward.body, now, eventId);
        if (held.changes === 0) s.enqueue.run(now, eventId);
      }
      if (completion.pairing && n.ids.customerId !== null) {
        const event = {
          id: eventId,
          source: n.source,
          receivedAt: Date.parse(n.receivedAt),
          normalized: n,
        };
        this.#pair(event, completion.pairing);
      }
      return shadowed ? 'shadowed' : 'pending';
    });
  }

  async retryEnrichment(eventId: string, error: string, retryAt: number): Promise<void> {
    await this.#write(() => this.#statements.retryEnrichment.run(retryAt, error, eventId));
  }

  async quarantine(entry: QuarantineEntry): Promise<void> {
    await this.#write(() =>
      this.#statements.insertQuarantine.run({
        ...entry,
        issues: entry.issues ? JSON.stringify(entry.issues) : null,
        truncated: entry.truncated ? 1 : 0,
      }),
    );
  }

  async claimDue(now: number, limit: number, leaseMs: number): Promise<OutboxItem[]> {
    const s = this.#statements;
    return this.#write(() => {
      const rows = s.due.all({ now, limit });
      for (const row of rows) s.lease.run(now + leaseMs, row.event_id);
      return rows.map((row) => ({
        eventId: row.event_id,
        source: row.source,
        body: row.body,
        attempts: row.attempts,
      }));
    });
  }

  async releaseFresh(eventIds: readonly string[]): Promise<void> {
    const s = this.#statements;
    await this.#write(() => {
      for (const id of eventIds) s.releaseLease.run(id);
    });
  }

  async recordDelivered(eventId: string, attempt: AttemptRecord): Promise<void> {
    const s = this.#statements;
    return this.#write(() => {
      // No attempt row: the success is kept on the event row (see getEvent).
      s.delivered.run(
        attempt.at + attempt.durationMs,
        attempt.statusCode,
        attempt.durationMs,
        eventId,
      );
      s.deleteOutbox.run(eventId);
    });
  }

  async recordFailed(
    eventId: string,
    attempt: AttemptRecord,
    next: { retryAt: number } | 'dead',
  ): Promise<void> {
    const s = this.#statements;
    const lastError = attempt.error ?? `HTTP ${attempt.statusCode}`;
    return this.#write(() => {
      s.insertAttempt.run({ eventId, ...attempt });
      if (next === 'dead') {
        s.failed.run('dead', lastError, eventId);
        s.deleteOutbox.run(eventId);
      } else {
        s.failed.run('pending', lastError, eventId);
        s.reschedule.run(next.retryAt, eventId);
      }
    });
  }

  async releaseLeases(): Promise<number> {
    const s = this.#statements;
    return this.#run(() =>
      this.#db.transaction(
        () => s.releaseLeases.run().changes + s.releaseEnrichment.run().changes,
      )(),
    );
  }

  async replay(eventId: string, now: number): Promise<ReplayResult> {
    const s = this.#statements;
    return this.#run(() =>
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
    return this.#run(() =>
      this.#db.transaction(() => {
        const rows = s.idsWithStatus.all(status);
        for (const { id } of rows) this.#requeue(id, now);
        return rows.length;
      })(),
    );
  }

  async forwardFallbacks(now: number, rule: FallbackRule): Promise<string[]> {
    const s = this.#statements;
    return this.#run(() =>
      this.#db.transaction(() => {
        const forwarded: string[] = [];
        for (const event of s.dueFallbacks.all(now)) {
          const match = s.counterpart.get({
            customerId: event.customer_id,
            source: event.source === 'legacy' ? 'workflows' : 'legacy',
            interviewId: event.interview_id,
            from: event.received_at - rule.windowMs,
            to: event.received_at + rule.windowMs,
          });
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
    return this.#run(() => this.#statements.clearFallbacks.run().changes);
  }

  async comparisonData(
    from: number,
    to: number,
  ): Promise<{ events: ComparedEvent[]; pairs: StoredPair[] }> {
    const s = this.#statements;
    return this.#run(() => {
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
    pairing: NonNullable<NewEvent['pairing']>,
  ): void {
    const s = this.#statements;
    const n = event.normalized;
    const existing = s.pairOf.get(event.id, event.id);
    if (existing) {
      const otherId = event.source === 'legacy' ? existing.workflows_id : existing.legacy_id;
      const stored = s.normalizedOf.get(otherId)?.normalized;
      if (!stored) return;
      const other = JSON.parse(stored) as NormalizedResult;
      const [legacy, workflows] = event.source === 'legacy' ? [n, other] : [other, n];
      const diff = diffResults(legacy, workflows, pairing.comparison);
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
    const match = pickCounterpart(
      { id: event.id, customerId, interviewId: n.ids.interviewId, receivedAt: event.receivedAt },
      rows.map((r) => ({
        id: r.id,
        customerId: r.customer_id,
        interviewId: r.interview_id,
        receivedAt: r.received_at,
        normalized: r.normalized,
      })),
      pairing.windowMs,
    );
    if (!match) return;
    const other = JSON.parse(match.normalized) as NormalizedResult;
    const [legacy, workflows] = event.source === 'legacy' ? [n, other] : [other, n];
    const diff = diffResults(legacy, workflows, pairing.comparison);
    s.insertPair.run({
      legacyId: legacy.eventId,
      workflowsId: workflows.eventId,
      pairedAt: event.receivedAt,
      statusAgrees: diff.statusAgrees ? 1 : 0,
      reasonAgrees: diff.reasonAgrees ? 1 : 0,
      kind: diff.kind,
      differences: JSON.stringify(diff.differences),
    });
  }

  async getSetting(key: string): Promise<{ value: string; updatedAt: number } | undefined> {
    const row = this.#run(() => this.#statements.getSetting.get(key));
    return row ? { value: row.value, updatedAt: row.updated_at } : undefined;
  }

  async setSetting(key: string, value: string, now: number): Promise<void> {
    this.#run(() => this.#statements.setSetting.run(key, value, now));
  }

  async deleteSetting(key: string): Promise<void> {
    this.#run(() => this.#statements.deleteSetting.run(key));
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
    const rows = this.#run(() =>
      this.#db.prepare<unknown[], EventRow>(sql).all(...params, query.limit + 1),
    );
    return page(rows, query.limit, toSummary);
  }

  async getEvent(id: string): Promise<EventDetail | undefined> {
    const row = this.#run(() => this.#statements.eventById.get(id));
    if (!row) return undefined;
    const attempts = this.#run(() => this.#statements.attemptsOf.all(id));
    return {
      ...toSummary(row),
      normalized: row.normalized === null ? null : (JSON.parse(row.normalized) as NormalizedResult),
      contentType: row.content_type,
      rawBody: row.raw_body,
      callbackBody:
        row.forward_format === null
          ? null
          : { format: row.forward_format, body: row.forward_body ?? row.raw_body },
      attemptHistory: [
        ...attempts.map((a) => ({
          at: a.at,
          durationMs: a.duration_ms,
          statusCode: a.status_code,
          error: a.error,
        })),
        // The success that ended this round, kept on the event row.
        ...(row.delivered_ms !== null && row.delivered_at !== null
          ? [
              {
                at: row.delivered_at - row.delivered_ms,
                durationMs: row.delivered_ms,
                statusCode: row.delivered_status,
                error: null,
              },
            ]
          : []),
      ],
    };
  }

  async listQuarantine(query: {
    limit: number;
    before?: string | undefined;
  }): Promise<Page<QuarantineRecord>> {
    const before = query.before === undefined ? Number.MAX_SAFE_INTEGER : Number(query.before);
    const rows = this.#run(() =>
      this.#db
        .prepare<[number, number], QuarantineRow>(
          'SELECT * FROM quarantine WHERE seq < ? ORDER BY seq DESC LIMIT ?',
        )
        .all(Number.isSafeInteger(before) ? before : Number.MAX_SAFE_INTEGER, query.limit + 1),
    );
    return page(rows, query.limit, (row) => ({
      id: row.id,
      receivedAt: iso(row.received_at) as string,
      route: row.route,
      contentType: row.content_type,
      httpStatus: row.http_status,
      code: row.code,
      message: row.message,
      issues: row.issues ? (JSON.parse(row.issues) as QuarantineRecord['issues']) : null,
      body: row.body,
      truncated: row.truncated === 1,
    }));
  }

  async countByStatus(): Promise<Record<EventStatus, number>> {
    const counts = Object.fromEntries(EVENT_STATUSES.map((s) => [s, 0])) as Record<
      EventStatus,
      number
    >;
    for (const row of this.#run(() => this.#statements.countByStatus.all()))
      counts[row.status] = row.n;
    return counts;
  }

  async pruneDedupKeys(before: number, limit: number): Promise<number> {
    return this.#write(() => this.#statements.pruneDedupKeys.run(before, limit).changes);
  }

  async prune(before: number, limit: number): Promise<{ events: number; quarantine: number }> {
    const s = this.#statements;
    return this.#run(() =>
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
   * Reads; and after a failed write, writes: a store that can read but not write (disk full,
   * locked) is not ready, since a webhook could not be stored. The probe write is the same
   * group commit an accept uses, so its success is what clears the failure.
   */
  async ping(): Promise<void> {
    this.#run(() => this.#statements.ping.get());
    if (this.#writeFailed) {
      await this.#write(() => this.#statements.setSetting.run('ready_probe', 'ok', Date.now()));
    }
  }

  async close(): Promise<void> {
    // Writes already asked for are committed (or rejected) before the file is closed.
    if (this.#db.open) this.#flush();
    if (this.#db.open) this.#db.close();
  }

  /**
   * Group commit: writes asked for in the same turn of the event loop share one transaction,
   * so one fsync (synchronous=FULL) covers them all. Each runs in a savepoint of its own: one
   * that fails is rolled back and rejected alone. Every promise settles after the commit, so a
   * webhook is still answered only once its event is on disk.
   */
  #write<T>(work: () => T): Promise<T> {
    return new Promise<T>((resolve, reject) => {
      this.#queue.push({ work, resolve: resolve as (value: unknown) => void, reject });
      if (this.#queue.length === 1) setImmediate(() => this.#flush());
    });
  }

  #flush(): void {
    const batch = this.#queue.splice(0);
    if (batch.length === 0) return;
    const outcomes: ({ ok: true; value: unknown } | { ok: false; error: unknown })[] = [];
    try {
      this.#db.transaction(() => {
        for (const item of batch) {
          try {
            outcomes.push({ ok: true, value: this.#db.transaction(item.work)() });
          } catch (error) {
            // Disk full, I/O error: SQLite rolled back the whole transaction. Nothing of the
            // batch is stored, and nothing more may run outside it.
            if (!this.#db.inTransaction) throw error;
            outcomes.push({ ok: false, error });
          }
        }
      })();
    } catch (cause) {
      // The transaction itself failed (locked, disk full): nothing of the batch is stored.
      const error = this.#unavailable(cause);
      this.#writeFailed = cannotWrite(cause) || !this.#db.open;
      for (const item of batch) item.reject(error);
      return;
    }
    // An item that failed because the file would not take the write (locked, full, I/O) counts
    // as a failed write; one that broke a constraint does not.
    this.#writeFailed = outcomes.some((o) => !o.ok && cannotWrite(o.error));
    batch.forEach((item, i) => {
      const outcome = outcomes[i] as (typeof outcomes)[number];
      if (outcome.ok) item.resolve(outcome.value);
      else item.reject(this.#unavailable(outcome.error));
    });
  }

  /** SQLite's own failures become StoreUnavailableError; anything else is a bug, kept as is. */
  #unavailable(cause: unknown): unknown {
    if (cause instanceof Database.SqliteError || !this.#db.open) {
      return new StoreUnavailableError(`store: ${(cause as Error).message}`, { cause });
    }
    return cause;
  }

  /** Runs a statement; SQLite's own failures become StoreUnavailableError. */
  #run<T>(work: () => T): T {
    try {
      return work();
    } catch (cause) {
      if (cause instanceof Database.SqliteError || !this.#db.open) {
        throw new StoreUnavailableError(`store: ${(cause as Error).message}`, { cause });
      }
      throw cause;
    }
  }
}

/**
 * Creates `dir` and its missing parents, one level at a time (Node's recursive mkdir spins
 * forever on some paths, such as one under /proc, instead of failing).
 */
function makeFolder(dir: string): void {
  if (existsSync(dir)) {
    if (statSync(dir).isDirectory()) return;
    throw Object.assign(new Error(`${dir} is a file`), { code: `ENOTDIR: ${dir} is a file` });
  }
  const parent = dirname(dir);
  if (parent !== dir) makeFolder(parent);
  mkdirSync(dir);
}

/** SQLite's answers that say the file would not take a write now (as opposed to a bug). */
const CANNOT_WRITE = /^SQLITE_(BUSY|LOCKED|FULL|IOERR|READONLY|CANTOPEN|CORRUPT|NOTADB|PROTOCOL)/;

function cannotWrite(error: unknown): boolean {
  return error instanceof Database.SqliteError && CANNOT_WRITE.test(error.code);
}

interface ComparedRow {
  id: string;
  source: Source;
  received_at: number;
  result_status: NormalizedResult['status'];
  reason: string | null;
  customer_id: string | null;
  interview_id: string | null;
  status: EventStatus;
  delivered_at: number | null;
  legacy_fields: string | null;
  paired: number;
  enrichment: 'scored' | 'unavailable' | null;
}

const COMPARED_COLUMNS = `e.id, e.source, e.received_at, e.result_status, e.reason, e.customer_id,
  e.interview_id, e.status, e.delivered_at, e.legacy_fields, e.enrichment,
  EXISTS (SELECT 1 FROM pairs p WHERE p.legacy_id = e.id OR p.workflows_id = e.id) AS paired`;

function toCompared(row: ComparedRow): ComparedEvent {
  return {
    eventId: row.id,
    source: row.source,
    receivedAt: row.received_at,
    status: row.result_status,
    reason: row.reason,
    customerId: row.customer_id,
    interviewId: row.interview_id,
    delivery: row.status,
    deliveredAt: row.delivered_at,
    legacyFields: row.legacy_fields ? (JSON.parse(row.legacy_fields) as string[]) : [],
    paired: row.paired === 1,
    enrichment: row.enrichment,
  };
}

function migrate(db: Database.Database): void {
  const current = db.pragma('user_version', { simple: true }) as number;
  if (current > SQLITE_MIGRATIONS.length) {
    throw new StoreUnavailableError(
      `store: the database is at schema version ${current}, newer than this faceauth-shim (${SQLITE_MIGRATIONS.length})`,
    );
  }
  for (let version = current; version < SQLITE_MIGRATIONS.length; version++) {
    db.transaction(() => {
      db.exec(SQLITE_MIGRATIONS[version] as string);
      const broken = db.pragma('foreign_key_check') as unknown[];
      if (broken.length > 0) {
        throw new StoreUnavailableError(
          `store: migration to schema version ${version + 1} left ${broken.length} broken references`,
        );
      }
      db.pragma(`user_version = ${version + 1}`);
    })();
  }
}

function page<Row extends { seq: number }, T>(
  rows: Row[],
  limit: number,
  map: (row: Row) => T,
): Page<T> {
  const more = rows.length > limit;
  const kept = more ? rows.slice(0, limit) : rows;
  return { items: kept.map(map), next: more ? String(kept[kept.length - 1]?.seq) : null };
}

function toSummary(row: EventRow): EventSummary {
  return {
    id: row.id,
    source: row.source,
    route: row.route,
    receivedAt: iso(row.received_at) as string,
    status: row.status,
    event: row.event_name,
    result: {
      status: row.result_status,
      reason: row.reason,
      customerId: row.customer_id,
      interviewId: row.interview_id,
    },
    forwardFormat: row.forward_format,
    attempts: row.attempts,
    nextAttemptAt: row.status === 'pending' ? iso(row.next_attempt_at) : null,
    lastError: row.last_error,
    deliveredAt: iso(row.delivered_at),
    duplicates: row.duplicates,
    note: row.note,
    enrichment:
      row.status === 'enriching'
        ? {
            state: 'waiting',
            attempts: row.enrich_attempts,
            lastError: row.enrich_error,
            deadline: iso(row.enrich_deadline),
          }
        : row.enrichment === null
          ? null
          : {
              state: row.enrichment,
              attempts: row.enrich_attempts,
              lastError: row.enrich_error,
              deadline: null,
            },
  };
}
