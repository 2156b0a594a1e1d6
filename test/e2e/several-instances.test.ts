import { afterAll, beforeAll, expect, it } from 'vitest';
import { PostgresDriver } from '../../src/store/postgres/driver.js';
import { quoteIdentifier } from '../../src/store/postgres/pool-config.js';
import { type CallbackServer, startCallbackServer } from '../helpers/callback-server.js';
import { createSchema, describePostgres, testPostgresConfig } from '../helpers/postgres.js';
import { schemaUrl } from '../helpers/postgres-stores.js';
import { type ServiceProcess, startServiceProcess } from '../helpers/service-process.js';
import { until } from '../helpers/until.js';

// Two real service processes on one PostgreSQL schema and a real callback on loopback: what an
// operator running two replicas behind a load balancer, Incode and the callback see. The two
// processes are started once for the file (a start costs seconds); each test uses customers
// and transaction ids of its own, and the kill -9 comes last.

const KEY = { name: 'x-incode-key', value: 'several-instances-inbound-secret' };
const ADMIN = 'several-instances-admin-token';
const LEGACY = '/webhooks/legacy/authentication';

async function post(
  proc: ServiceProcess,
  body: { customerId: string; transactionId: string; overallStatus: string },
) {
  const response = await fetch(`${proc.url}${LEGACY}`, {
    method: 'POST',
    // A legacy body: faceMatch as the outcome says.
    body: JSON.stringify({ ...body, faceMatch: body.overallStatus === 'PASS' }),
    headers: { 'content-type': 'application/json', [KEY.name]: KEY.value },
  });
  return { status: response.status, body: (await response.json()) as { duplicate?: boolean } };
}

async function send(
  proc: ServiceProcess,
  body: { customerId: string; transactionId: string; overallStatus: string },
): Promise<void> {
  const { status, body: answer } = await post(proc, body);
  expect(status, JSON.stringify(answer)).toBe(200);
}

async function admin<T>(proc: ServiceProcess, path: string, init: RequestInit = {}): Promise<T> {
  const response = await fetch(`${proc.url}${path}`, {
    ...init,
    headers: {
      authorization: `Bearer ${ADMIN}`,
      'content-type': 'application/json',
      ...init.headers,
    },
  });
  expect(response.ok, `${path}: ${response.status}`).toBe(true);
  return (await response.json()) as T;
}

/** The stored events of the customers whose id starts with `prefix`, as the admin API lists them. */
async function eventsOf(
  proc: ServiceProcess,
  prefix: string,
): Promise<{ status: string; result: { customerId: string | null } }[]> {
  const { events } = await admin<{
    events: { status: string; result: { customerId: string | null } }[];
  }>(proc, '/admin/events?limit=500');
  return events.filter((event) => event.result.customerId?.startsWith(prefix));
}

const transactionOf = (call: CallbackServer['calls'][number]) => String(call.json.transactionId);
/** The callback's calls for these transaction ids, in arrival order. */
const callsFor = (cb: CallbackServer, prefix: string) =>
  cb.calls.filter((call) => transactionOf(call).startsWith(prefix));

