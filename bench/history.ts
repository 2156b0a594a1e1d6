// `npm run bench:history`: does a long history slow the service down? For 0, 100,000 and
// 1,000,000 events already stored (written straight into the SQLite file, not sent), measures
// ingest and the time of the admin and metrics queries. Loopback only, under 6 minutes.
//
//   npm run bench:history [-- --no-build] [--sizes 0,100000] [--keep (the temp files)]
//                         [--retention 30d (RETENTION of the service; default 90d)]
import { copyFileSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import Database from 'better-sqlite3';
import { openStore } from '../src/store/open-store.js';
import { startCallback } from './callback.js';
import {
  ADMIN_TOKEN,
  foreignCpu,
  INBOUND,
  LEGACY_ROUTE,
  machine,
  median,
  out,
  ROOT,
  round,
  runBounded,
  step,
  table,
} from './lib.js';
import { ingest } from './load.js';
import { buildService, startService } from './service.js';

const DAY = 86_400_000;
const LOAD = { connections: 32, warmupS: 2, durationS: 10 };
/** Dead and pending events, spread evenly: "a few thousand" whatever the size. */
const UNHAPPY = 3000;

const { values } = parseArgs({
  options: {
    'no-build': { type: 'boolean', default: false },
    sizes: { type: 'string', default: '0,100000,1000000' },
    keep: { type: 'boolean', default: false },
    // Above the 60 days of history: the size stays what was stored (see the report).
    retention: { type: 'string', default: '90d' },
  },
});
const SIZES = values.sizes.split(',').map(Number);
const scratch = mkdtempSync(join(tmpdir(), 'faceauth-history-'));

const fixture = async (path: string) =>
  JSON.parse(await readFile(join(ROOT, 'test', 'fixtures', path), 'utf8')) as Record<
    string,
    unknown
  >;

/**
 * A store holding one event of each kind, made by the service itself: a legacy PASS and a
 * legacy FAIL (forwarded, delivered) and a Workflows PASS (shadowed) paired with the legacy
 * PASS. The history is cloned from these rows, so it looks exactly like what the service writes.
 */
async function makeSeed(callbackUrl: string, waitForIds: (n: number) => Promise<boolean>) {
  const dir = mkdtempSync(join(scratch, 'seed-'));
  await (await openStore({ kind: 'sqlite', path: join(dir, 'bench.db') })).close(); // the schema, by the service's own code
  const service = await startService({ dir, callbackUrl });
  const workflows = await fixture('workflows/pass.json');
  const bodies: [string, Record<string, unknown>][] = [
    [
      LEGACY_ROUTE,
      { ...(await fixture('legacy/success.json')), interviewId: workflows.interviewId },
    ],
    ['/webhooks/workflows/face-authentication', workflows],
    [LEGACY_ROUTE, await fixture('legacy/4015-not-recognized.json')],
  ];
  for (const [route, body] of bodies) {
    const response = await fetch(`${service.url}${route}`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', [INBOUND.name]: INBOUND.value },
      body: JSON.stringify(body),
    });
    if (response.status !== 200) throw new Error(`seed: ${route} answered ${response.status}`);
  }
  if (!(await waitForIds(2))) throw new Error('seed: the two legacy events were not delivered');
  await new Promise((resolve) => setTimeout(resolve, 300)); // their outcome stored
  await service.stop();
  return service.dbFile;
}

interface Template {
  id: string;
  customer_id: string;
  interview_id: string | null;
  received_at: number;
}

/**
 * Clones the seed's rows into `size` events over the last 60 days, oldest first: 10% Workflows
 * (shadowed, each paired with the legacy event before it), about 13% legacy FAIL, the rest
 * legacy PASS; delivered, but for UNHAPPY legacy events: one in three pending (waiting for a
 * retry an hour away), the others dead. Every id and dedup key is distinct.
 */
