// `npm run bench:sqlite`: the store's hot path on the two SQLite drivers a Node 24 service can
// use, better-sqlite3 and the built-in node:sqlite, on the same file system in the same run.
// It decided the driver (docs/decisions.md, "Why better-sqlite3 13 and not node:sqlite").
//
// The workload is the outbox's: an event row (with its raw body and the indexes the service
// keeps) and an outbox row written per webhook, in transactions of one event-loop turn's
// webhooks (group commit, WAL, synchronous=FULL); then the drain: read the next due rows in
// order, and mark each delivered and delete its outbox row, one transaction per batch.
import { randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DatabaseSync } from 'node:sqlite';
import Database from 'better-sqlite3';

const EVENTS = 20_000;
const INGEST_BATCH = 32;
const DRAIN_BATCH = 64;
const ROUNDS = 3;
const BODY = Buffer.alloc(900, 'x').toString();

const SCHEMA = `
  CREATE TABLE events (
    seq INTEGER PRIMARY KEY, id TEXT NOT NULL UNIQUE, source TEXT NOT NULL, route TEXT NOT NULL,
    dedup_key TEXT NOT NULL, customer_id TEXT, received_at INTEGER NOT NULL,
    status TEXT NOT NULL, raw BLOB NOT NULL, normalized TEXT NOT NULL);
  CREATE INDEX events_dedup ON events (dedup_key, received_at);
  CREATE INDEX events_status ON events (status, seq);
  CREATE INDEX events_counterpart ON events (customer_id, received_at);
  CREATE TABLE outbox (
    event_seq INTEGER PRIMARY KEY, order_key TEXT NOT NULL, body BLOB NOT NULL,
    next_attempt_at INTEGER NOT NULL);
  CREATE INDEX outbox_due_seq ON outbox (next_attempt_at, event_seq);`;

/** The few calls both drivers share, so one workload runs on each. */
interface Driver {
  name: string;
  exec(sql: string): void;
  prepare(sql: string): {
    run(...params: unknown[]): { lastInsertRowid: number | bigint };
    all(...params: unknown[]): unknown[];
  };
  close(): void;
}

function betterSqlite3(file: string): Driver {
  const db = new Database(file);
  return {
    name: `better-sqlite3 ${createRequire(import.meta.url)('better-sqlite3/package.json').version}`,
    exec: (sql) => db.exec(sql),
    prepare: (sql) => db.prepare(sql) as unknown as ReturnType<Driver['prepare']>,
    close: () => db.close(),
  };
}

function nodeSqlite(file: string): Driver {
  const db = new DatabaseSync(file);
  return {
    name: `node:sqlite (Node ${process.version})`,
    exec: (sql) => db.exec(sql),
    prepare: (sql) => db.prepare(sql) as unknown as ReturnType<Driver['prepare']>,
    close: () => db.close(),
  };
}

function run(open: (file: string) => Driver, dir: string, synchronous: string) {
  const driver = open(join(dir, `${randomUUID()}.db`));
  driver.exec(`PRAGMA journal_mode = WAL; PRAGMA synchronous = ${synchronous};`);
  driver.exec(SCHEMA);
  const insertEvent = driver.prepare(
    `INSERT INTO events (id, source, route, dedup_key, customer_id, received_at, status, raw, normalized)
     VALUES (?, 'legacy', '/webhooks/legacy/authentication', ?, ?, ?, 'pending', ?, ?)`,
  );
  const insertOutbox = driver.prepare(
    'INSERT INTO outbox (event_seq, order_key, body, next_attempt_at) VALUES (?, ?, ?, ?)',
  );
  const due = driver.prepare(
    'SELECT event_seq, order_key, body FROM outbox WHERE next_attempt_at <= ? ORDER BY next_attempt_at, event_seq LIMIT ?',
  );
  const delivered = driver.prepare("UPDATE events SET status = 'delivered' WHERE seq = ?");
  const remove = driver.prepare('DELETE FROM outbox WHERE event_seq = ?');

  const cpuStart = process.cpuUsage();
  const ingestStart = performance.now();
  for (let i = 0; i < EVENTS; i += INGEST_BATCH) {
    driver.exec('BEGIN IMMEDIATE');
    for (let j = i; j < Math.min(EVENTS, i + INGEST_BATCH); j++) {
      const customer = `customer-${j % 500}`;
      const raw = `{"customerId":"${customer}","n":${j},"pad":"${BODY}"}`;
      const { lastInsertRowid } = insertEvent.run(
        randomUUID(),
        `key-${j}`,
        customer,
        Date.now(),
        raw,
        '{"status":"PASS"}',
      );
      insertOutbox.run(lastInsertRowid, customer, raw, 0);
    }
    driver.exec('COMMIT');
  }
  const ingestS = (performance.now() - ingestStart) / 1000;

  const drainStart = performance.now();
  let drained = 0;
  for (;;) {
    const rows = due.all(Date.now(), DRAIN_BATCH) as { event_seq: number }[];
    if (rows.length === 0) break;
    driver.exec('BEGIN IMMEDIATE');
    for (const row of rows) {
      delivered.run(row.event_seq);
      remove.run(row.event_seq);
    }
    driver.exec('COMMIT');
    drained += rows.length;
  }
  const drainS = (performance.now() - drainStart) / 1000;
  const cpu = process.cpuUsage(cpuStart);
  driver.close();
  if (drained !== EVENTS) throw new Error(`drained ${drained} of ${EVENTS}`);
  return {
    name: driver.name,
    ingestPerS: EVENTS / ingestS,
    drainPerS: EVENTS / drainS,
    userCpuUsPerEvent: cpu.user / EVENTS,
  };
}

const fmt = (n: number) => Math.round(n).toString().padStart(7);

const dir = mkdtempSync(join(tmpdir(), 'faceauth-sqlite-drivers-'));
try {
  const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)] ?? 0;
  console.log(
    `${EVENTS} events, ingest in transactions of ${INGEST_BATCH}, drain in batches of ${DRAIN_BATCH}; median of ${ROUNDS} runs`,
  );
  // FULL is what the service runs (an fsync per commit); OFF leaves the drivers' own cost.
  for (const synchronous of ['FULL', 'OFF']) {
    const results: Record<string, { ingest: number[]; drain: number[]; cpu: number[] }> = {};
    // Alternate the drivers, so a noisy moment of the machine does not favour one.
    for (let round = 0; round < ROUNDS; round++) {
      for (const open of [betterSqlite3, nodeSqlite]) {
        const r = run(open, dir, synchronous);
        const entry = results[r.name] ?? { ingest: [], drain: [], cpu: [] };
        results[r.name] = entry;
        entry.ingest.push(r.ingestPerS);
        entry.drain.push(r.drainPerS);
        entry.cpu.push(r.userCpuUsPerEvent);
      }
    }
    console.log(`synchronous=${synchronous}`);
    for (const [name, r] of Object.entries(results)) {
      console.log(
        `  ${name.padEnd(36)} ingest ${fmt(median(r.ingest))}/s   drain ${fmt(median(r.drain))}/s   user CPU ${median(r.cpu).toFixed(1)} us/event`,
      );
    }
  }
} finally {
  rmSync(dir, { recursive: true, force: true });
}
