import { spawn } from 'node:child_process';
import { createServer } from 'node:net';
import { fileURLToPath } from 'node:url';
import { afterEach, expect, it } from 'vitest';
import { PostgresDriver } from '../../src/store/postgres/driver.js';
import { startCallbackServer } from '../helpers/callback-server.js';
import { describeCluster } from '../helpers/postgres.js';
import { type Cluster, startCluster } from '../helpers/postgres-cluster.js';
import { FROM_SOURCE, runCli, startServiceProcess } from '../helpers/service-process.js';
import { until } from '../helpers/until.js';

// The database goes away and comes back (issue 15, section 3), with a PostgreSQL cluster of the
// test's own that it stops and starts: what Incode (the webhook sender), a load balancer
// (/readyz) and the callback see. A webhook answered 200 is in the database, and is delivered.

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const KEY = { name: 'x-incode-key', value: 'outage-suite-inbound-secret' };
const LEGACY = '/webhooks/legacy/authentication';
const ADMIN = 'outage-suite-admin-token';

const cleanups: (() => unknown)[] = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

async function cluster(options: Parameters<typeof startCluster>[0] = {}): Promise<Cluster> {
  const started = await startCluster(options);
  cleanups.push(() => started.destroy());
  return started;
}

async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

const serviceEnv = (databaseUrl: string, callbackUrl: string) => ({
  DATABASE_URL: databaseUrl,
  CALLBACK_URL: callbackUrl,
  INBOUND_HEADER_NAME: KEY.name,
  INBOUND_HEADER_VALUE: KEY.value,
  ADMIN_TOKEN: ADMIN,
  DELIVERY_RETRY_SCHEDULE: '100ms,200ms,300ms,500ms,1s,1s,1s,1s,1s,1s',
  CALLBACK_TIMEOUT_MS: '2000',
});

/** POSTs one legacy webhook: the status, or 0 when the connection failed. */
async function post(base: string, n: number): Promise<number> {
  try {
    const response = await fetch(`${base}${LEGACY}`, {
      method: 'POST',
      body: JSON.stringify({
        customerId: `c${n % 7}`,
        transactionId: `t${n}`,
        faceMatch: true,
        overallStatus: 'PASS',
      }),
      headers: { 'content-type': 'application/json', [KEY.name]: KEY.value },
      signal: AbortSignal.timeout(10_000),
    });
    await response.arrayBuffer();
    return response.status;
  } catch {
    return 0;
  }
}

/** The last /readyz answers, for a failure's message. */
const readyzSeen: string[] = [];

async function readyz(base: string): Promise<number> {
  const started = Date.now();
  try {
    const response = await fetch(`${base}/readyz`, { signal: AbortSignal.timeout(5_000) });
    readyzSeen.push(`${response.status} ${await response.text()} (${Date.now() - started} ms)`);
    return response.status;
  } catch (error) {
    readyzSeen.push(`${(error as Error).message} (${Date.now() - started} ms)`);
    return 0;
  } finally {
    readyzSeen.splice(0, readyzSeen.length - 3);
  }
}

