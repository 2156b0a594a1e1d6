// `npm run bench:pg`: the outbox workload on the two PostgreSQL clients a Node service can use,
// node-postgres (`pg`) and `postgres` (porsager), against the same server, same schema, same
// concurrency, in the same run. It decided the client (docs/decisions.md, "Why node-postgres").
//
// Per webhook: one transaction that inserts the event row (raw body, the indexes the store keeps)
// and its outbox row. Then the drain, by CONCURRENCY workers as several instances would: claim
// the next due rows with FOR UPDATE SKIP LOCKED and lease them (one transaction), then mark them
// delivered and delete their outbox rows (one transaction). Each client runs in a schema of its
// own, created and dropped here. CPU is this process's (user + system) per event; the server's
// work is the same SQL for both.
//
// TEST_DATABASE_URL (default postgres://postgres@127.0.0.1:5432/test) names the server.
import { randomUUID } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { findPackageJSON } from 'node:module';
import pg from 'pg';
import postgres from 'postgres';

const URL = process.env.TEST_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/test';
const EVENTS = Number(process.env.BENCH_PG_EVENTS ?? 6_000);
const CONCURRENCY = 16;
const CLAIM = 32;
const LEASE_MS = 30_000;
const ROUNDS = 3;
const BODY = Buffer.alloc(900, 'x');
const CUSTOMERS = 500;

const schemaSql = (schema: string) => [
  `CREATE SCHEMA ${schema}`,
  `CREATE TABLE ${schema}.events (
     seq bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY, id text NOT NULL UNIQUE,
     source text NOT NULL, route text NOT NULL, dedup_key text NOT NULL, customer_id text,
     received_at bigint NOT NULL, status text NOT NULL, raw_body bytea NOT NULL,
     normalized text NOT NULL, delivered_at bigint)`,
  `CREATE INDEX ON ${schema}.events (status, seq)`,
  `CREATE INDEX ON ${schema}.events (customer_id, received_at)`,
  `CREATE TABLE ${schema}.outbox (
     event_id text PRIMARY KEY REFERENCES ${schema}.events (id), order_key text NOT NULL,
     seq bigint NOT NULL, body bytea NOT NULL, next_attempt_at bigint NOT NULL, lease_until bigint)`,
  `CREATE INDEX ON ${schema}.outbox (next_attempt_at, seq)`,
  `CREATE INDEX ON ${schema}.outbox (order_key, seq)`,
];

const INSERT_EVENT = `INSERT INTO events (id, source, route, dedup_key, customer_id, received_at,
  status, raw_body, normalized) VALUES ($1, 'legacy', '/webhooks/legacy', $2, $3, $4, 'pending', $5, $6)
  RETURNING seq`;
const INSERT_OUTBOX = `INSERT INTO outbox (event_id, order_key, seq, body, next_attempt_at)
  VALUES ($1, $2, $3, $4, $5)`;
const CLAIM_DUE = `WITH due AS (
    SELECT event_id FROM outbox WHERE next_attempt_at <= $1 AND (lease_until IS NULL OR lease_until <= $1)
    ORDER BY next_attempt_at, seq LIMIT $2 FOR UPDATE SKIP LOCKED)
  UPDATE outbox o SET lease_until = $3 FROM due WHERE o.event_id = due.event_id
  RETURNING o.event_id, o.body`;
const MARK_DELIVERED = `UPDATE events SET status = 'delivered', delivered_at = $1 WHERE id = ANY($2)`;
const DELETE_OUTBOX = 'DELETE FROM outbox WHERE event_id = ANY($1)';

function versionOf(name: string): string {
  const file = findPackageJSON(name, import.meta.url);
  return file ? JSON.parse(readFileSync(file, 'utf8')).version : '?';
}

/** The calls the workload needs, over one client library. */
interface Client {
  name: string;
  ingest(i: number): Promise<void>;
  /** Claims, leases, marks delivered: how many rows it took (0 when nothing is due). */
  drainOnce(): Promise<number>;
  close(): Promise<void>;
}

const normalized = JSON.stringify({ status: 'SUCCESS', reason: null, ids: { customerId: 'c' } });
const newEvent = (i: number) => ({
  id: randomUUID(),
  dedupKey: randomUUID(),
  customerId: `customer-${i % CUSTOMERS}`,
  receivedAt: Date.now(),
});

function nodePostgres(schema: string): Client {
  const pool = new pg.Pool({
    connectionString: URL,
    max: CONCURRENCY,
    options: `-c search_path=${schema}`,
  });
  const version = versionOf('pg');
  async function tx<T>(fn: (client: pg.PoolClient) => Promise<T>): Promise<T> {
    const client = await pool.connect();
    try {
      await client.query('BEGIN');
      const result = await fn(client);
      await client.query('COMMIT');
      return result;
    } catch (error) {
      await client.query('ROLLBACK').catch(() => {});
      throw error;
    } finally {
      client.release();
    }
  }
  return {
    name: `pg ${version}`,
    ingest: (i) =>
      tx(async (c) => {
        const e = newEvent(i);
        const { rows } = await c.query<{ seq: string }>({
          name: 'insert-event',
          text: INSERT_EVENT,
          values: [e.id, e.dedupKey, e.customerId, e.receivedAt, BODY, normalized],
        });
        await c.query({
          name: 'insert-outbox',
          text: INSERT_OUTBOX,
          values: [e.id, e.customerId, rows[0]?.seq, BODY, e.receivedAt],
        });
      }),
    async drainOnce() {
      const now = Date.now();
      const claimed = await tx(async (c) => {
        const { rows } = await c.query<{ event_id: string; body: Buffer }>({
          name: 'claim',
          text: CLAIM_DUE,
          values: [now, CLAIM, now + LEASE_MS],
        });
        return rows.map((row) => row.event_id);
      });
      if (claimed.length === 0) return 0;
      await tx(async (c) => {
        await c.query({ name: 'delivered', text: MARK_DELIVERED, values: [Date.now(), claimed] });
        await c.query({ name: 'delete-outbox', text: DELETE_OUTBOX, values: [claimed] });
      });
      return claimed.length;
    },
    close: () => pool.end(),
  };
}