function fill(dbFile: string, size: number, now: number): void {
  const db = new Database(dbFile);
  db.pragma('journal_mode = OFF');
  db.pragma('synchronous = OFF');
  db.pragma('cache_size = -262144');
  const events = db.prepare('SELECT * FROM events').all() as (Template & {
    source: string;
    result_status: string;
  })[];
  const pick = (source: string, status: string) => {
    const row = events.find((e) => e.source === source && e.result_status === status);
    if (!row) throw new Error(`seed: no ${source} ${status} event`);
    return row;
  };
  const templates = {
    pass: pick('legacy', 'PASS'),
    fail: pick('legacy', 'FAIL'),
    workflows: pick('workflows', 'PASS'),
  };
  if (!db.prepare('SELECT 1 FROM pairs WHERE workflows_id = ?').get(templates.workflows.id)) {
    throw new Error('seed: the Workflows event was not paired with the legacy one');
  }
  const columns = (name: string) =>
    (db.prepare(`SELECT name FROM pragma_table_info('${name}')`).all() as { name: string }[]).map(
      (c) => c.name,
    );
  const every = Math.max(10, Math.floor(size / UNHAPPY / 10) * 10);

  db.transaction(() => {
    db.exec('DROP TABLE IF EXISTS temp.gen');
    db.prepare(
      `CREATE TEMP TABLE gen AS
       WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < @size)
       SELECT i,
         lower(hex(randomblob(4)) || '-' || hex(randomblob(2)) || '-4' || substr(hex(randomblob(2)), 2)
           || '-a' || substr(hex(randomblob(2)), 2) || '-' || hex(randomblob(6))) AS id,
         lower(hex(randomblob(32))) AS dedup_key,
         printf('%08x%016x', @size, CASE WHEN i % 10 = 0 THEN i - 1 ELSE i END) AS customer,
         printf('1%07x%016x', @size, CASE WHEN i % 10 = 0 THEN i - 1 ELSE i END) AS interview,
         @from + (i - 1) * @step AS received_at,
         CASE WHEN i % 10 = 0 THEN 'workflows' WHEN i % 7 = 0 AND i % 10 <> 9 THEN 'fail'
           ELSE 'pass' END AS kind,
         CASE WHEN i % 10 = 0 THEN 'shadowed'
           WHEN i % @every = 1 AND (i / @every) % 3 = 0 THEN 'pending'
           WHEN i % @every = 1 THEN 'dead' ELSE 'delivered' END AS status
       FROM n`,
    ).run({ size, from: now - 60 * DAY, step: (60 * DAY - 60_000) / size, every });

    for (const [kind, t] of Object.entries(templates)) {
      // Text and blob columns get the new ids wherever the template's ids were.
      const swap = (expr: string, blob: boolean) => {
        let e = `CAST(${expr} AS TEXT)`;
        e = `replace(${e}, ${quote(t.id)}, g.id)`;
        e = `replace(${e}, ${quote(t.customer_id)}, g.customer)`;
        if (t.interview_id) e = `replace(${e}, ${quote(t.interview_id)}, g.interview)`;
        e = `replace(${e}, ${quote(new Date(t.received_at).toISOString())}, strftime('%Y-%m-%dT%H:%M:%fZ', g.received_at / 1000.0, 'unixepoch'))`;
        return blob ? `CAST(${e} AS BLOB)` : e;
      };
      const overrides: Record<string, string> = {
        id: 'g.id',
        received_at: 'g.received_at',
        dedup_key: 'g.dedup_key',
        customer_id: 'g.customer',
        interview_id: t.interview_id ? 'g.interview' : 'NULL',
        status: 'g.status',
        attempts: `CASE g.status WHEN 'delivered' THEN 1 WHEN 'dead' THEN 10 WHEN 'pending' THEN 3 ELSE 0 END`,
        last_error: `CASE g.status WHEN 'dead' THEN 'HTTP 500' WHEN 'pending' THEN 'HTTP 503' END`,
        delivered_at: `CASE WHEN g.status = 'delivered' THEN g.received_at + 40 END`,
        raw_body: swap('t.raw_body', true),
        forward_body: `CASE WHEN t.forward_body IS NOT NULL THEN ${swap('t.forward_body', true)} END`,
        normalized: swap('t.normalized', false),
        legacy_fields: 't.legacy_fields',
        fallback_at: 'NULL',
      };
      const cols = columns('events').filter((c) => c !== 'seq');
      db.prepare(
        `INSERT INTO events (${cols.join(', ')})
         SELECT ${cols.map((c) => overrides[c] ?? `t.${c}`).join(', ')}
         FROM gen g JOIN events t ON t.id = ? WHERE g.kind = ? ORDER BY g.i`,
      ).run(t.id, kind);
    }

    // Pairs: each Workflows event with the legacy event just before it (same customer).
    const pairCols = columns('pairs');
    const pairOverrides: Record<string, string> = {
      legacy_id: 'l.id',
      workflows_id: 'w.id',
      paired_at: 'w.received_at',
    };
    db.exec('CREATE INDEX temp.gen_i ON gen (i)');
    db.prepare(
      `INSERT INTO pairs (${pairCols.join(', ')})
       SELECT ${pairCols.map((c) => pairOverrides[c] ?? `p.${c}`).join(', ')}
       FROM gen w JOIN gen l ON l.i = w.i - 1 JOIN pairs p ON p.workflows_id = ?
       WHERE w.kind = 'workflows'`,
    ).run(templates.workflows.id);

    // Attempts: 1 per delivered event, 10 per dead one, 3 per pending one.
    db.exec(
      `INSERT INTO delivery_attempts (event_id, attempt, at, duration_ms, status_code, error)
       WITH RECURSIVE k(n) AS (SELECT 1 UNION ALL SELECT n + 1 FROM k WHERE n < 10)
       SELECT g.id, k.n, g.received_at + (k.n - 1) * 60000, 40,
         CASE g.status WHEN 'delivered' THEN 200 WHEN 'dead' THEN 500 ELSE 503 END, NULL
       FROM gen g JOIN k ON k.n <= CASE g.status WHEN 'delivered' THEN 1 WHEN 'dead' THEN 10
         WHEN 'pending' THEN 3 ELSE 0 END`,
    );
    // Pending events wait in the outbox for a retry an hour or more away.
    db.prepare(
      `INSERT INTO outbox (event_id, body, next_attempt_at, seq, order_key, attempts)
       SELECT e.id, coalesce(e.forward_body, e.raw_body), ? + (e.seq % 1000) * 1000, e.seq,
         coalesce(e.customer_id, e.id), 3
       FROM events e WHERE e.status = 'pending'`,
    ).run(now + 3_600_000);
    db.exec('DROP TABLE temp.gen');
  })();
  db.close();
}

