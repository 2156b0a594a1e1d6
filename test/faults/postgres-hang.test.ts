import { afterEach, expect, it } from 'vitest';
import { PostgresDriver } from '../../src/store/postgres/driver.js';
import { type CallbackServer, startCallbackServer } from '../helpers/callback-server.js';
import { describeCluster, describePostgres, freshSchema } from '../helpers/postgres.js';
import { type Cluster, startCluster } from '../helpers/postgres-cluster.js';
import { KEY, LEGACY, post, serviceEnv } from '../helpers/postgres-service.js';
import { schemaUrl } from '../helpers/postgres-stores.js';
import { type ServiceProcess, startServiceProcess } from '../helpers/service-process.js';
import { until } from '../helpers/until.js';

// PostgreSQL that hangs rather than goes away (issue 23): a server frozen with SIGSTOP (a hung
// host, a stalled disk: connections stay open, nothing answers) and a table locked by another
// session. Before, webhooks waited as long as it hung (up to 69.7 s) and /readyz gave no answer.
// Now each accept has a deadline (ACCEPT_TIMEOUT): past it, 503 with Retry-After, and the
// transaction is abandoned before its COMMIT; /readyz answers within a second.

const ACCEPT_TIMEOUT_MS = 2_000;

const cleanups: (() => unknown)[] = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

async function service(databaseUrl: string, cb: CallbackServer): Promise<ServiceProcess> {
  const proc = await startServiceProcess(
    { ...serviceEnv(databaseUrl, cb.url), ACCEPT_TIMEOUT: `${ACCEPT_TIMEOUT_MS}ms` },
    20_000,
  );
  cleanups.push(async () => {
    proc.child.kill('SIGKILL');
    await proc.exited;
  });
  return proc;
}

/** One legacy webhook (transaction id t<n>): its status, Retry-After and time to answer. */
async function timedPost(base: string, n: number) {
  const started = Date.now();
  const response = await fetch(`${base}${LEGACY}`, {
    method: 'POST',
    body: JSON.stringify({
      customerId: `c${n % 7}`,
      transactionId: `t${n}`,
      faceMatch: true,
      overallStatus: 'PASS',
    }),
    headers: { 'content-type': 'application/json', [KEY.name]: KEY.value },
    signal: AbortSignal.timeout(30_000),
  });
  const body = await response.text();
  return {
    n,
    status: response.status,
    retryAfter: response.headers.get('retry-after'),
    body,
    ms: Date.now() - started,
  };
}

async function timedReadyz(base: string) {
  const started = Date.now();
  const response = await fetch(`${base}/readyz`, { signal: AbortSignal.timeout(30_000) });
  return { status: response.status, body: await response.text(), ms: Date.now() - started };
}

/** The transaction ids the database holds events for (read after the hang). */
async function storedTransactions(driver: PostgresDriver): Promise<Set<string>> {
  const { rows } = await driver.query<{ t: string }>(
    "SELECT convert_from(raw_body, 'UTF8')::json->>'transactionId' AS t FROM events",
  );
  return new Set(rows.map((row) => row.t));
}

/** Each transaction id the callback got, with how many times. */
function deliveries(cb: CallbackServer): Map<string, number> {
  const sends = new Map<string, number>();
  for (const call of cb.calls) {
    const id = String(call.json.transactionId);
    sends.set(id, (sends.get(id) ?? 0) + 1);
  }
  return sends;
}

/** While the database hangs: webhooks get 503 within the deadline, /readyz 503 within a second. */
async function duringTheHang(proc: ServiceProcess, first: number) {
  const answers = await Promise.all(
    Array.from({ length: 6 }, (_, i) => timedPost(proc.url, first + i)),
  );
  for (const answer of answers) {
    expect(answer.status, answer.body).toBe(503);
    expect(answer.retryAfter).toMatch(/^\d+$/);
    expect(JSON.parse(answer.body)).toMatchObject({
      success: false,
      error: { code: 'unavailable' },
    });
    // ACCEPT_TIMEOUT, and a margin for a loaded machine; before: as long as the hang.
    expect(answer.ms).toBeLessThan(ACCEPT_TIMEOUT_MS + 2_500);
  }
  for (let i = 0; i < 3; i++) {
    const ready = await timedReadyz(proc.url);
    expect(ready.status, ready.body).toBe(503);
    // One second, and a margin for a loaded machine; before: no answer at all.
    expect(ready.ms).toBeLessThan(2_500);
  }
  return answers;
}

