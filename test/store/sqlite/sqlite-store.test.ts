import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { emptyResult } from '../../../src/normalize/normalized-schema.js';
import { StoreUnavailableError } from '../../../src/store/errors.js';
import { SQLITE_MIGRATIONS } from '../../../src/store/sqlite/migrations.js';
import { SqliteStore } from '../../../src/store/sqlite/sqlite-store.js';
import { newEvent, ROUTES, T0 } from '../../helpers/new-event.js';
import { attempt, DEDUP, HOUR, LEASE, text } from '../conformance/helpers.js';

// What only the SQLite store has: a file reopened, its schema versions, another connection
// holding the write lock. What every store must do is in conformance/ (sqlite-conformance.test.ts).

const dir = mkdtempSync(join(tmpdir(), 'faceauth-store-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
let files = 0;
const tempFile = () => join(dir, `store-${++files}.db`);

const opened: SqliteStore[] = [];
afterEach(async () => {
  for (const store of opened.splice(0)) await store.close();
});
function open(path: string, options?: { busyTimeoutMs?: number }): SqliteStore {
  const store = SqliteStore.open(path, options);
  opened.push(store);
  return store;
}

describe('SqliteStore: settings', () => {
  it('survive closing and opening the file again', async () => {
    const path = tempFile();
    const first = SqliteStore.open(path);
    await first.setSetting('forward_source', 'workflows', T0);
    await first.close();
    const second = open(path);
    expect(await second.getSetting('forward_source')).toEqual({
      value: 'workflows',
      updatedAt: T0,
    });
  });
});

describe('SqliteStore: schema versions', () => {
  it('brings a store written by the first schema up to date, keeping its outbox', async () => {
    const path = tempFile();
    const old = new Database(path);
    try {
      old.exec(SQLITE_MIGRATIONS[0] as string);
      old.pragma('user_version = 1');
      const normalized = emptyResult({
        eventId: 'v1-event',
        receivedAt: new Date(T0).toISOString(),
        source: 'legacy',
        status: 'PASS',
      });
      normalized.ids.customerId = 'c-old';
      const raw = Buffer.from('{"customerId":"c-old","overallStatus":"PASS"}');
      old
        .prepare(
          `INSERT INTO events (id, source, route, received_at, dedup_key, content_type, raw_body,
             normalized, result_status, reason, customer_id, interview_id, status, forward_format, attempts)
           VALUES ('v1-event', 'legacy', ?, ?, 'k1', 'application/json', ?, ?, 'PASS', NULL,
             'c-old', NULL, 'pending', 'legacy', 2)`,
        )
        .run(ROUTES.legacy, T0, raw, JSON.stringify(normalized));
      old
        .prepare(
          'INSERT INTO outbox (event_id, body, next_attempt_at, lease_until) VALUES (?, ?, ?, NULL)',
        )
        .run('v1-event', raw, T0);
    } finally {
      old.close();
    }

    const store = open(path);
    const check = new Database(path, { readonly: true });
    try {
      expect(check.pragma('user_version', { simple: true })).toBe(SQLITE_MIGRATIONS.length);
    } finally {
      check.close();
    }
    const [item] = await store.claimDue(T0, 10, LEASE);
    expect(item).toMatchObject({ eventId: 'v1-event', source: 'legacy', attempts: 2 });
    expect(text(item?.body)).toBe('{"customerId":"c-old","overallStatus":"PASS"}');
    // The new schema works on the migrated file: settings, delivery, replay.
    await store.setSetting('forward_source', 'workflows', T0);
    expect((await store.getSetting('forward_source'))?.value).toBe('workflows');
    await store.recordFailed('v1-event', attempt({ statusCode: 410 }), 'dead');
    expect(await store.replay('v1-event', T0 + HOUR)).toBe('replayed');
    const [again] = await store.claimDue(T0 + HOUR, 10, LEASE);
    expect(text(again?.body)).toBe('{"customerId":"c-old","overallStatus":"PASS"}');
    expect((await store.getEvent('v1-event'))?.attemptHistory).toHaveLength(1);
  });

  it('opening a store twice leaves its schema as it is', async () => {
    const path = tempFile();
    const first = SqliteStore.open(path);
    await first.accept(newEvent({ id: 'e1' }), DEDUP);
    await first.close();
    const second = open(path);
    expect((await second.getEvent('e1'))?.status).toBe('pending');
  });

  it('refuses a store written by a newer version', () => {
    const path = tempFile();
    const newer = new Database(path);
    newer.pragma(`user_version = ${SQLITE_MIGRATIONS.length + 1}`);
    newer.close();
    expect(() => open(path)).toThrow(StoreUnavailableError);
  });
});

describe('SqliteStore: a store that cannot write', () => {
  it('accept rejects with StoreUnavailableError while another connection holds the write lock', async () => {
    const path = tempFile();
    const store = open(path, { busyTimeoutMs: 50 });
    const locker = new Database(path);
    try {
      locker.exec('BEGIN EXCLUSIVE');
      await expect(store.accept(newEvent({ id: 'e1' }), DEDUP)).rejects.toBeInstanceOf(
        StoreUnavailableError,
      );
    } finally {
      if (locker.inTransaction) locker.exec('ROLLBACK');
      locker.close();
    }
    // Nothing half-written; the store works again once the lock is gone.
    expect(await store.getEvent('e1')).toBeUndefined();
    expect(await store.accept(newEvent({ id: 'e1' }), DEDUP)).toEqual({
      eventId: 'e1',
      duplicate: false,
      status: 'pending',
    });
  });
});