const quote = (text: string) => `'${text.replaceAll("'", "''")}'`;

/** Times a GET (until its body is read) `times` times; the status must be 200. */
async function timeGet(url: string, times = 3): Promise<{ firstMs: number; medianMs: number }> {
  const ms: number[] = [];
  for (let i = 0; i < times; i++) {
    const started = performance.now();
    const response = await fetch(url, { headers: { authorization: `Bearer ${ADMIN_TOKEN}` } });
    await response.arrayBuffer();
    ms.push(performance.now() - started);
    if (response.status !== 200) throw new Error(`${url}: ${response.status}`);
  }
  return { firstMs: round(ms[0] ?? Number.NaN), medianMs: round(median(ms)) };
}

async function main() {
  const results: Record<string, unknown> = {
    machine: machine(),
    sizes: SIZES,
    retention: values.retention,
  };
  out(`faceauth-shim history bench: ${JSON.stringify(results.machine)}`);
  if (!values['no-build']) {
    out('building the service (tsc -p tsconfig.build.json)...');
    buildService();
  }
  const callback = await startCallback();
  const seed = await makeSeed(callback.url, (n) => callback.waitForIds(n, 10_000));
  const rows: Record<string, unknown>[] = [];
  for (const size of SIZES) {
    const foreign = foreignCpu();
    const dir = mkdtempSync(join(scratch, `h${size}-`));
    const dbFile = join(dir, 'bench.db');
    const filled = performance.now();
    if (size === 0) {
      await (await openStore({ kind: 'sqlite', path: dbFile })).close(); // an empty store, schema up to date
    } else {
      copyFileSync(seed, dbFile);
      fill(dbFile, size, Date.now());
    }
    const fillSeconds = (performance.now() - filled) / 1000;
    step(`${size} events stored in ${round(fillSeconds)} s`);

    const service = await startService({
      dir,
      callbackUrl: callback.url,
      env: { RETENTION: values.retention },
    });
    // The queries first, on a quiet service; then ingest.
    const to = new Date();
    const from = new Date(to.getTime() - DAY);
    const dead = await timeGet(`${service.url}/admin/events?status=dead&limit=50`);
    const report = await timeGet(
      `${service.url}/admin/report?from=${from.toISOString()}&to=${to.toISOString()}&format=json`,
    );
    // A range holding a handful of events, 30 days back: does the report's cost follow the
    // events in its range, or the whole history?
    const narrowFrom = new Date(to.getTime() - 30 * DAY);
    const narrowTo = new Date(narrowFrom.getTime() + 60_000);
    const reportNarrow = await timeGet(
      `${service.url}/admin/report?from=${narrowFrom.toISOString()}&to=${narrowTo.toISOString()}&format=json`,
    );
    const metrics = await timeGet(`${service.url}/metrics`);
    await ingest({ url: service.url, connections: LOAD.connections, durationS: LOAD.warmupS });
    const measured = await ingest({
      url: service.url,
      connections: LOAD.connections,
      durationS: LOAD.durationS,
    });
    await service.stop();
    if (!values.keep) rmSync(dir, { recursive: true, force: true });
    const busy = round(foreign() * 100, 0);
    if (busy > 10) out(`WARNING: other processes took ${busy}% of the CPU`);
    const row = {
      size,
      fillSeconds: round(fillSeconds),
      otherProcessesCpuPercent: busy,
      acceptedPerS: round(measured.acceptedPerS, 0),
      notAccepted: measured.other + measured.duplicates + measured.errors,
      answerP99Ms: measured.latencyP99Ms,
      deadEventsMs: dead,
      reportLast24hMs: report,
      report1MinMs: reportNarrow,
      metricsMs: metrics,
    };
    rows.push(row);
    step(`${size}: ${row.acceptedPerS} accepted/s`);
  }
  await callback.close();
  results.rows = rows;

  const ms = (t: unknown) => {
    const { firstMs, medianMs } = t as { firstMs: number; medianMs: number };
    return `${medianMs} (${firstMs})`;
  };
  out('');
  out(
    table([
      [
        'events stored',
        'ingest/s',
        'answer p99 ms',
        'dead list ms',
        'report 24h ms',
        'report 1 min ms',
        '/metrics ms',
        'fill s',
        'other CPU %',
      ],
      ...rows.map((r) => [
        Number(r.size).toLocaleString('en'),
        Number(r.acceptedPerS),
        Number(r.answerP99Ms),
        ms(r.deadEventsMs),
        ms(r.reportLast24hMs),
        ms(r.report1MinMs),
        ms(r.metricsMs),
        Number(r.fillSeconds),
        Number(r.otherProcessesCpuPercent),
      ]),
    ]),
  );
  out('query times: median of 3 (first)');
  writeFileSync(
    join(ROOT, 'bench', 'results-history.json'),
    `${JSON.stringify(results, null, 2)}\n`,
  );
  out('wrote bench/results-history.json');
}

runBounded(360_000, main, () => {
  if (values.keep) out(`kept ${scratch}`);
  else rmSync(scratch, { recursive: true, force: true });
});
