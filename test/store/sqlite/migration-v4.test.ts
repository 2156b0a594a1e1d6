import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { afterAll, afterEach, describe, expect, it, vi } from 'vitest';
import { emptyResult, type NormalizedResult } from '../../../src/normalize/normalized-schema.js';
import { SQLITE_MIGRATIONS } from '../../../src/store/sqlite/migrations.js';
import { SqliteStore } from '../../../src/store/sqlite/sqlite-store.js';
import { newEvent, ROUTES, T0 } from '../../helpers/new-event.js';

// Schema version 4 rebuilds the events table (normalized and result_status may be null
// now). A store written at version 3, with its outbox, delivery attempts and pairs pointing
// at events, must come through with every row, every seq and every reference intact.

const dir = mkdtempSync(join(tmpdir(), 'faceauth-migration-v4-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
let files = 0;
const tempFile = () => join(dir, `v3-${++files}.db`);

const closers: (() => Promise<void> | void)[] = [];
afterEach(async () => {
  for (const close of closers.splice(0).reverse()) await close();
  vi.restoreAllMocks();
});

interface V3Event {
  seq: number;
  id: string;
  source: 'legacy' | 'workflows';
  status: 'pending' | 'delivered' | 'dead' | 'shadowed';
  customerId: string;
  interviewId: string | null;
  resultStatus: 'PASS' | 'FAIL';
  reason: string | null;
  forwardBody: string | null;
  fallbackAt: number | null;
  legacyFields: string;
  attempts: number;
  lastError: string | null;
  deliveredAt: number | null;
  duplicates: number;
}

// Seqs with gaps, as a file with history has them.
const EVENTS: V3Event[] = [
  {
    seq: 3,
    id: 'v3-legacy-delivered',
    source: 'legacy',
    status: 'delivered',
    customerId: 'customer-1',
    interviewId: 'interview-1',
    resultStatus: 'PASS',
    reason: null,
    forwardBody: null,
    fallbackAt: null,
    legacyFields: '["transactionId","overallScore"]',
    attempts: 2,
    lastError: null,
    deliveredAt: T0 + 5_000,
    duplicates: 1,
  },
  {
    seq: 7,
    id: 'v3-workflows-shadowed',
    source: 'workflows',
    status: 'shadowed',
    customerId: 'customer-1',
    interviewId: 'interview-1',
    resultStatus: 'PASS',
    reason: null,
    forwardBody: '{"customerId":"customer-1","overallStatus":"PASS","faceMatch":true}',
    fallbackAt: T0 + 3_600_000,
    legacyFields: '[]',
    attempts: 0,
    lastError: null,
    deliveredAt: null,
    duplicates: 0,
  },
  {
    seq: 8,
    id: 'v3-legacy-pending',
    source: 'legacy',
    status: 'pending',
    customerId: 'customer-2',
    interviewId: null,
    resultStatus: 'FAIL',
    reason: 'SPOOF_DETECTED',
    forwardBody: null,
    fallbackAt: null,
    legacyFields: '["errorCode"]',
    attempts: 1,
    lastError: 'HTTP 503',
    deliveredAt: null,
    duplicates: 0,
  },
  {
    seq: 12,
    id: 'v3-workflows-dead',
    source: 'workflows',
    status: 'dead',
    customerId: 'customer-3',
    interviewId: 'interview-3',
    resultStatus: 'FAIL',
    reason: 'USER_IS_NOT_RECOGNIZED',
    forwardBody: '{"customerId":"customer-3","overallStatus":"FAIL","overallScore":0}',
    fallbackAt: null,
    legacyFields: '[]',
    attempts: 3,
    lastError: 'HTTP 410',
    deliveredAt: null,
    duplicates: 0,
  },
];

const receivedAt = (e: V3Event) => T0 + e.seq * 1_000;
const rawBody = (e: V3Event) =>
  Buffer.from(
    JSON.stringify({
      customerId: e.customerId,
      interviewId: e.interviewId,
      overallStatus: e.resultStatus,
    }),
  );

function normalizedOf(e: V3Event): NormalizedResult {
  const n = emptyResult({
    eventId: e.id,
    receivedAt: new Date(receivedAt(e)).toISOString(),
    source: e.source,
    status: e.resultStatus,
  });
  n.ids.customerId = e.customerId;
  n.ids.interviewId = e.interviewId;
  n.reason = e.reason as NormalizedResult['reason'];
  return n;
}

const ATTEMPTS = [
  ['v3-legacy-delivered', 1, T0 + 3_100, 40, 500, null],
  ['v3-legacy-delivered', 2, T0 + 5_000, 12, 200, null],
  ['v3-legacy-pending', 1, T0 + 8_100, 10_000, null, 'timed out after 10000 ms'],
  ['v3-workflows-dead', 1, T0 + 12_100, 30, 500, null],
  ['v3-workflows-dead', 2, T0 + 13_000, 30, 502, null],
  ['v3-workflows-dead', 3, T0 + 14_000, 30, 410, null],
] as const;

/** A file at schema version 3, as faceauth-shim wrote it before the session webhooks. */
function writeV3(path: string): void {
  const db = new Database(path);
  try {
    db.pragma('journal_mode = WAL');
    for (const migration of SQLITE_MIGRATIONS.slice(0, 3)) db.exec(migration);
    db.pragma('user_version = 3');
    const insertEvent = db.prepare(
      `INSERT INTO events (seq, id, source, route, received_at, dedup_key, content_type, raw_body,
         normalized, result_status, reason, customer_id, interview_id, status, forward_format,
         attempts, last_error, delivered_at, duplicates, forward_body, fallback_at, legacy_fields)
       VALUES (@seq, @id, @source, @route, @receivedAt, @dedupKey, 'application/json', @rawBody,
         @normalized, @resultStatus, @reason, @customerId, @interviewId, @status, 'legacy',
         @attempts, @lastError, @deliveredAt, @duplicates, @forwardBody, @fallbackAt, @legacyFields)`,
    );
    for (const e of EVENTS) {
      insertEvent.run({
        ...e,
        route: ROUTES[e.source],
        receivedAt: receivedAt(e),
        dedupKey: `dedup-${e.id}`,
        rawBody: rawBody(e),
        normalized: JSON.stringify(normalizedOf(e)),
        forwardBody: e.forwardBody === null ? null : Buffer.from(e.forwardBody),
      });
    }
    db.prepare(
      `INSERT INTO outbox (event_id, body, next_attempt_at, lease_until, seq, order_key, attempts)
       VALUES (?, ?, ?, NULL, ?, ?, ?)`,
    ).run('v3-legacy-pending', rawBody(EVENTS[2] as V3Event), T0 + 60_000, 8, 'customer-2', 1);
    const insertAttempt = db.prepare(
      `INSERT INTO delivery_attempts (event_id, attempt, at, duration_ms, status_code, error)
       VALUES (?, ?, ?, ?, ?, ?)`,
    );
    for (const row of ATTEMPTS) insertAttempt.run(...row);
    db.prepare(
      `INSERT INTO pairs (legacy_id, workflows_id, paired_at, status_agrees, reason_agrees, kind, differences)
       VALUES (?, ?, ?, 1, 1, NULL, '[]')`,
    ).run('v3-legacy-delivered', 'v3-workflows-shadowed', T0 + 7_000);
    db.prepare(
      `INSERT INTO settings (key, value, updated_at) VALUES ('forward_source', 'workflows', ?)`,
    ).run(T0);
    db.prepare(
      `INSERT INTO quarantine (id, received_at, route, content_type, http_status, code, message, issues, body, truncated)
       VALUES ('q-1', ?, ?, 'text/plain', 415, 'unsupported_media_type', 'not JSON', NULL, ?, 0)`,
    ).run(T0, ROUTES.legacy, Buffer.from('hello'));
  } finally {
    db.close();
  }
}

type Row = Record<string, unknown>;

function snapshot(path: string) {
  const db = new Database(path, { readonly: true });
  try {
    return {
      events: db.prepare('SELECT * FROM events ORDER BY seq').all() as Row[],
      outbox: db.prepare('SELECT * FROM outbox ORDER BY event_id').all() as Row[],
      attempts: db
        .prepare('SELECT * FROM delivery_attempts ORDER BY event_id, attempt')
        .all() as Row[],
      pairs: db.prepare('SELECT * FROM pairs ORDER BY legacy_id').all() as Row[],
      settings: db.prepare('SELECT * FROM settings ORDER BY key').all() as Row[],
      quarantine: db.prepare('SELECT * FROM quarantine ORDER BY seq').all() as Row[],
    };
  } finally {
    db.close();
  }
}

/** Opens the store, and hands back the connection it opened (to read its pragmas). */
function openStore(path: string): { store: SqliteStore; connection: Database.Database } {
  const spy = vi.spyOn(Database.prototype, 'pragma');
  const store = SqliteStore.open(path);
  const connection = spy.mock.contexts[0] as Database.Database;
  spy.mockRestore();
  closers.push(() => store.close());
  return { store, connection };
}

const V4_COLUMNS = [
  'event_name',
  'note',
  'enrichment',
  'enrich_deadline',
  'enrich_next_at',
  'enrich_error',
];

describe('migration from schema version 3', () => {
  it('keeps every event, outbox entry, attempt and pair with the same seq and ids', async () => {
    const path = tempFile();
    writeV3(path);
    const before = snapshot(path);
    expect(before.events.map((e) => e.seq)).toEqual([3, 7, 8, 12]);

    const { store, connection } = openStore(path);
    expect(connection.pragma('user_version', { simple: true })).toBe(SQLITE_MIGRATIONS.length);
    expect(connection.pragma('foreign_keys', { simple: true })).toBe(1);
    expect(connection.pragma('foreign_key_check')).toEqual([]);

    const after = snapshot(path);
    // Every v3 column of every event, unchanged.
    expect(after.events).toHaveLength(before.events.length);
    for (const [i, old] of before.events.entries()) {
      const now = after.events[i] as Row;
      for (const [column, value] of Object.entries(old)) {
        expect({ id: old.id, column, value: now[column] }).toEqual({ id: old.id, column, value });
      }
      for (const column of V4_COLUMNS) expect(now[column]).toBeNull();
      expect(now.enrich_attempts).toBe(0);
      expect(now.shadowed).toBe(old.status === 'shadowed' ? 1 : 0);
    }
    // Schema 8 marks the entries waiting behind an earlier one of their customer; schema 10
    // holds no line yet (no attempt failed since).
    expect(after.outbox).toEqual(
      (before.outbox as Record<string, unknown>[]).map((o) => ({
        ...o,
        blocked: expect.any(Number),
        hold_until: null,
      })),
    );
    expect(after.attempts).toEqual(before.attempts);
    // Schema 7 adds the customer's cut-over bucket to each pair; schema 9 when the login began
    // (its first report) and which report was sent (the legacy one, delivered, here).
    expect(after.pairs).toEqual(
      (before.pairs as Record<string, unknown>[]).map((p) => ({
        ...p,
        bucket: expect.any(Number),
        first_at: expect.any(Number),
        forwarded: 'legacy',
      })),
    );
    expect(after.settings).toEqual(before.settings);
    expect(after.quarantine).toEqual(
      (before.quarantine as Record<string, unknown>[]).map((q) => ({
        ...q,
        reingested_event_id: null,
        reingested_at: null,
      })),
    );

    // Through the store: the results, histories, the pair and the waiting outbox entry.
    for (const e of EVENTS) {
      const event = await store.getEvent(e.id);
      expect(event).toMatchObject({
        id: e.id,
        status: e.status,
        event: null,
        note: null,
        enrichment: null,
        attempts: e.attempts,
        lastError: e.lastError,
        result: {
          status: e.resultStatus,
          reason: e.reason,
          customerId: e.customerId,
          interviewId: e.interviewId,
        },
      });
      expect(event?.normalized).toEqual(normalizedOf(e));
      expect(event?.attemptHistory).toHaveLength(ATTEMPTS.filter(([id]) => id === e.id).length);
    }
    const page = await store.listEvents({ limit: 1 });
    expect(page.items.map((e) => e.id)).toEqual(['v3-workflows-dead']);
    expect(page.next).toBe('12');
    const data = await store.comparisonData(T0, T0 + 3_600_000);
    expect(data.pairs).toHaveLength(1);
    expect(data.pairs[0]?.legacy.eventId).toBe('v3-legacy-delivered');
    expect(data.pairs[0]?.workflows.eventId).toBe('v3-workflows-shadowed');
    expect(await store.countByStatus()).toMatchObject({
      pending: 1,
      delivered: 1,
      dead: 1,
      shadowed: 1,
      enriching: 0,
      informational: 0,
      superseded: 0,
    });
    const [due] = await store.claimDue(T0 + 60_000, 10, 3_600_000);
    expect(due).toMatchObject({ eventId: 'v3-legacy-pending', source: 'legacy', attempts: 1 });
    expect(Buffer.from(due?.body ?? []).equals(rawBody(EVENTS[2] as V3Event))).toBe(true);
    // The replay of a dead event uses the body it was rendered with.
    expect(await store.replay('v3-workflows-dead', T0 + 120_000)).toBe('replayed');
    const [replayed] = await store.claimDue(T0 + 120_000, 10, 30_000);
    expect(replayed?.eventId).toBe('v3-workflows-dead');
    expect(Buffer.from(replayed?.body ?? []).toString('utf8')).toBe(EVENTS[3]?.forwardBody);
  });

  it('accepts a new event after it, with a seq past every old one', async () => {
    const path = tempFile();
    writeV3(path);
    const { store } = openStore(path);
    const event = newEvent({ id: 'after-migration', customerId: 'customer-9', receivedAt: T0 });
    expect(await store.accept(event, 3_600_000)).toEqual({
      eventId: 'after-migration',
      duplicate: false,
      status: 'pending',
    });
    const page = await store.listEvents({ limit: 1 });
    expect(page.items[0]?.id).toBe('after-migration');
    expect(Number(page.next)).toBeGreaterThan(12);
    const claimed = await store.claimDue(T0 + 60_000, 10, 30_000);
    expect(claimed.map((c) => c.eventId).sort()).toEqual(['after-migration', 'v3-legacy-pending']);
    // And an event with no normalized result, which version 3 could not hold.
    expect(
      await store.accept(
        {
          ...newEvent({ id: 'informational', customerId: 'customer-9', receivedAt: T0 + 1 }),
          route: '/webhooks/workflows/session',
          source: 'workflows',
          normalized: null,
          ids: { customerId: 'customer-9', interviewId: 'interview-9' },
          eventName: 'SESSION_STARTED',
          forward: null,
          notForwarded: { status: 'informational', note: 'says nothing' },
        },
        3_600_000,
      ),
    ).toMatchObject({ status: 'informational' });
    expect((await store.getEvent('informational'))?.result.status).toBeNull();
  });

  it('leaves the foreign keys pointing at the rebuilt events table, and enforced', () => {
    const path = tempFile();
    writeV3(path);
    openStore(path);
    const db = new Database(path);
    closers.push(() => {
      db.close();
    });
    db.pragma('foreign_keys = ON');
    const targets = (table: string) =>
      (db.pragma(`foreign_key_list(${table})`) as { table: string }[]).map((fk) => fk.table);
    expect(targets('outbox')).toEqual(['events']);
    expect(targets('delivery_attempts')).toEqual(['events']);
    expect(targets('pairs')).toEqual(['events', 'events']);
    expect(db.pragma('foreign_key_check')).toEqual([]);
    expect(() =>
      db
        .prepare(
          `INSERT INTO outbox (event_id, body, next_attempt_at, seq, order_key) VALUES ('nope', x'00', 0, 99, 'x')`,
        )
        .run(),
    ).toThrow(/FOREIGN KEY/);
    expect(() => db.prepare(`DELETE FROM events WHERE id = 'v3-legacy-pending'`).run()).toThrow(
      /FOREIGN KEY/,
    );
    const indexes = (
      db
        .prepare(`SELECT name FROM sqlite_master WHERE type = 'index' AND tbl_name = 'events'`)
        .all() as { name: string }[]
    ).map((r) => r.name);
    expect(indexes).toEqual(
      expect.arrayContaining([
        'events_status',
        'events_fallback',
        'events_counterpart',
        'events_received',
        'events_interview',
        'events_enriching',
      ]),
    );
    // Schema 6 dropped these: redeliveries are found in dedup_keys, the source filter scans.
    expect(indexes).not.toContain('events_dedup');
    expect(indexes).not.toContain('events_source');
    expect(
      db.prepare(`SELECT count(*) AS n FROM sqlite_master WHERE name = 'events_v4'`).get(),
    ).toEqual({ n: 0 });
  });

  it('a second open changes nothing', async () => {
    const path = tempFile();
    writeV3(path);
    const first = openStore(path);
    await first.store.close();
    const once = snapshot(path);
    openStore(path);
    expect(snapshot(path)).toEqual(once);
  });
});
