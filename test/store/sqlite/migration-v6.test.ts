import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { afterEach, describe, expect, it } from 'vitest';
import { SQLITE_MIGRATIONS } from '../../../src/store/sqlite/migrations.js';
import { SqliteStore } from '../../../src/store/sqlite/sqlite-store.js';
import { newEvent, T0 } from '../../helpers/new-event.js';

// Schema 6 moved redelivery keys into a table of their own and a success onto the event row.
// A store written at schema 5 keeps what it knew: a redelivery of a stored body within the
// window is still a duplicate, and the attempts of delivered events are all still listed.

const DEDUP = 3_600_000;
const dirs: string[] = [];
afterEach(() => {
  for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
});

describe('schema 5 to 6', () => {
  it('keeps finding redeliveries of stored bodies, and keeps every attempt of delivered events', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'faceauth-v6-'));
    dirs.push(dir);
    const path = join(dir, 'v5.db');
    const db = new Database(path);
    db.pragma('journal_mode = WAL');
    db.pragma('foreign_keys = OFF');
    for (const migration of SQLITE_MIGRATIONS.slice(0, 5)) db.exec(migration);
    db.pragma('user_version = 5');
    // One delivered event at schema 5, with its success as an attempt row.
    const event = newEvent({ id: 'old-1', customerId: 'c1', receivedAt: T0 });
    db.prepare(
      `INSERT INTO events (id, source, route, received_at, dedup_key, content_type, raw_body,
         status, attempts, delivered_at)
       VALUES (?, 'legacy', ?, ?, ?, 'application/json', ?, 'delivered', 1, ?)`,
    ).run(event.id, event.route, T0, event.dedupKey, Buffer.from(event.rawBody), T0 + 50);
    db.prepare(
      `INSERT INTO delivery_attempts (event_id, attempt, at, duration_ms, status_code, error)
       VALUES ('old-1', 1, ?, 50, 200, NULL)`,
    ).run(T0);
    db.close();

    const store = SqliteStore.open(path);
    try {
      const again = await store.accept({ ...event, id: 'new-1', receivedAt: T0 + 1_000 }, DEDUP);
      expect(again).toMatchObject({ duplicate: true, eventId: 'old-1' });
      expect((await store.getEvent('old-1'))?.attemptHistory).toEqual([
        { at: T0, durationMs: 50, statusCode: 200, error: null },
      ]);
    } finally {
      await store.close();
    }
  });
});

describe('a success at schema 6', () => {
  it('is kept on the event row, listed as the last attempt, and becomes a row when the event is replayed', async () => {
    const store = SqliteStore.open(':memory:');
    await store.accept(newEvent({ id: 'e1' }), DEDUP);
    await store.claimDue(T0 + 10, 10, 30_000);
    await store.recordFailed(
      'e1',
      { at: T0 + 10, durationMs: 5, statusCode: 503, error: null },
      {
        retryAt: T0 + 20,
      },
    );
    await store.claimDue(T0 + 40_000, 10, 30_000);
    await store.recordDelivered('e1', {
      at: T0 + 40_000,
      durationMs: 7,
      statusCode: 204,
      error: null,
    });
    const first = [
      { at: T0 + 10, durationMs: 5, statusCode: 503, error: null },
      { at: T0 + 40_000, durationMs: 7, statusCode: 204, error: null },
    ];
    expect((await store.getEvent('e1'))?.attemptHistory).toEqual(first);
    expect(await store.replay('e1', T0 + 50_000)).toBe('replayed');
    await store.claimDue(T0 + 50_000, 10, 30_000);
    await store.recordDelivered('e1', {
      at: T0 + 50_000,
      durationMs: 3,
      statusCode: 200,
      error: null,
    });
    expect((await store.getEvent('e1'))?.attemptHistory).toEqual([
      ...first,
      { at: T0 + 50_000, durationMs: 3, statusCode: 200, error: null },
    ]);
  });
});