describeCluster('PostgreSQL goes away and comes back (a cluster the test stops and starts)', () => {
  it('stopped under load: webhooks get 503 and never 200, /readyz fails, nothing crashes; started again: the same process recovers and delivers every webhook that got a 200', async () => {
    const pg = await cluster();
    const cb = await startCallbackServer(() => ({ status: 200 }));
    cleanups.push(() => cb.close());
    const proc = await startServiceProcess(serviceEnv(pg.url(), cb.url), 20_000);
    cleanups.push(async () => {
      proc.child.kill('SIGKILL');
      await proc.exited;
    });

    // Load: four senders, one webhook after the other each, until told to stop.
    type Answer = { n: number; status: number; sentAt: number; answeredAt: number };
    const answers: Answer[] = [];
    let next = 0;
    let load = true;
    const sender = async () => {
      while (load) {
        const n = next++;
        const sentAt = Date.now();
        const status = await post(proc.url, n);
        answers.push({ n, status, sentAt, answeredAt: Date.now() });
        if (status !== 200) await new Promise((resolve) => setTimeout(resolve, 50));
      }
    };
    const senders = Array.from({ length: 4 }, sender);
    await until(
      'some webhooks accepted',
      () => answers.filter((a) => a.status === 200).length >= 20,
      10_000,
    );

    await pg.stop('fast');
    const down = Date.now();
    await until('/readyz to fail', async () => (await readyz(proc.url)) === 503, 10_000, 100).catch(
      (error: Error) => {
        throw new Error(
          `${error.message}; last answers: ${readyzSeen.join(' | ')}; the process (exit ${proc.child.exitCode}) wrote:\n${proc.output().slice(-3000)}`,
        );
      },
    );
    await until(
      'webhooks refused while the database is down',
      () => answers.filter((a) => a.sentAt > down && a.status === 503).length >= 5,
      10_000,
    );
    const up = Date.now();
    await pg.start();

    // Back: the same process becomes ready and accepts again, without a restart.
    await until('/readyz to pass again', async () => (await readyz(proc.url)) === 200, 15_000, 100);
    await until(
      'webhooks accepted again',
      () => answers.filter((a) => a.sentAt > up && a.status === 200).length >= 10,
      15_000,
    );
    load = false;
    await Promise.all(senders);

    // While it was down, nothing was answered 200 (there was no database to make it durable),
    // and nothing was answered otherwise than 503 (no 500, no dropped connection).
    const whileDown = answers.filter((a) => a.sentAt > down && a.answeredAt < up);
    expect(whileDown.length).toBeGreaterThan(0);
    expect(new Set(whileDown.map((a) => a.status))).toEqual(new Set([503]));
    expect(answers.filter((a) => a.status !== 200 && a.status !== 503)).toEqual([]);
    expect(proc.child.exitCode).toBeNull();

    // Every webhook answered 200 reaches the callback. An attempt whose outcome could not be
    // written while the database was away keeps its lease: that event is sent again (same event
    // id) once the lease runs out (CALLBACK_TIMEOUT_MS + 30 s), and its customer's later events
    // wait for it. Each entry still leased once the rest is delivered must be such an event:
    // one the callback got already. Then the leases run out (moved to now rather than waited
    // for) and the rest follows.
    const sql = new PostgresDriver(pg.config(), { max: 1 });
    cleanups.push(() => sql.close());
    const accepted = new Set(answers.filter((a) => a.status === 200).map((a) => `t${a.n}`));
    const undelivered = () => {
      const delivered = new Set(cb.calls.map((call) => String(call.json.transactionId)));
      return [...accepted].filter((id) => !delivered.has(id));
    };
    const outbox = async () =>
      (
        await sql.query<{ event_id: string; order_key: string; lease_until: number | null }>(
          'SELECT event_id, order_key, lease_until FROM outbox ORDER BY seq',
        )
      ).rows;
    const explain = async (error: Error) => {
      const rows = await outbox().then((r) => JSON.stringify(r.slice(0, 10)), String);
      return new Error(
        `${error.message}: ${undelivered().length} of ${accepted.size} not delivered (${undelivered().slice(0, 5).join(', ')}); outbox at ${Date.now()}: ${rows}; the process wrote:\n${proc
          .output()
          .split('\n')
          .filter((line) => !line.includes('webhook: accepted'))
          .join('\n')
          .slice(-3000)}`,
      );
    };
    const sentIds = () =>
      new Set(cb.calls.map((call) => String(call.headers['x-faceauth-event-id'])));
    await until(
      'everything but the entries of unwritten outcomes (and what waits behind them) delivered',
      async () => {
        const rows = await outbox();
        const sent = sentIds();
        const leased = rows.filter((row) => (row.lease_until ?? 0) > Date.now());
        const blocked = new Set(leased.map((row) => row.order_key));
        return (
          leased.every((row) => sent.has(row.event_id)) &&
          rows.every((row) => blocked.has(row.order_key))
        );
      },
      15_000,
      100,
    ).catch(async (error: Error) => {
      throw await explain(error);
    });
    await sql.query('UPDATE outbox SET lease_until = $1 WHERE lease_until > $1', [Date.now() - 1]);
    await until(
      'every accepted webhook delivered',
      () => undelivered().length === 0,
      10_000,
      50,
    ).catch(async (error: Error) => {
      throw await explain(error);
    });
    expect(proc.output()).not.toMatch(/uncaught|unhandled/i);
  }, 40_000);

  it('unreachable at start: the service starts unready, says once which host it waits for, and becomes ready when the database starts', async () => {
    const pg = await cluster();
    await pg.stop();
    const cb = await startCallbackServer(() => ({ status: 200 }));
    cleanups.push(() => cb.close());
    const port = await freePort();
    const base = `http://127.0.0.1:${port}`;
    const child = spawn(process.execPath, [...FROM_SOURCE, 'serve'], {
      cwd: ROOT,
      env: {
        PATH: process.env.PATH ?? '',
        HOST: '127.0.0.1',
        PORT: String(port),
        LOG_LEVEL: 'info',
        ...serviceEnv(pg.url(), cb.url),
      },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let output = '';
    child.stdout.on('data', (chunk: Buffer) => {
      output += chunk.toString();
    });
    child.stderr.on('data', (chunk: Buffer) => {
      output += chunk.toString();
    });
    const exited = new Promise((resolve) => child.once('exit', resolve));
    cleanups.push(async () => {
      child.kill('SIGKILL');
      await exited;
    });
    const target = `127.0.0.1:${pg.port}/postgres`;
    const waiting = () =>
      output
        .split('\n')
        .filter((line) => line.includes(`"msg":"waiting for PostgreSQL at ${target}`));

    await until('the line saying which host it waits for', () => waiting().length > 0, 15_000, 50);
    // It answers, unready: a load balancer sends it nothing yet; it is alive.
    await until('/readyz to answer 503', async () => (await readyz(base)) === 503, 10_000, 100);
    expect((await fetch(`${base}/healthz`)).status).toBe(200);
    expect(await post(base, 1)).toBe(503);
    // A few more tries go by: still said once.
    await new Promise((resolve) => setTimeout(resolve, 1_000));
    expect(waiting(), waiting().join('\n')).toHaveLength(1);
    expect(output).not.toContain(pg.password);

    await pg.start();
    await until('/readyz to pass', async () => (await readyz(base)) === 200, 15_000, 100);
    expect(await post(base, 2)).toBe(200);
    await cb.waitForCalls(1, 10_000);
    expect(cb.calls.map((call) => call.json.transactionId)).toEqual(['t2']);
    expect(child.exitCode).toBeNull();
  });

  it('a refused password stops the start with exit 2 and one line naming DATABASE_URL, the password masked', async () => {
    const pg = await cluster({ password: 'the-right-password-42' });
    const wrong = 'a-wrong-password-17';
    const result = await runCli(serviceEnv(pg.url({ password: wrong }), 'http://127.0.0.1:9/cb'));
    expect(result.code).toBe(2);
    const lines = result.stderr.trim().split('\n');
    expect(lines, result.stderr).toHaveLength(1);
    expect(lines[0]).toContain('DATABASE_URL');
    expect(lines[0]).toMatch(/password authentication failed/);
    expect(lines[0]).toContain(`postgres:***@127.0.0.1:${pg.port}/postgres`);
    expect(result.stderr + result.stdout).not.toContain(wrong);
    expect(result.stderr + result.stdout).not.toContain('the-right-password-42');
  });
});
