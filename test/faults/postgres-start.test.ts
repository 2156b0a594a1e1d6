import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { afterAll, afterEach, beforeAll, expect, it } from 'vitest';
import { startCallbackServer } from '../helpers/callback-server.js';
import { describeCluster } from '../helpers/postgres.js';
import { type Cluster, startCluster } from '../helpers/postgres-cluster.js';
import { freePort, post, readyz, serviceEnv } from '../helpers/postgres-service.js';
import { runCli, SERVICE_CLI } from '../helpers/service-process.js';
import { until } from '../helpers/until.js';

// The start of a service on PostgreSQL (issue 15, section 3), with a cluster of the test's own:
// refused credentials stop it (exit 2, one line, password masked); a database that is not up
// yet does not: the service starts unready, says once which host it waits for, and becomes
// ready by itself when the database starts (containers often start before their database).

const ROOT = fileURLToPath(new URL('../../', import.meta.url));

const cleanups: (() => unknown)[] = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

describeCluster('PostgreSQL at start (a cluster the test stops and starts)', () => {
  // One cluster for the file: the refused password first, then the start that waits for it.
  let pg: Cluster;
  beforeAll(async () => {
    pg = await startCluster({ password: 'the-right-password-42' });
  }, 30_000);
  afterAll(() => pg?.destroy());

  it('a refused password stops the start with exit 2 and one line naming DATABASE_URL, the password masked', async () => {
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

  it('unreachable at start: the service starts unready, says once which host it waits for, and becomes ready when the database starts', async () => {
    await pg.stop();
    const cb = await startCallbackServer(() => ({ status: 200 }));
    cleanups.push(() => cb.close());
    const port = await freePort();
    const base = `http://127.0.0.1:${port}`;
    const child = spawn(process.execPath, [...SERVICE_CLI, 'serve'], {
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
});