describePostgres('several service processes on one PostgreSQL database', () => {
  let cb: CallbackServer;
  let a: ServiceProcess;
  let b: ServiceProcess;
  let sql: PostgresDriver;
  let dropSchema: () => Promise<void>;

  beforeAll(async () => {
    // A schema for the file (freshSchema's lives for one test), dropped after it.
    const name = await createSchema();
    const admin = new PostgresDriver(testPostgresConfig(), { max: 1 });
    sql = new PostgresDriver(testPostgresConfig(), { max: 1, schema: name });
    dropSchema = async () => {
      await sql.close();
      await admin.query(`DROP SCHEMA ${quoteIdentifier(name)} CASCADE`);
      await admin.close();
    };
    cb = await startCallbackServer(() => ({ status: 200 }));
    const env = {
      INBOUND_HEADER_NAME: KEY.name,
      INBOUND_HEADER_VALUE: KEY.value,
      ADMIN_TOKEN: ADMIN,
      CALLBACK_URL: cb.url,
      DATABASE_URL: schemaUrl(name),
      FORWARD_SOURCE: 'legacy',
      SHADOW_FALLBACK_AFTER: '1s',
      DELIVERY_RETRY_SCHEDULE: '50ms,50ms,50ms,50ms,50ms,50ms,50ms,50ms',
      CALLBACK_TIMEOUT_MS: '10000',
    };
    [a, b] = await Promise.all([
      startServiceProcess(env, 20_000),
      startServiceProcess(env, 20_000),
    ]);
  }, 30_000);

  afterAll(async () => {
    for (const proc of [a, b]) {
      proc?.child.kill('SIGKILL');
      await proc?.exited;
    }
    await cb?.close();
    await dropSchema?.();
  });

  it('the same webhook at both instances at the same moment: both answered 200, one of them as the duplicate; the callback gets it once', async () => {
    const bodies = Array.from({ length: 10 }, (_, n) => ({
      customerId: `dup-${n}`,
      transactionId: `dup-${n}`,
      overallStatus: 'PASS',
    }));
    const answers = await Promise.all(bodies.flatMap((body) => [post(a, body), post(b, body)]));
    for (const n of bodies.keys()) {
      const pair = [answers[2 * n], answers[2 * n + 1]];
      expect(pair.map((answer) => answer?.status)).toEqual([200, 200]);
      expect(pair.filter((answer) => answer?.body.duplicate === true)).toHaveLength(1);
    }
    // One event stored per webhook, each delivered: nothing is sent for them again.
    await until(
      'every webhook stored once and delivered',
      async () => {
        const events = await eventsOf(a, 'dup-');
        return events.length === 10 && events.every((event) => event.status === 'delivered');
      },
      5_000,
      50,
    );
    const calls = callsFor(cb, 'dup-');
    expect(calls.map(transactionOf).sort()).toEqual(
      bodies.map((body) => body.transactionId).sort(),
    );
    expect(new Set(calls.map((call) => call.headers['x-faceauth-event-id'])).size).toBe(10);
  });

  it("a customer's webhooks sent in turn to both instances reach the callback in that order, with a failing callback", async () => {
    // Every other first attempt fails, so later events must wait for the retries of earlier ones.
    const failedOnce = new Set<string>();
    cb.respond = (call) => {
      const id = transactionOf(call);
      if (id.startsWith('ord-') && !failedOnce.has(id) && Number(id.split('-')[2]) % 2 === 0) {
        failedOnce.add(id);
        return { status: 503 };
      }
      return { status: 200 };
    };
    const customers = ['x', 'y', 'z'];
    const perCustomer = 8;
    await Promise.all(
      customers.map(async (customer) => {
        for (let n = 0; n < perCustomer; n++) {
          await send(n % 2 === 0 ? a : b, {
            customerId: `ord-${customer}`,
            transactionId: `ord-${customer}-${n}`,
            overallStatus: n % 3 === 0 ? 'FAIL' : 'PASS',
          });
        }
      }),
    );
    await until(
      'every webhook delivered',
      () => callsFor(cb, 'ord-').length >= customers.length * perCustomer * 1.5,
      10_000,
    );
    for (const customer of customers) {
      // Each attempt in order: 0 (503), 0, 1, 2 (503), 2, 3, ...
      const attempts = callsFor(cb, `ord-${customer}-`).map(transactionOf);
      const expected = Array.from({ length: perCustomer }, (_, n) =>
        n % 2 === 0 ? [`ord-${customer}-${n}`, `ord-${customer}-${n}`] : [`ord-${customer}-${n}`],
      ).flat();
      expect(attempts, customer).toEqual(expected);
    }
    cb.respond = () => ({ status: 200 });
  });

  it('both reports of each login at the two instances at the same instant, under both: the callback gets each login once', async () => {
    await admin(a, '/admin/forward-source', {
      method: 'PUT',
      body: JSON.stringify({ source: 'both' }),
    });
    const bothAt = async (proc: ServiceProcess) =>
      (await admin<{ forwardSource: { value: string } }>(proc, '/admin/config')).forwardSource
        .value === 'both';
    await until(
      'both instances on both',
      async () => (await bothAt(a)) && (await bothAt(b)),
      2_500,
      50,
    );
    const logins = Array.from({ length: 15 }, (_, n) => n);
    const workflows = (n: number) =>
      fetch(`${b.url}/webhooks/workflows/face-authentication`, {
        method: 'POST',
        body: JSON.stringify({
          interviewId: `two-${n}`,
          customerId: `two-${n}`,
          overallStatus: 'PASS',
        }),
        headers: { 'content-type': 'application/json', [KEY.name]: KEY.value },
      });
    const legacy = (n: number) =>
      fetch(`${a.url}${LEGACY}`, {
        method: 'POST',
        body: JSON.stringify({
          customerId: `two-${n}`,
          interviewId: `two-${n}`,
          transactionId: `two-${n}`,
          faceMatch: true,
          overallStatus: 'PASS',
        }),
        headers: { 'content-type': 'application/json', [KEY.name]: KEY.value },
      });
    const answers = await Promise.all(logins.flatMap((n) => [legacy(n), workflows(n)]));
    expect(answers.map((r) => r.status)).toEqual(answers.map(() => 200));
    const forLogins = () =>
      cb.calls.filter((call) => String(call.json.customerId).startsWith('two-'));
    // Each login stored once delivered, its other report shadowed at whichever instance took
    // it: every report in a final state, so no callback is still to come.
    await until(
      'one report of each login delivered, the other shadowed',
      async () => {
        const events = await eventsOf(a, 'two-');
        const count = (status: string) => events.filter((e) => e.status === status).length;
        return count('delivered') === logins.length && count('shadowed') === logins.length;
      },
      5_000,
      50,
    );
    const perLogin = new Map<string, number>();
    for (const call of forLogins()) {
      const id = String(call.json.customerId);
      perLogin.set(id, (perLogin.get(id) ?? 0) + 1);
    }
    expect([...perLogin.values()]).toEqual(logins.map(() => 1));
    await admin(a, '/admin/forward-source', {
      method: 'PUT',
      body: JSON.stringify({ source: 'legacy' }),
    });
    await until(
      'both back on legacy',
      async () => !(await bothAt(a)) && !(await bothAt(b)),
      2_500,
      50,
    );
  });

  it('PUT /admin/forward-source at one instance is obeyed by the other within two seconds', async () => {
    await admin(a, '/admin/forward-source', {
      method: 'PUT',
      body: JSON.stringify({ source: 'workflows' }),
    });
    const switched = Date.now();
    const forwardSourceAt = async (proc: ServiceProcess) =>
      (await admin<{ forwardSource: { value: string } }>(proc, '/admin/config')).forwardSource
        .value;
    await until(
      'the other instance to obey the switch',
      async () => (await forwardSourceAt(b)) === 'workflows',
      2_500,
      50,
    );
    expect(Date.now() - switched).toBeLessThan(2_500);
    // What the callback sees: a legacy login at b, which no Workflows report joins, waits for
    // one (SHADOW_FALLBACK_AFTER, 1 s here), then is forwarded alone: never dropped.
    const sent = Date.now();
    await send(b, { customerId: 'sw-1', transactionId: 'sw-1', overallStatus: 'PASS' });
    await until(
      'the waiting login forwarded alone',
      () => callsFor(cb, 'sw-1').length === 1,
      5_000,
    );
    expect(Date.now() - sent).toBeGreaterThanOrEqual(1_000);

    // And back, the same way round.
    await admin(b, '/admin/forward-source', {
      method: 'PUT',
      body: JSON.stringify({ source: 'legacy' }),
    });
    await until('a to obey', async () => (await forwardSourceAt(a)) === 'legacy', 2_500, 50);
    await send(a, { customerId: 'sw-2', transactionId: 'sw-2', overallStatus: 'PASS' });
    await until('the legacy webhook delivered', () => callsFor(cb, 'sw-2').length === 1, 5_000);
  });

  it("kill -9 of an instance mid-delivery: the other delivers its leased event once the lease runs out, then the customer's next one", async () => {
    // a's first delivery of k1 never gets an answer: a is mid-delivery when it is killed.
    let hung = false;
    cb.respond = (call) => {
      if (transactionOf(call) === 'k1' && !hung) {
        hung = true;
        return 'hang';
      }
      return { status: 200 };
    };
    await send(a, { customerId: 'kill-x', transactionId: 'k1', overallStatus: 'PASS' });
    await until('a to send k1', () => hung, 5_000);
    // The customer's next webhook reaches b while k1 is in flight at a.
    await send(b, { customerId: 'kill-x', transactionId: 'k2', overallStatus: 'FAIL' });
    a.child.kill('SIGKILL');
    await a.exited;

    // a's lease (CALLBACK_TIMEOUT_MS + 30 s) still runs: b sends neither k1 nor k2 behind it.
    // A Workflows login sent to b after the kill waits SHADOW_FALLBACK_AFTER, then b's poll
    // forwards it and claims it from the outbox: once it is delivered, b has read the outbox
    // with k1 leased to the dead instance, and sent nothing of kill-x.
    const probe = await fetch(`${b.url}/webhooks/workflows/face-authentication`, {
      method: 'POST',
      body: JSON.stringify({
        interviewId: 'kill-probe',
        customerId: 'kill-probe',
        overallStatus: 'PASS',
      }),
      headers: { 'content-type': 'application/json', [KEY.name]: KEY.value },
    });
    expect(probe.status).toBe(200);
    await until(
      'b to claim and deliver the probe',
      async () => (await eventsOf(b, 'kill-probe')).some((e) => e.status === 'delivered'),
      5_000,
      50,
    );
    expect(callsFor(cb, 'k').map(transactionOf)).toEqual(['k1']);
    const leased = await sql.query<{ event_id: string }>(
      'SELECT event_id FROM outbox WHERE lease_until IS NOT NULL',
    );
    expect(leased.rows).toHaveLength(1);

    // The lease runs out (moved to now rather than waiting 40 s): b takes the event over and
    // delivers it under the same event id, then k2.
    await sql.query('UPDATE outbox SET lease_until = $1 WHERE lease_until IS NOT NULL', [
      Date.now() - 1,
    ]);
    await until('k1 again and k2', () => callsFor(cb, 'k').length >= 3, 5_000);
    const calls = callsFor(cb, 'k');
    expect(calls.map(transactionOf)).toEqual(['k1', 'k1', 'k2']);
    expect(calls[1]?.headers['x-faceauth-event-id']).toBe(calls[0]?.headers['x-faceauth-event-id']);
    await until(
      'both delivered',
      async () => {
        const { events } = await admin<{
          events: { status: string; result: { customerId: string } }[];
        }>(b, '/admin/events?limit=100');
        const mine = events.filter((event) => event.result.customerId === 'kill-x');
        return mine.length === 2 && mine.every((event) => event.status === 'delivered');
      },
      5_000,
      50,
    );
  });
});
