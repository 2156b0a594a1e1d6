import Database from 'better-sqlite3';
import { describe, expect, it } from 'vitest';
import type { EventQuery } from '../../src/store/admin-types.js';
import { migrate as migratePostgres } from '../../src/store/postgres/migrations.js';
import { listEventsQuery as postgresQuery } from '../../src/store/postgres/sql/list-events.js';
import { bucketOf } from '../../src/store/rules/bucket.js';
import { migrate as migrateSqlite } from '../../src/store/sqlite/migrations.js';
import { listEventsQuery as sqliteQuery } from '../../src/store/sqlite/sql/list-events.js';
import { describePostgres, freshSchema } from '../helpers/postgres.js';

// Finding a login is index-backed on both stores: the statement GET /admin/events runs (the
// same function the store calls) is planned through the index of the filter, never a scan of
// every event. SQLite's plan does not depend on the data; PostgreSQL's is read on 20,000 events
// with fresh statistics.

const T0 = Date.parse('2026-11-25T12:00:00Z');
const QUERIES: [string, EventQuery, RegExp][] = [
  ['a customer', { customerId: 'c-17', limit: 50 }, /events_counterpart/],
  [
    'a customer and a status',
    { customerId: 'c-17', status: 'dead', limit: 50 },
    /events_counterpart/,
  ],
  [
    'a customer in a range',
    { customerId: 'c-17', from: T0, to: T0 + 3_600_000, limit: 50 },
    /events_counterpart/,
  ],
  ['an interview', { interviewId: 'i-123', limit: 50 }, /events_interview/],
  // events_population also leads with the arrival time (the guard's index): either will do.
  ['a range', { from: T0 + 1_000, to: T0 + 2_000, limit: 50 }, /events_received|events_population/],
];

describe('the admin list on SQLite', () => {
  it.each(QUERIES)('%s is read through its index', (_name, query, index) => {
    const db = new Database(':memory:');
    db.function('faceauth_bucket', (id: unknown) => (typeof id === 'string' ? bucketOf(id) : null));
    migrateSqlite(db);
    const { sql, params } = sqliteQuery(query);
    const plan = db
      .prepare<unknown[], { detail: string }>(`EXPLAIN QUERY PLAN ${sql}`)
      .all(...params)
      .map((row) => row.detail);
    const events = plan.filter((d) => / e\b| e /.test(` ${d} `) || d.includes('events'));
    expect(plan.join('\n')).toMatch(index);
    // No line reads every event.
    expect(events.filter((d) => /^SCAN e\b/.test(d))).toEqual([]);
    db.close();
  });
});

describePostgres('the admin list on PostgreSQL', () => {
  it('each filter is read through its index', async () => {
    const schema = await freshSchema();
    const driver = schema.driver();
    await migratePostgres(driver);
    await driver.query(
      `INSERT INTO events (id, source, route, received_at, dedup_key, content_type, raw_body,
         customer_id, interview_id, status)
       SELECT 'e-' || n, 'legacy', '/r', $1::bigint + n * 1000, 'k-' || n, 'application/json', '\\x7b7d',
         'c-' || (n % 2000), 'i-' || n, CASE WHEN n % 10 = 0 THEN 'dead' ELSE 'delivered' END
       FROM generate_series(1, 20000) AS n`,
      [T0],
    );
    await driver.query('ANALYZE events');
    for (const [name, query, index] of QUERIES) {
      const { sql, params } = postgresQuery(query);
      const { rows } = await driver.query<{ 'QUERY PLAN': string }>(`EXPLAIN ${sql}`, params);
      const plan = rows.map((r) => r['QUERY PLAN']).join('\n');
      expect(plan, name).toMatch(index);
      expect(plan, name).not.toMatch(/Seq Scan on events/);
    }
  });
});
