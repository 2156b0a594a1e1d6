import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { afterEach, expect, it } from 'vitest';
import { bucketOf } from '../../../src/store/rules/bucket.js';
import { SQLITE_MIGRATIONS } from '../../../src/store/sqlite/migrations.js';
import { SqliteStore } from '../../../src/store/sqlite/sqlite-store.js';
import { T0 } from '../../helpers/new-event.js';

// Schema 10 (order holds, cancels, re-ingest) on a store written at schema 9: a customer's line
// left waiting behind a failing entry keeps its order, holds from the first failure after the
// upgrade, and steps out through the new trigger; a cancelled event is prunable.

const dirs: string[] = [];
afterEach(() => {
  for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
});

it('a line left at schema 9 is held and released at schema 10, and its next entry goes ahead', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'faceauth-v10-'));
  dirs.push(dir);
  const path = join(dir, 'v9.db');
  const db = new Database(path);
  db.pragma('journal_mode = WAL');
  db.pragma('foreign_keys = OFF');
  db.function('faceauth_bucket', { deterministic: true }, (id: unknown) =>
    typeof id === 'string' ? bucketOf(id) : null,
  );
  for (const migration of SQLITE_MIGRATIONS.slice(0, 9)) db.exec(migration);
  db.pragma('user_version = 9');
  const event = db.prepare(
    `INSERT INTO events (id, source, route, received_at, dedup_key, content_type, raw_body,
       customer_id, status, attempts, last_error)
     VALUES (?, 'legacy', '/webhooks/legacy/authentication', ?, ?, 'application/json', x'7b7d', 'P',
       'pending', ?, ?)`,
  );
  const entry = db.prepare(
    `INSERT INTO outbox (event_id, body, next_attempt_at, seq, order_key, attempts)
     SELECT id, raw_body, ?, seq, 'P', attempts FROM events WHERE id = ?`,
  );
  event.run('p1', T0, 'k1', 1, 'HTTP 400');
  event.run('p2', T0 + 1, 'k2', 0, null);
  entry.run(T0 + 60_000, 'p1');
  entry.run(T0 + 1, 'p2');
  db.close();

  const store = SqliteStore.open(path);
  try {
    // p2 still waits behind p1, which holds nothing until it fails again.
    expect(await store.claimDue(T0 + 30_000, 10, 30_000)).toEqual([]);
    expect(await store.releaseHolds(T0 + 30_000)).toEqual([]);
    const [p1] = await store.claimDue(T0 + 60_000, 10, 30_000);
    expect(p1?.eventId).toBe('p1');
    await store.recordFailed(
      'p1',
      { at: T0 + 60_000, durationMs: 5, statusCode: 400, error: null },
      { retryAt: T0 + 3_600_000, holdUntil: T0 + 360_000 },
    );
    expect(await store.releaseHolds(T0 + 360_000)).toMatchObject([
      { eventId: 'p1', customerId: 'P', waiting: 1 },
    ]);
    expect((await store.claimDue(T0 + 360_000, 10, 30_000)).map((i) => i.eventId)).toEqual(['p2']);
    expect(await store.cancel('p1', T0 + 360_001)).toBe('cancelled');
    expect(await store.prune(T0 + 3_600_000, 10)).toMatchObject({ events: 1 });
  } finally {
    await store.close();
  }
});
