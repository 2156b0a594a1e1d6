import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { createServer } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/config/config.js';
import { createLogger } from '../../src/ops/logger.js';
import { type RunningService, startService } from '../../src/service.js';
import { type CallbackServer, startCallbackServer } from '../helpers/callback-server.js';
import { type ServiceProcess, startServiceProcess } from '../helpers/service-process.js';
import { until } from '../helpers/until.js';

// The service listening on a real port, delivering to a real HTTP callback on loopback.

const LEGACY = '/webhooks/legacy/authentication';
const WORKFLOWS = '/webhooks/workflows/face-authentication';
const KEY = { name: 'X-Incode-Key', value: 'e2e-inbound-secret' };

const cleanups: (() => Promise<void> | void)[] = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

function tempDb(): string {
  const dir = mkdtempSync(join(tmpdir(), 'faceauth-e2e-'));
  cleanups.push(() => rmSync(dir, { recursive: true, force: true }));
  return join(dir, 'shim.db');
}

async function callback(
  respond?: Parameters<typeof startCallbackServer>[0],
): Promise<CallbackServer> {
  const server = await startCallbackServer(respond);
  cleanups.push(() => server.close());
  return server;
}

async function service(env: Record<string, string>, db = tempDb()): Promise<RunningService> {
  const config = loadConfig({
    HOST: '127.0.0.1',
    PORT: '0',
    INBOUND_HEADER_NAME: KEY.name,
    INBOUND_HEADER_VALUE: KEY.value,
    DATABASE_URL: `sqlite:${db}`,
    ...env,
  });
  const running = await startService(config, createLogger({ level: 'silent' }));
  cleanups.push(() => running.close(1000));
  return running;
}

function send(base: string, route: string, body: string | Buffer) {
  return fetch(`${base}${route}`, {
    method: 'POST',
    body,
    headers: { 'content-type': 'application/json', [KEY.name]: KEY.value },
  });
}

const seed = readFileSync(new URL('../fixtures/legacy/success.json', import.meta.url));

const ADMIN = 'admin-token-e2e-0123';

interface StoredEvent {
  id: string;
  source: string;
  status: string;
  attempts: number;
  lastError: string | null;
  result: { customerId: string | null };
}

/** The events stored with `status`, once there are `count` of them (the admin API, polled). */
async function eventsOnceAll(base: string, status: string, count: number): Promise<StoredEvent[]> {
  let events: StoredEvent[] = [];
  await until(
    `${count} ${status} events`,
    async () => {
      const response = await fetch(`${base}/admin/events?status=${status}&limit=500`, {
        headers: { authorization: `Bearer ${ADMIN}` },
      });
      events = ((await response.json()) as { events: StoredEvent[] }).events;
      return events.length >= count;
    },
    15_000,
    50,
  );
  return events;
}

