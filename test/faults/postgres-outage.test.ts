import { afterEach, expect, it } from 'vitest';
import { PostgresDriver } from '../../src/store/postgres/driver.js';
import { startCallbackServer } from '../helpers/callback-server.js';
import { describeCluster } from '../helpers/postgres.js';
import { type Cluster, startCluster } from '../helpers/postgres-cluster.js';
import { post, readyz, readyzSeen, serviceEnv } from '../helpers/postgres-service.js';
import { startServiceProcess } from '../helpers/service-process.js';
import { until } from '../helpers/until.js';

// The database goes away and comes back (issue 15, section 3), with a PostgreSQL cluster of the
// test's own that it stops and starts: what Incode (the webhook sender), a load balancer
// (/readyz) and the callback see. A webhook answered 200 is in the database, and is delivered.

const cleanups: (() => unknown)[] = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

async function cluster(options: Parameters<typeof startCluster>[0] = {}): Promise<Cluster> {
  const started = await startCluster(options);
  cleanups.push(() => started.destroy());
  return started;
}

describeCluster('PostgreSQL goes away and comes back (a cluster the test stops and starts)', () => {
  it('stopped under load: webhooks get 503 and never 200, /readyz fails, nothing crashes; started again: the same process recovers and delivers every webhook that got a 200, once', async () => {
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

    // Every webhook answered 200 reaches the callback, once: a result the database could not
    // take while it was away is written when it is back (the lease is still this instance's),
    // so the event is neither left leased until the lease runs out nor sent again.
    const accepted = new Set(answers.filter((a) => a.status === 200).map((a) => `t${a.n}`));
    const undelivered = () => {
      const delivered = new Set(cb.calls.map((call) => String(call.json.transactionId)));
      return [...accepted].filter((id) => !delivered.has(id));
    };
    await until(
      'every accepted webhook delivered',
      () => undelivered().length === 0,
      10_000,
      50,
    ).catch(async (error: Error) => {
      const sql = new PostgresDriver(pg.config(), { max: 1 });
      const outbox = await sql
        .query(
          'SELECT event_id, order_key, lease_until, leased_by, attempts FROM outbox ORDER BY seq LIMIT 10',
        )
        .then((result) => JSON.stringify(result.rows), String)
        .finally(() => sql.close());
      throw new Error(
        `${error.message}: ${undelivered().length} of ${accepted.size} not delivered (${undelivered().slice(0, 5).join(', ')}); outbox at ${Date.now()}: ${outbox}; the process wrote:\n${proc
          .output()
          .split('\n')
          .filter((line) => !line.includes('webhook: accepted'))
          .join('\n')
          .slice(-3000)}`,
      );
    });
    const sends = new Map<string, number>();
    for (const call of cb.calls) {
      const id = String(call.headers['x-faceauth-event-id']);
      sends.set(id, (sends.get(id) ?? 0) + 1);
    }
    expect([...sends].filter(([, times]) => times > 1)).toEqual([]);
    expect(proc.output()).not.toMatch(/uncaught|unhandled/i);
  }, 30_000);
});
