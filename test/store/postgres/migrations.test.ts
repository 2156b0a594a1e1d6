import { expect, it } from 'vitest';
import { PostgresConfigError } from '../../../src/store/postgres/errors.js';
import {
  BUCKET_SQL,
  COUNT_SLOTS,
  migrate,
  POSTGRES_MIGRATIONS,
  POSTGRES_SCHEMA_VERSION,
} from '../../../src/store/postgres/migrations.js';
import { bucketOf } from '../../../src/store/rules/bucket.js';
import { SQLITE_MIGRATIONS } from '../../../src/store/sqlite/migrations.js';
import { describePostgres, freshSchema } from '../../helpers/postgres.js';

/** Every version, and the newest. */
const ALL = POSTGRES_MIGRATIONS.map((m) => m.version);
const NEWEST = POSTGRES_SCHEMA_VERSION;

it('the PostgreSQL schema has the version of the SQLite one', () => {
  expect(POSTGRES_SCHEMA_VERSION).toBe(SQLITE_MIGRATIONS.length);
  expect(ALL).toEqual([6, 7, 8, 9, 10]);
});

async function tables(driver: ReturnType<Awaited<ReturnType<typeof freshSchema>>['driver']>) {
  const { rows } = await driver.query<{ name: string }>(
    `SELECT table_name AS name FROM information_schema.tables
     WHERE table_schema = current_schema() ORDER BY table_name`,
  );
  return rows.map((row) => row.name);
}