describe('delivery to the callback, end to end', () => {
  it('delivers a legacy body byte for byte and a Workflows event in the legacy shape', async () => {
    const cb = await callback();
    const shim = await service({
      CALLBACK_URL: cb.url,
      FORWARD_SOURCE: 'both',
      CALLBACK_HEADERS: '{"x-api-key":"client-key"}',
    });
    expect((await send(shim.url, LEGACY, seed)).status).toBe(200);
    const calls = await cb.waitForCalls(1);
    expect(calls[0]?.body.equals(seed)).toBe(true);
    expect(calls[0]?.headers).toMatchObject({
      'content-type': 'application/json',
      'x-faceauth-source': 'legacy',
      'x-faceauth-event-id': expect.stringMatching(/^[0-9a-f-]{36}$/),
      'x-api-key': 'client-key',
    });

    const workflows = { interviewId: 'i-1', customerId: 'c-1', overallStatus: 'PASS', hint: 'c-1' };
    expect((await send(shim.url, WORKFLOWS, JSON.stringify(workflows))).status).toBe(200);
    await cb.waitForCalls(2);
    expect(cb.calls[1]?.headers['x-faceauth-source']).toBe('workflows');
    expect(cb.calls[1]?.json).toEqual({
      customerId: 'c-1',
      interviewId: 'i-1',
      faceMatch: true,
      spoofAttempt: false,
      hasFaceMask: false,
      hasLenses: false,
      recognitionConfidence: {},
      overallStatus: 'PASS',
      hint: 'c-1',
    });
  });

  it('retries a callback that answers 503 twice: the event arrives on the third attempt, once', async () => {
    const cb = await callback((_call, index) => ({ status: index < 2 ? 503 : 200 }));
    const shim = await service({
      CALLBACK_URL: cb.url,
      DELIVERY_RETRY_SCHEDULE: '100ms,100ms,100ms',
      ADMIN_TOKEN: ADMIN,
    });
    expect((await send(shim.url, LEGACY, seed)).status).toBe(200);
    // Stored as delivered on its third attempt: nothing is sent for it again. (The schedule
    // itself is test/delivery/delivery-worker.test.ts's, on a clock moved by hand.)
    const [event] = await eventsOnceAll(shim.url, 'delivered', 1);
    expect(event).toMatchObject({ attempts: 3, lastError: null });
    expect(cb.calls).toHaveLength(3);
    const ids = new Set(cb.calls.map((c) => c.headers['x-faceauth-event-id']));
    expect(ids.size).toBe(1);
    expect(cb.calls.every((c) => c.body.equals(seed))).toBe(true);
  });

  it('marks an event dead after the last attempt, and it stays visible', async () => {
    const cb = await callback(() => ({ status: 500 }));
    const shim = await service({
      CALLBACK_URL: cb.url,
      DELIVERY_RETRY_SCHEDULE: '50ms',
      ADMIN_TOKEN: ADMIN,
    });
    await send(shim.url, LEGACY, seed);
    const events = await eventsOnceAll(shim.url, 'dead', 1);
    expect(cb.calls).toHaveLength(2);
    expect(events).toEqual([
      expect.objectContaining({ status: 'dead', attempts: 2, lastError: 'HTTP 500' }),
    ]);
  });
});

describe('shadow fallback', () => {
  it('forwards a shadowed event that got no counterpart, and only that one', async () => {
    const cb = await callback();
    const shim = await service({
      CALLBACK_URL: cb.url,
      FORWARD_SOURCE: 'legacy',
      SHADOW_FALLBACK_AFTER: '300ms',
      ADMIN_TOKEN: ADMIN,
    });
    // A login seen by both sources: the legacy one is forwarded, the Workflows one is its counterpart.
    await send(
      shim.url,
      LEGACY,
      JSON.stringify({ customerId: 'both', faceMatch: true, overallStatus: 'PASS' }),
    );
    await send(
      shim.url,
      WORKFLOWS,
      JSON.stringify({ interviewId: 'i-both', customerId: 'both', overallStatus: 'PASS' }),
    );
    // A login only the Workflow saw.
    await send(
      shim.url,
      WORKFLOWS,
      JSON.stringify({ interviewId: 'i-only', customerId: 'only', overallStatus: 'PASS' }),
    );
    // The lone Workflows report is forwarded by the fallback pass; the one whose login the
    // legacy webhook reported too arrived earlier, so the same pass (or an earlier one) judged it
    // and left it shadowed: stored so, it is never sent.
    const delivered = await eventsOnceAll(shim.url, 'delivered', 2);
    expect(delivered.map((e) => `${e.source}:${e.result.customerId}`).sort()).toEqual([
      'legacy:both',
      'workflows:only',
    ]);
    const shadowed = await eventsOnceAll(shim.url, 'shadowed', 1);
    expect(shadowed.map((e) => `${e.source}:${e.result.customerId}`)).toEqual(['workflows:both']);
    expect(
      cb.calls.map((c) => `${c.headers['x-faceauth-source']}:${c.json.customerId}`).sort(),
    ).toEqual(['legacy:both', 'workflows:only']);
  });
});

