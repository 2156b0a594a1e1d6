import { afterEach, expect, it } from 'vitest';
import { type CallbackServer, startCallbackServer } from '../helpers/callback-server.js';
import { describePostgres, freshSchema } from '../helpers/postgres.js';
import { schemaUrl } from '../helpers/postgres-stores.js';
import { type ServiceProcess, startServiceProcess } from '../helpers/service-process.js';
import { until } from '../helpers/until.js';

// Two real service processes on one PostgreSQL schema, a real callback on loopback: what an
// operator running two replicas behind a load balancer sees when one is killed, and when the
// forward source is switched at one of them.

const KEY = { name: 'x-incode-key', value: 'several-instances-inbound-secret' };
const ADMIN = 'several-instances-admin-token';
const LEGACY = '/webhooks/legacy/authentication';

const cleanups: (() => unknown)[] = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

async function instance(env: Record<string, string>): Promise<ServiceProcess> {
  const proc = await startServiceProcess(
    {
      INBOUND_HEADER_NAME: KEY.name,
      INBOUND_HEADER_VALUE: KEY.value,
      ADMIN_TOKEN: ADMIN,
      LOG_LEVEL: 'warn',
      ...env,
    },
    20_000,
  );
  cleanups.push(async () => {
    proc.child.kill('SIGKILL');
    await proc.exited;
  });
  return proc;
}

async function callback(respond: Parameters<typeof startCallbackServer>[0]) {
  const server = await startCallbackServer(respond);
  cleanups.push(() => server.close());
  return server;
}

async function send(proc: ServiceProcess, body: object): Promise<void> {
  const response = await fetch(`${proc.url}${LEGACY}`, {
    method: 'POST',
    body: JSON.stringify(body),
    headers: { 'content-type': 'application/json', [KEY.name]: KEY.value },
  });
  expect(response.status, await response.text()).toBe(200);
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

const eventIdsOf = (cb: CallbackServer) =>
  cb.calls.map((call) => String(call.headers['x-faceauth-event-id']));
const markersOf = (cb: CallbackServer) => cb.calls.map((call) => call.json.transactionId);

describePostgres('several service processes on one PostgreSQL database', () => {
  it("kill -9 of an instance mid-delivery: the other delivers its leased event once the lease runs out, then the customer's next one", async () => {
    const schema = await freshSchema();
    const sql = schema.driver({ max: 1 });
    // The first delivery hangs (the instance is mid-delivery when it is killed); the rest succeed.
    const cb = await callback((_call, index) => (index === 0 ? 'hang' : { status: 200 }));
    const env = {
      CALLBACK_URL: cb.url,
      DATABASE_URL: schemaUrl(schema.name),
      DELIVERY_RETRY_SCHEDULE: '100ms,100ms,100ms',
      CALLBACK_TIMEOUT_MS: '10000',
    };
    const [a, b] = await Promise.all([instance(env), instance(env)]);

    await send(a, { customerId: 'X', transactionId: 't1', overallStatus: 'PASS' });
    await cb.waitForCalls(1);
    // The customer's next webhook reaches the other instance while the first is in flight.
    await send(b, { customerId: 'X', transactionId: 't2', overallStatus: 'FAIL' });
    a.child.kill('SIGKILL');
    await a.exited;

    // a's lease (CALLBACK_TIMEOUT_MS + 30 s) still runs: b sends neither t1 nor t2 behind it.
    await new Promise((resolve) => setTimeout(resolve, 1_500));
    expect(markersOf(cb)).toEqual(['t1']);
    const leased = await sql.query<{ n: number }>(
      'SELECT count(*)::int AS n FROM outbox WHERE lease_until IS NOT NULL',
    );
    expect(leased.rows[0]?.n).toBe(1);

    // The lease runs out (moved to now rather than waiting 40 s): b takes the event over and
    // delivers it under the same event id, then t2.
    await sql.query('UPDATE outbox SET lease_until = $1 WHERE lease_until IS NOT NULL', [
      Date.now() - 1,
    ]);
    await cb.waitForCalls(3, 5_000);
    expect(markersOf(cb)).toEqual(['t1', 't1', 't2']);
    const [first, again] = eventIdsOf(cb);
    expect(again).toBe(first);
    await until(
      'both delivered',
      async () =>
        (await admin<{ events: { status: string }[] }>(b, '/admin/events?limit=10')).events.every(
          (event) => event.status === 'delivered',
        ),
      5_000,
      50,
    );
  });

  it('PUT /admin/forward-source at one instance is obeyed by the other within two seconds', async () => {
    const schema = await freshSchema();
    const cb = await callback(() => ({ status: 200 }));
    const env = {
      CALLBACK_URL: cb.url,
      DATABASE_URL: schemaUrl(schema.name),
      FORWARD_SOURCE: 'legacy',
    };
    const [a, b] = await Promise.all([instance(env), instance(env)]);
    await admin(a, '/admin/forward-source', {
      method: 'PUT',
      body: JSON.stringify({ source: 'workflows' }),
    });
    const switched = Date.now();
    await until(
      'the other instance to obey the switch',
      async () =>
        (await admin<{ forwardSource: { value: string } }>(b, '/admin/config')).forwardSource
          .value === 'workflows',
      2_500,
      50,
    );
    expect(Date.now() - switched).toBeLessThan(2_500);
    // What the callback sees: a legacy webhook at b is now stored and compared, not forwarded.
    await send(b, { customerId: 'X', transactionId: 't1', overallStatus: 'PASS' });
    const { events } = await admin<{ events: { status: string }[] }>(b, '/admin/events?limit=10');
    expect(events.map((event) => event.status)).toEqual(['shadowed']);
    await new Promise((resolve) => setTimeout(resolve, 300));
    expect(cb.calls).toHaveLength(0);
  });
});