describeCluster('PostgreSQL frozen (SIGSTOP on a cluster of the test)', () => {
  it('webhooks get 503 with Retry-After within ACCEPT_TIMEOUT and /readyz answers 503 within a second; thawed: ready again, nothing answered 503 was stored, everything answered 200 is delivered once', async () => {
    const pg: Cluster = await startCluster();
    cleanups.push(() => pg.destroy());
    const cb = await startCallbackServer(() => ({ status: 200 }));
    cleanups.push(() => cb.close());
    const proc = await service(pg.url(), cb);

    for (let n = 0; n < 5; n++) expect(await post(proc.url, n)).toBe(200);
    await until('the first deliveries', () => cb.calls.length === 5, 10_000);

    pg.freeze();
    cleanups.push(() => pg.thaw());
    const refused = await duringTheHang(proc, 100);
    pg.thaw();

    await until(
      '/readyz to pass again',
      async () => (await timedReadyz(proc.url)).status === 200,
      20_000,
      100,
    );
    for (let n = 200; n < 205; n++) expect(await post(proc.url, n)).toBe(200);
    await until('every webhook answered 200 delivered', () => cb.calls.length >= 10, 15_000);

    const sql = new PostgresDriver(pg.config(), { max: 1 });
    cleanups.push(() => sql.close());
    const stored = await storedTransactions(sql);
    // Abandoned before its COMMIT: a webhook answered 503 was not stored.
    expect(refused.map((a) => `t${a.n}`).filter((t) => stored.has(t))).toEqual([]);
    const sends = deliveries(cb);
    const accepted = [0, 1, 2, 3, 4, 200, 201, 202, 203, 204].map((n) => `t${n}`);
    expect(accepted.filter((t) => sends.get(t) !== 1)).toEqual([]);
    expect(proc.output()).not.toMatch(/uncaught|unhandled/i);
  }, 90_000);
});

describePostgres('PostgreSQL with the outbox locked by another session', () => {
  it('LOCK TABLE outbox IN ACCESS EXCLUSIVE MODE held open: webhooks get 503 within ACCEPT_TIMEOUT, /readyz 503 within a second; released: ready, and what got 200 is delivered', async () => {
    const schema = await freshSchema();
    const cb = await startCallbackServer(() => ({ status: 200 }));
    cleanups.push(() => cb.close());
    const proc = await service(schemaUrl(schema.name), cb);
    for (let n = 0; n < 3; n++) expect(await post(proc.url, n)).toBe(200);

    // Another session holds the lock in a transaction it keeps open.
    const locker = schema.driver({ max: 1 });
    const pool = await locker.pool();
    const session = await pool.connect();
    await session.query('BEGIN');
    await session.query('LOCK TABLE outbox IN ACCESS EXCLUSIVE MODE');
    let released = false;
    const release = async () => {
      if (released) return;
      released = true;
      await session.query('ROLLBACK');
      session.release();
    };
    cleanups.push(release);

    const refused = await duringTheHang(proc, 100);
    await release();

    await until(
      '/readyz to pass again',
      async () => (await timedReadyz(proc.url)).status === 200,
      10_000,
      100,
    );
    for (let n = 200; n < 203; n++) expect(await post(proc.url, n)).toBe(200);
    await until('every webhook answered 200 delivered', () => cb.calls.length >= 6, 15_000);
    const stored = await storedTransactions(schema.driver({ max: 1 }));
    expect(refused.map((a) => `t${a.n}`).filter((t) => stored.has(t))).toEqual([]);
    const sends = deliveries(cb);
    expect(['t0', 't1', 't2', 't200', 't201', 't202'].filter((t) => sends.get(t) !== 1)).toEqual(
      [],
    );
  }, 60_000);
});
