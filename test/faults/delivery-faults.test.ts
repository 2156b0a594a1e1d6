import { mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import {
  type CallbackServer,
  type Responder,
  startCallbackServer,
} from '../helpers/callback-server.js';
import { runCli, type ServiceProcess, startServiceProcess } from '../helpers/service-process.js';

// The real service process against a real callback on loopback, with the faults a callback
// can have. Every scenario asserts what the callback (and the operator) sees.

const KEY = { name: 'x-incode-key', value: 'fault-suite-inbound-secret' };
const ADMIN = 'fault-suite-admin-token';
const LEGACY = '/webhooks/legacy/authentication';

const cleanups: (() => unknown)[] = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

function tempDb(): string {
  const dir = mkdtempSync(join(tmpdir(), 'faceauth-faults-'));
  cleanups.push(() => rmSync(dir, { recursive: true, force: true }));
  return join(dir, 'shim.db');
}

/** A port nothing listens on (yet). */
async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

async function callback(respond: Responder, port = 0): Promise<CallbackServer> {
  const server = await startCallbackServer(respond, port);
  cleanups.push(() => server.close());
  return server;
}

async function shim(env: Record<string, string>): Promise<ServiceProcess> {
  const proc = await startServiceProcess({
    INBOUND_HEADER_NAME: KEY.name,
    INBOUND_HEADER_VALUE: KEY.value,
    ADMIN_TOKEN: ADMIN,
    ...env,
  });
  cleanups.push(async () => {
    proc.child.kill('SIGKILL');
    await proc.exited;
  });
  return proc;
}

const body = (customerId: string, overallStatus = 'PASS') =>
  JSON.stringify({ customerId, faceMatch: overallStatus === 'PASS', overallStatus });

async function send(proc: ServiceProcess, payload: string): Promise<void> {
  const response = await fetch(`${proc.url}${LEGACY}`, {
    method: 'POST',
    body: payload,
    headers: { 'content-type': 'application/json', [KEY.name]: KEY.value },
  });
  expect(response.status).toBe(200);
}

interface AdminEvent {
  id: string;
  status: string;
  attempts: number;
  lastError: string | null;
  attemptHistory: { statusCode: number | null; error: string | null; durationMs: number }[];
}

async function admin<T>(proc: ServiceProcess, path: string, init: RequestInit = {}): Promise<T> {
  const response = await fetch(`${proc.url}${path}`, {
    ...init,
    headers: { authorization: `Bearer ${ADMIN}`, ...init.headers },
  });
  return (await response.json()) as T;
}

async function eventsWith(proc: ServiceProcess, status: string): Promise<AdminEvent[]> {
  return (await admin<{ events: AdminEvent[] }>(proc, `/admin/events?status=${status}&limit=500`))
    .events;
}

/** Polls `check` every 50 ms until it returns a value, for at most `timeoutMs`. */
async function waitFor<T>(check: () => Promise<T | undefined>, timeoutMs = 10_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await check();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error('timed out waiting');
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

const waitForStatus = (proc: ServiceProcess, status: string, count: number) =>
  waitFor(async () => {
    const events = await eventsWith(proc, status);
    return events.length >= count ? events : undefined;
  });

const idsOf = (cb: CallbackServer) => cb.calls.map((c) => String(c.headers['x-faceauth-event-id']));

describe('delivery under faults (real service process, real callback)', () => {
  it('callback down for the whole schedule: events go dead, then a replay delivers each once', async () => {
    const port = await freePort();
    const db = tempDb();
    const proc = await shim({
      CALLBACK_URL: `http://127.0.0.1:${port}/cb`,
      DATABASE_URL: `sqlite:${db}`,
      DELIVERY_RETRY_SCHEDULE: '50ms,50ms',
    });
    for (const id of ['a', 'b', 'c']) await send(proc, body(id));
    const dead = await waitForStatus(proc, 'dead', 3);
    expect(dead.every((e) => e.attempts === 3 && e.lastError === 'ECONNREFUSED')).toBe(true);
    const metrics = await (await fetch(`${proc.url}/metrics`)).text();
    expect(metrics).toMatch(/faceauth_dead_events_total\{source="legacy"\} 3/);

    const cb = await callback(() => ({ status: 200 }), port);
    const replay = await runCli({ DATABASE_URL: `sqlite:${db}` }, ['replay', '--status', 'dead']);
    expect(replay.stdout.trim()).toBe('replayed 3 dead events');
    await cb.waitForCalls(3);
    await waitForStatus(proc, 'delivered', 3);
    expect(new Set(idsOf(cb))).toEqual(new Set(dead.map((e) => e.id)));
    expect(cb.calls).toHaveLength(3);
  });

  it('503 then 200: delivered on the third attempt, once, with the attempt history', async () => {
    const cb = await callback((_c, i) => ({ status: i < 2 ? 503 : 200 }));
    const proc = await shim({
      CALLBACK_URL: cb.url,
      DATABASE_URL: `sqlite:${tempDb()}`,
      DELIVERY_RETRY_SCHEDULE: '50ms,50ms,50ms',
    });
    await send(proc, body('c1'));
    const [event] = await waitForStatus(proc, 'delivered', 1);
    const detail = await admin<AdminEvent>(proc, `/admin/events/${event?.id}`);
    expect(detail.attemptHistory.map((a) => a.statusCode)).toEqual([503, 503, 200]);
    expect(cb.calls).toHaveLength(3);
    expect(new Set(idsOf(cb)).size).toBe(1);
  });

  it('429 with Retry-After: the next attempt waits as long as asked, not the 50 ms scheduled', async () => {
    const times: number[] = [];
    const cb = await callback((_c, i) => {
      times.push(Date.now());
      return i === 0 ? { status: 429, headers: { 'retry-after': '1' } } : { status: 200 };
    });
    const proc = await shim({
      CALLBACK_URL: cb.url,
      DATABASE_URL: `sqlite:${tempDb()}`,
      DELIVERY_RETRY_SCHEDULE: '50ms',
    });
    await send(proc, body('c1'));
    await cb.waitForCalls(2);
    expect((times[1] ?? 0) - (times[0] ?? 0)).toBeGreaterThanOrEqual(950);
    await waitForStatus(proc, 'delivered', 1);
  });

  it('a callback that never answers: the attempt times out and the retry delivers', async () => {
    const cb = await callback((_c, i) => (i === 0 ? 'hang' : { status: 200 }));
    const proc = await shim({
      CALLBACK_URL: cb.url,
      DATABASE_URL: `sqlite:${tempDb()}`,
      DELIVERY_RETRY_SCHEDULE: '50ms',
      CALLBACK_TIMEOUT_MS: '300',
    });
    await send(proc, body('c1'));
    const [event] = await waitForStatus(proc, 'delivered', 1);
    const detail = await admin<AdminEvent>(proc, `/admin/events/${event?.id}`);
    expect(detail.attemptHistory.map((a) => a.error ?? a.statusCode)).toEqual(['timeout', 200]);
    expect(detail.attemptHistory[0]?.durationMs).toBeGreaterThanOrEqual(250);
  });

  it('connection refused, then the callback comes up: delivered', async () => {
    const port = await freePort();
    const proc = await shim({
      CALLBACK_URL: `http://127.0.0.1:${port}/cb`,
      DATABASE_URL: `sqlite:${tempDb()}`,
      DELIVERY_RETRY_SCHEDULE: '200ms,200ms,200ms,200ms,200ms',
    });
    await send(proc, body('c1'));
    await waitFor(async () => {
      const [event] = await eventsWith(proc, 'pending');
      return event && event.attempts >= 1 ? event : undefined;
    });
    const cb = await callback(() => ({ status: 200 }), port);
    const [event] = await waitForStatus(proc, 'delivered', 1);
    expect(event?.attempts).toBeGreaterThanOrEqual(2);
    expect(cb.calls).toHaveLength(1);
  });

  it('a reset before the answer and a cut in the middle of it are failed attempts, retried', async () => {
    const cb = await callback((_c, i) => (i === 0 ? 'reset' : i === 1 ? 'cut' : { status: 200 }));
    const proc = await shim({
      CALLBACK_URL: cb.url,
      DATABASE_URL: `sqlite:${tempDb()}`,
      DELIVERY_RETRY_SCHEDULE: '50ms,50ms,50ms',
    });
    await send(proc, body('c1'));
    const [event] = await waitForStatus(proc, 'delivered', 1);
    const detail = await admin<AdminEvent>(proc, `/admin/events/${event?.id}`);
    expect(detail.attemptHistory).toHaveLength(3);
    expect(detail.attemptHistory.slice(0, 2).every((a) => a.error !== null)).toBe(true);
    expect(new Set(idsOf(cb)).size).toBe(1);
  });

  it('410 Gone stops retrying that event at once', async () => {
    const cb = await callback(() => ({ status: 410 }));
    const proc = await shim({
      CALLBACK_URL: cb.url,
      DATABASE_URL: `sqlite:${tempDb()}`,
      DELIVERY_RETRY_SCHEDULE: '50ms,50ms,50ms',
    });
    await send(proc, body('c1'));
    // Stored dead after one attempt: a dead event is never claimed again (only a replay sends it).
    const [event] = await waitForStatus(proc, 'dead', 1);
    expect(event).toMatchObject({ attempts: 1, lastError: 'HTTP 410' });
    expect(cb.calls).toHaveLength(1);
  });

  it('keeps one customer in order: a later PASS does not overtake an earlier FAIL that is being retried', async () => {
    // The FAIL is refused until the other customer's event has arrived, so its retries are
    // still running while the PASS of the same customer waits behind it.
    let otherArrived = false;
    const cb = await callback((call) => {
      if (call.json.customerId === 'other-customer') otherArrived = true;
      return call.json.overallStatus === 'FAIL' && !otherArrived
        ? { status: 503 }
        : { status: 200 };
    });
    const proc = await shim({
      CALLBACK_URL: cb.url,
      DATABASE_URL: `sqlite:${tempDb()}`,
      DELIVERY_RETRY_SCHEDULE: '100ms,100ms,100ms,100ms,100ms,100ms,100ms,100ms,100ms,100ms',
    });
    await send(proc, body('same-customer', 'FAIL'));
    await send(proc, body('same-customer', 'PASS'));
    await send(proc, body('other-customer', 'PASS'));
    await waitForStatus(proc, 'delivered', 3);
    const delivered = cb.calls.map((c) => `${c.json.customerId}:${c.json.overallStatus}`);
    const fail = delivered.lastIndexOf('same-customer:FAIL');
    const pass = delivered.indexOf('same-customer:PASS');
    expect(pass).toBeGreaterThan(fail);
    // The other customer is not held up by the first one's retries.
    expect(delivered.indexOf('other-customer:PASS')).toBeLessThan(fail);
  });

  it('SIGTERM: stops intake, hands back a delivery that outlives SHUTDOWN_GRACE, exits 0; the next start sends it', async () => {
    const db = tempDb();
    const hung = await callback(() => 'hang');
    let proc = await shim({
      CALLBACK_URL: hung.url,
      DATABASE_URL: `sqlite:${db}`,
      SHUTDOWN_GRACE: '300ms',
    });
    await send(proc, body('c1'));
    await hung.waitForCalls(1);
    const started = Date.now();
    proc.child.kill('SIGTERM');
    expect(await proc.exited).toBe(0);
    expect(Date.now() - started).toBeLessThan(5000);
    await expect(fetch(`${proc.url}/healthz`)).rejects.toThrow();

    const cb = await callback(() => ({ status: 200 }));
    proc = await shim({ CALLBACK_URL: cb.url, DATABASE_URL: `sqlite:${db}` });
    const [call] = await cb.waitForCalls(1);
    expect(call?.headers['x-faceauth-event-id']).toBe(
      hung.calls[0]?.headers['x-faceauth-event-id'],
    );
    const [event] = await waitForStatus(proc, 'delivered', 1);
    // The handed-back attempt is not counted: one attempt, the one that delivered.
    expect(event?.attempts).toBe(1);
  }, 30_000);

  it('SIGKILL with 100 events pending loses none: each arrives after the restart, under one event id', async () => {
    const db = tempDb();
    const port = await freePort();
    const env = {
      DATABASE_URL: `sqlite:${db}`,
      CALLBACK_URL: `http://127.0.0.1:${port}/cb`,
      // Long enough that no event runs out of attempts while the service is down.
      DELIVERY_RETRY_SCHEDULE: '200ms,500ms,1s,1s,1s,1s,1s,1s,1s,1s,1s,1s,1s,1s,1s',
      CALLBACK_CONCURRENCY: '8',
    };
    let proc = await shim(env);
    const customers = Array.from({ length: 100 }, (_, i) => `customer-${i}`);
    await Promise.all(customers.map((c) => send(proc, body(c))));
    proc.child.kill('SIGKILL');
    expect(await proc.exited).toBe('SIGKILL');

    const cb = await callback(() => ({ status: 200 }), port);
    proc = await shim(env);
    await cb.waitForCalls(100);
    await waitForStatus(proc, 'delivered', 100);
    const byCustomer = new Map<string, Set<string>>();
    for (const call of cb.calls) {
      const ids = byCustomer.get(String(call.json.customerId)) ?? new Set();
      ids.add(String(call.headers['x-faceauth-event-id']));
      byCustomer.set(String(call.json.customerId), ids);
    }
    expect([...byCustomer.keys()].sort()).toEqual([...customers].sort());
    expect([...byCustomer.values()].every((ids) => ids.size === 1)).toBe(true);
  }, 60_000);
});