function porsager(schema: string): Client {
  const sql = postgres(URL, {
    max: CONCURRENCY,
    connection: { search_path: schema },
    onnotice: () => {},
  });
  const version = versionOf('postgres');
  return {
    name: `postgres ${version}`,
    async ingest(i) {
      const e = newEvent(i);
      await sql.begin(async (t) => {
        const [row] = await t.unsafe(
          INSERT_EVENT,
          [e.id, e.dedupKey, e.customerId, e.receivedAt, BODY, normalized],
          { prepare: true },
        );
        await t.unsafe(INSERT_OUTBOX, [e.id, e.customerId, row?.seq, BODY, e.receivedAt], {
          prepare: true,
        });
      });
    },
    async drainOnce() {
      const now = Date.now();
      const claimed = await sql.begin(async (t) => {
        const rows = await t.unsafe(CLAIM_DUE, [now, CLAIM, now + LEASE_MS], { prepare: true });
        return rows.map((row) => row.event_id as string);
      });
      if (claimed.length === 0) return 0;
      await sql.begin(async (t) => {
        await t.unsafe(MARK_DELIVERED, [Date.now(), claimed], { prepare: true });
        await t.unsafe(DELETE_OUTBOX, [claimed], { prepare: true });
      });
      return claimed.length;
    },
    close: () => sql.end({ timeout: 5 }),
  };
}

async function inParallel(work: (worker: number) => Promise<void>): Promise<void> {
  await Promise.all(Array.from({ length: CONCURRENCY }, (_, worker) => work(worker)));
}

interface Phase {
  perSecond: number;
  cpuUsPerEvent: number;
}

async function measure(events: number, run: () => Promise<void>): Promise<Phase> {
  const cpu = process.cpuUsage();
  const start = process.hrtime.bigint();
  await run();
  const seconds = Number(process.hrtime.bigint() - start) / 1e9;
  const used = process.cpuUsage(cpu);
  return { perSecond: events / seconds, cpuUsPerEvent: (used.user + used.system) / events };
}

async function round(make: (schema: string) => Client): Promise<{
  name: string;
  ingest: Phase;
  drain: Phase;
}> {
  const schema = `bench_pg_${randomUUID().replaceAll('-', '').slice(0, 12)}`;
  const admin = new pg.Client({ connectionString: URL });
  await admin.connect();
  let opened: Client | undefined;
  try {
    for (const statement of schemaSql(schema)) await admin.query(statement);
    const client = make(schema);
    opened = client;
    // Warm the pool and the prepared statements, then start from an empty outbox.
    await inParallel((w) => client.ingest(w));
    while ((await client.drainOnce()) > 0);
    let next = 0;
    const ingest = await measure(EVENTS, () =>
      inParallel(async () => {
        while (next < EVENTS) await client.ingest(next++);
      }),
    );
    let drained = 0;
    const drain = await measure(EVENTS, () =>
      inParallel(async () => {
        for (;;) {
          const n = await client.drainOnce();
          if (n === 0) return;
          drained += n;
        }
      }),
    );
    if (drained !== EVENTS) throw new Error(`${client.name}: drained ${drained} of ${EVENTS}`);
    const { rows } = await admin.query(
      `SELECT count(*)::int AS n FROM ${schema}.events WHERE status = 'delivered'`,
    );
    if (rows[0].n !== EVENTS + CONCURRENCY)
      throw new Error(`${client.name}: ${rows[0].n} delivered`);
    return { name: client.name, ingest, drain };
  } finally {
    await opened?.close();
    await admin.query(`DROP SCHEMA IF EXISTS ${schema} CASCADE`);
    await admin.end();
  }
}

const fmt = (phase: Phase) =>
  `${Math.round(phase.perSecond).toString().padStart(6)} events/s, ${phase.cpuUsPerEvent.toFixed(0).padStart(4)} µs CPU/event`;

console.log(
  `${EVENTS} events, ${CONCURRENCY} concurrent transactions, claims of ${CLAIM}, ${ROUNDS} rounds each (alternating)`,
);
const results = new Map<string, { ingest: Phase[]; drain: Phase[] }>();
for (let r = 0; r < ROUNDS; r++) {
  const order = r % 2 === 0 ? [nodePostgres, porsager] : [porsager, nodePostgres];
  for (const make of order) {
    const result = await round(make);
    console.log(
      `round ${r + 1} ${result.name.padEnd(16)} ingest ${fmt(result.ingest)}   drain ${fmt(result.drain)}`,
    );
    const kept = results.get(result.name) ?? { ingest: [], drain: [] };
    kept.ingest.push(result.ingest);
    kept.drain.push(result.drain);
    results.set(result.name, kept);
  }
}
const median = (phases: Phase[]): Phase => {
  const sorted = [...phases].sort((a, b) => a.perSecond - b.perSecond);
  return sorted[Math.floor(sorted.length / 2)] as Phase;
};
for (const [name, kept] of results) {
  console.log(
    `median of ${ROUNDS} ${name.padEnd(16)} ingest ${fmt(median(kept.ingest))}   drain ${fmt(median(kept.drain))}`,
  );
}