describePostgres('PostgreSQL migrations', () => {
  it('apply to a fresh schema once; a second run finds nothing to do', async () => {
    const schema = await freshSchema();
    const driver = schema.driver();
    expect(await migrate(driver)).toEqual({ from: 0, to: NEWEST, applied: ALL });
    expect(await tables(driver)).toEqual([
      'dedup_keys',
      'delivery_attempts',
      'event_counts',
      'events',
      'outbox',
      'pairs',
      'quarantine',
      'schema_version',
      'settings',
    ]);
    expect(await migrate(driver)).toEqual({ from: NEWEST, to: NEWEST, applied: [] });
    const { rows } = await driver.query('SELECT version FROM schema_version ORDER BY version');
    expect(rows).toEqual(ALL.map((version) => ({ version })));
  });

  it('create the schema named in the driver when it is missing', async () => {
    const schema = await freshSchema();
    const admin = schema.driver();
    await admin.query(`DROP SCHEMA ${schema.name}`);
    expect((await migrate(schema.driver())).applied).toEqual(ALL);
    expect(await tables(admin)).toContain('events');
  });

  it('three instances starting at the same moment apply it once', async () => {
    const schema = await freshSchema();
    const drivers = [schema.driver(), schema.driver(), schema.driver()];
    // Every pool connected first, so the three migrations really start together.
    await Promise.all(drivers.map((d) => d.query('SELECT 1')));
    const results = await Promise.all(drivers.map((d) => migrate(d)));
    expect(results.map((r) => r.applied).sort()).toEqual([[], [], ALL]);
    expect(results.every((r) => r.to === NEWEST)).toBe(true);
    const { rows } = await schema.driver().query('SELECT count(*) AS n FROM schema_version');
    expect(rows).toEqual([{ n: ALL.length }]);
  });

  it('a schema newer than this code stops the start', async () => {
    const schema = await freshSchema();
    const driver = schema.driver();
    await migrate(driver);
    await driver.query(
      `INSERT INTO schema_version (version, title) VALUES (${NEWEST + 1}, 'from the future')`,
    );
    const error = await migrate(driver).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(PostgresConfigError);
    expect((error as Error).message).toMatch(
      new RegExp(
        `has schema ${NEWEST + 1}, newer than this version of faceauth-shim knows \\(${NEWEST}\\)`,
      ),
    );
  });

  it('a redelivered key racing in two instances is inserted once: the key decides', async () => {
    const schema = await freshSchema();
    const [a, b] = [schema.driver(), schema.driver()];
    await migrate(a);
    const windowMs = 60_000;
    const claim = (driver: typeof a, eventId: string, at: number) =>
      driver.transaction(async (c) => {
        const { rows } = await c.query(
          `INSERT INTO dedup_keys AS d (key, event_id, received_at) VALUES ($1, $2, $3)
           ON CONFLICT (key) DO UPDATE SET event_id = excluded.event_id, received_at = excluded.received_at
             WHERE d.received_at <= excluded.received_at - $4
           RETURNING event_id`,
          ['k1', eventId, at, windowMs],
        );
        // Hold the row a moment, as an accept that goes on to insert the event would.
        await c.query('SELECT pg_sleep(0.05)');
        return rows.length === 1;
      });
    const now = 1_764_547_200_000;
    const won = await Promise.all([claim(a, 'e1', now), claim(b, 'e2', now + 1)]);
    expect(won.sort()).toEqual([false, true]);
    // Past the window the key is anyone's again.
    expect(await claim(b, 'e3', now + windowMs + 10)).toBe(true);
  });

  it("schema 9's bucket in SQL is store/rules/bucket.ts's, for any customer id", async () => {
    const schema = await freshSchema();
    const driver = schema.driver();
    const ids = [
      'customer-a',
      '',
      'é-ü-漢字',
      'x'.repeat(300),
      ...Array.from({ length: 200 }, (_, i) => `c${i * 7919}`),
    ];
    const { rows } = await driver.query<{ id: string; bucket: number }>(
      `SELECT id, ${BUCKET_SQL('id')} AS bucket FROM unnest($1::text[]) AS id`,
      [ids],
    );
    expect(rows.map((r) => [r.id, r.bucket])).toEqual(ids.map((id) => [id, bucketOf(id)]));
  });

  it('constraints: one pair per event, statuses from the list, a lease with its holder', async () => {
    const schema = await freshSchema();
    const driver = schema.driver();
    await migrate(driver);
    const insert = (id: string, status = 'pending') =>
      driver.query(
        `INSERT INTO events (id, source, route, received_at, dedup_key, content_type, raw_body, status)
         VALUES ($1, 'legacy', '/r', 1, $1, 'application/json', '\\x7b7d', $2)`,
        [id, status],
      );
    await insert('l1');
    await insert('w1');
    await insert('w2');
    await expect(insert('x', 'lost')).rejects.toMatchObject({ code: '23514' });
    // Schema 10: an operator's cancel.
    await insert('c1', 'cancelled');
    const pair = (l: string, w: string) =>
      driver.query(
        `INSERT INTO pairs (legacy_id, workflows_id, paired_at, first_at, status_agrees, reason_agrees, differences)
         VALUES ($1, $2, 1, 1, true, true, '[]')`,
        [l, w],
      );
    await pair('l1', 'w1');
    await expect(pair('l1', 'w2')).rejects.toMatchObject({ code: '23505' });
    await expect(
      driver.query(
        `INSERT INTO outbox (event_id, body, next_attempt_at, lease_until, seq, order_key)
         VALUES ('w2', '\\x00', 1, 5, 3, 'c')`,
      ),
    ).rejects.toMatchObject({ code: '23514' });
    const { rows } = await driver.query(`SELECT raw_body FROM events WHERE id = 'l1'`);
    expect(rows).toEqual([{ raw_body: Buffer.from('{}') }]);
  });

  it('counts by status follow inserts, status changes and deletes, from many connections', async () => {
    const schema = await freshSchema();
    const driver = schema.driver({ max: 6 });
    await migrate(driver);
    const ids = Array.from({ length: 30 }, (_, i) => `e${i}`);
    await Promise.all(
      ids.map((id) =>
        driver.query(
          `INSERT INTO events (id, source, route, received_at, dedup_key, content_type, raw_body, status)
           VALUES ($1, 'legacy', '/r', 1, $1, 'application/json', '\\x00', 'pending')`,
          [id],
        ),
      ),
    );
    await driver.query(`UPDATE events SET status = 'delivered' WHERE id = ANY($1)`, [
      ids.slice(0, 10),
    ]);
    await driver.query(`UPDATE events SET status = 'pending' WHERE id = 'e20'`);
    await driver.query(`DELETE FROM events WHERE id IN ('e0', 'e29')`);
    const { rows } = await driver.query(
      'SELECT status, sum(n)::bigint AS n FROM event_counts GROUP BY status HAVING sum(n) <> 0 ORDER BY status',
    );
    expect(rows).toEqual([
      { status: 'delivered', n: 9 },
      { status: 'pending', n: 19 },
    ]);
    const slots = await driver.query('SELECT max(slot) AS top FROM event_counts');
    expect(slots.rows[0]?.top).toBeLessThan(COUNT_SLOTS);
  });

  it('has the indexes claims and head-of-line checks read', async () => {
    const schema = await freshSchema();
    const driver = schema.driver();
    await migrate(driver);
    const { rows } = await driver.query<{ indexname: string; indexdef: string }>(
      `SELECT indexname, indexdef FROM pg_indexes WHERE schemaname = current_schema() AND tablename = 'outbox'`,
    );
    const defs = Object.fromEntries(rows.map((r) => [r.indexname, r.indexdef]));
    expect(defs.outbox_due_seq).toMatch(/\(next_attempt_at, seq\)/);
    expect(defs.outbox_order).toMatch(/\(order_key, seq\)/);
  });
});