describe('stopping', () => {
  it('hands back a delivery the callback has not answered when stopped, and sends it after the next start', async () => {
    let arrived = () => {};
    const first = new Promise<void>((resolve) => {
      arrived = resolve;
    });
    const ids: string[] = [];
    const stuck = createServer((req) => {
      ids.push(String(req.headers['x-faceauth-event-id']));
      arrived();
    });
    await new Promise<void>((resolve) => stuck.listen(0, '127.0.0.1', resolve));
    cleanups.push(() => {
      stuck.closeAllConnections();
      stuck.close();
    });
    const db = tempDb();
    const env = {
      CALLBACK_URL: `http://127.0.0.1:${(stuck.address() as { port: number }).port}/cb`,
      DELIVERY_RETRY_SCHEDULE: '1h',
    };
    const shim = await service(env, db);
    expect((await send(shim.url, LEGACY, seed)).status).toBe(200);
    await first;
    const started = Date.now();
    await shim.close(200);
    expect(Date.now() - started).toBeLessThan(2000);

    const cb = await callback();
    await service({ ...env, CALLBACK_URL: cb.url }, db);
    const [call] = await cb.waitForCalls(1);
    expect(call?.headers['x-faceauth-event-id']).toBe(ids[0]);
    expect(call?.body.equals(seed)).toBe(true);
  });
});

describe('crash safety', () => {
  let proc: ServiceProcess | undefined;
  afterEach(() => {
    proc?.child.kill('SIGKILL');
  });

  it('delivers every pending event after the process is killed with SIGKILL and started again', async () => {
    // Phase 1: a callback that takes requests and never answers them.
    const held: string[] = [];
    let release = () => {};
    const seen = new Promise<void>((resolve) => {
      release = resolve;
    });
    const db = tempDb();
    const env = {
      INBOUND_HEADER_NAME: KEY.name,
      INBOUND_HEADER_VALUE: KEY.value,
      ADMIN_TOKEN: ADMIN,
      DATABASE_URL: `sqlite:${db}`,
      CALLBACK_CONCURRENCY: '2',
      DELIVERY_RETRY_SCHEDULE: '100ms,100ms,100ms,100ms,100ms',
      CALLBACK_TIMEOUT_MS: '60000',
    };
    const stuck = createServer((req) => {
      held.push(String(req.headers['x-faceauth-event-id']));
      if (held.length >= 2) release();
    });
    await new Promise<void>((resolve) => stuck.listen(0, '127.0.0.1', resolve));
    cleanups.push(
      () =>
        new Promise<void>((resolve) => {
          stuck.closeAllConnections();
          stuck.close(() => resolve());
        }),
    );
    const stuckUrl = `http://127.0.0.1:${(stuck.address() as { port: number }).port}/callback`;

    proc = await startServiceProcess({ ...env, CALLBACK_URL: stuckUrl });
    const customers = Array.from({ length: 20 }, (_, i) => `customer-${i}`);
    for (const customerId of customers) {
      const body = JSON.stringify({ customerId, faceMatch: true, overallStatus: 'PASS' });
      expect((await send(proc.url, LEGACY, body)).status).toBe(200);
    }
    await seen;
    proc.child.kill('SIGKILL');
    expect(await proc.exited).toBe('SIGKILL');

    // Phase 2: a callback that answers; the same database.
    const cb = await callback();
    proc = await startServiceProcess({ ...env, CALLBACK_URL: cb.url });
    // Every event stored as delivered: none is sent again.
    await eventsOnceAll(proc.url, 'delivered', 20);
    const delivered = cb.calls.map((c) => String(c.json.customerId));
    expect(new Set(delivered)).toEqual(new Set(customers));
    expect(delivered).toHaveLength(20);
    // The requests left in flight by the crash are sent again with the same event id.
    const ids = new Set(cb.calls.map((c) => String(c.headers['x-faceauth-event-id'])));
    for (const id of held) expect(ids.has(id)).toBe(true);
    proc.child.kill('SIGTERM');
    expect(await proc.exited).toBe(0);
  });
});
