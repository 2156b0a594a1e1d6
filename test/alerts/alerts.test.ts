import { Writable } from 'node:stream';
import { afterEach, describe, expect, it } from 'vitest';
import { type Alert, linkFree, payloadOf } from '../../src/alerts/alert.js';
import { createAlerter } from '../../src/alerts/alerter.js';
import { CALLBACK_STATE_KEY, createCallbackHealth } from '../../src/alerts/callback-health.js';
import { createRateLimiter, type Release } from '../../src/alerts/rate-limit.js';
import { createStoreWatch } from '../../src/alerts/store-watch.js';
import { createLogger } from '../../src/ops/logger.js';
import { StoreUnavailableError } from '../../src/store/errors.js';
import { openStore } from '../../src/store/open-store.js';
import { type CallbackServer, startCallbackServer } from '../helpers/callback-server.js';
import { until } from '../helpers/until.js';

// Alerts (src/alerts/) against a real HTTP receiver on loopback: rate-limited per kind, retried,
// never lost silently; the callback's and the store's health, each alert told once.

const cleanups: (() => Promise<void> | void)[] = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

function capture() {
  const lines: Record<string, unknown>[] = [];
  const destination = new Writable({
    write(chunk, _encoding, done) {
      for (const text of chunk.toString().split('\n').filter(Boolean)) lines.push(JSON.parse(text));
      done();
    },
  });
  return { logger: createLogger({ level: 'debug', destination }), lines };
}

async function receiver(
  respond?: Parameters<typeof startCallbackServer>[0],
): Promise<CallbackServer> {
  const server = await startCallbackServer(respond);
  cleanups.push(() => server.close());
  return server;
}

const dead = (id: string): Alert => ({
  kind: 'event_dead',
  summary: `event ${id} is dead`,
  ids: { eventIds: [id] },
});

describe('the payload', () => {
  it('is Slack-compatible text, the kind, the ids and a summary without links', () => {
    const payload = payloadOf(
      {
        kind: 'event_dead',
        summary:
          'connect to https://hooks.example.com/T0K3N/x failed; see POST /admin/events/e1/replay',
        ids: { eventIds: ['e1'] },
      },
      1,
      Date.parse('2026-11-25T12:00:00Z'),
    );
    expect(payload).toMatchObject({
      text: 'faceauth-shim event_dead: connect to <url> failed; see POST /admin/events/e1/replay',
      alert: 'event_dead',
      summary: 'connect to <url> failed; see POST /admin/events/e1/replay',
      ids: { eventIds: ['e1'] },
      count: 1,
      at: '2026-11-25T12:00:00.000Z',
      service: 'faceauth-shim',
    });
    expect(linkFree('a http://x.y/z and ftp://q')).toBe('a <url> and <url>');
  });
});

describe('the rate limit', () => {
  it('one alert of a kind at once, the rest of the interval in one summary, another kind apart', async () => {
    const released: Release[] = [];
    const limiter = createRateLimiter(200, (release) => released.push(release));
    cleanups.push(() => limiter.flush());
    expect(limiter.offer(dead('e0'))).toEqual({ alert: dead('e0'), count: 1 });
    for (let i = 1; i <= 500; i++) expect(limiter.offer(dead(`e${i}`))).toBeUndefined();
    expect(limiter.offer({ kind: 'customer_held', summary: 'c', ids: {} })).toMatchObject({
      count: 1,
    });
    await until('the summary', () => released.length === 1, 2_000);
    expect(released[0]).toMatchObject({
      count: 500,
      alert: {
        kind: 'event_dead',
        summary: expect.stringMatching(
          /^500 more event_dead alerts in the last 200ms .*event e500 is dead$/,
        ),
      },
    });
    expect(released[0]?.alert.ids.eventIds).toHaveLength(20);
    // The storm goes on: still folded, into the next summary.
    expect(limiter.offer(dead('late'))).toBeUndefined();
    limiter.flush();
    expect(released.map((r) => r.count)).toEqual([500, 1]);
  });
});

describe('delivery of alerts', () => {
  it('POSTs each alert as JSON, retried until the receiver takes it', async () => {
    const server = await receiver((_call, index) => ({ status: index < 2 ? 503 : 200 }));
    const counted: string[] = [];
    const alerter = createAlerter({
      url: server.url,
      intervalMs: 60_000,
      logger: capture().logger,
      count: (kind, outcome) => counted.push(`${kind}:${outcome}`),
      retryDelaysMs: [20, 20, 20],
    });
    alerter.raise(dead('e1'));
    await server.waitForCalls(3);
    expect(server.calls.map((c) => c.json.alert)).toEqual([
      'event_dead',
      'event_dead',
      'event_dead',
    ]);
    expect(server.calls[2]?.headers['content-type']).toBe('application/json');
    expect(server.calls[2]?.json).toMatchObject({
      text: expect.any(String),
      ids: { eventIds: ['e1'] },
    });
    await until('counted', () => counted.includes('event_dead:sent'));
    await alerter.close(1_000);
  });

  it('an alert that cannot be delivered is counted and logged, never thrown, never waited for', async () => {
    const server = await receiver(() => ({ status: 500 }));
    const { logger, lines } = capture();
    const counted: string[] = [];
    const alerter = createAlerter({
      url: `${server.url}?token=s3cret-path`,
      intervalMs: 60_000,
      logger,
      count: (kind, outcome) => counted.push(`${kind}:${outcome}`),
      retryDelaysMs: [10],
    });
    // Never waited for: raise hands back nothing to await, and nothing has been sent when it
    // returns (the sending happens later, off the caller's turn). Not timed: a loaded machine
    // must not fail it.
    const raised = [alerter.raise(dead('e1')), alerter.raise(dead('e2'))];
    expect(raised).toEqual([undefined, undefined]);
    expect(server.calls).toHaveLength(0);
    await until('failed', () => counted.includes('event_dead:failed'), 5_000);
    expect(counted).toEqual(['event_dead:folded', 'event_dead:failed']);
    expect(server.calls).toHaveLength(2);
    const logged = lines.find(
      (l) =>
        l.msg === 'alerts: cannot deliver an alert to ALERT_WEBHOOK_URL; it is only in this log',
    );
    expect(logged).toMatchObject({ level: 'error', alert: 'event_dead', why: 'HTTP 500' });
    expect(JSON.stringify(lines)).not.toContain('s3cret-path');
    // The folded one goes out as a summary at the stop, and fails the same way.
    await alerter.close(2_000);
    expect(counted.filter((c) => c === 'event_dead:failed')).toHaveLength(2);
  });

  it('a receiver that does not answer: the stop does not wait past its grace, and what is left is counted as dropped', async () => {
    const server = await receiver(() => 'hang');
    const counted: string[] = [];
    const alerter = createAlerter({
      url: server.url,
      intervalMs: 60_000,
      logger: capture().logger,
      count: (kind, outcome) => counted.push(`${kind}:${outcome}`),
      retryDelaysMs: [],
    });
    alerter.raise(dead('e1'));
    alerter.raise({ kind: 'customer_held', summary: 'held', ids: {} });
    await server.waitForCalls(1);
    const started = performance.now();
    await alerter.close(200);
    expect(performance.now() - started).toBeLessThan(2_000);
    expect(counted).toContain('customer_held:dropped');
  });

  it('without ALERT_WEBHOOK_URL nothing is sent', async () => {
    const alerter = createAlerter({ url: undefined, intervalMs: 1_000, logger: capture().logger });
    alerter.raise(dead('e1'));
    await alerter.close(10);
  });
});

describe("the callback's health", () => {
  it('failing for ALERT_CALLBACK_DOWN_AFTER is callback_down, told once by two instances; a delivery after it, callback_recovered once', async () => {
    const store = await openStore({ kind: 'sqlite', path: ':memory:' });
    cleanups.push(() => store.close());
    const raised: Alert[] = [];
    let now = 1_000_000;
    const health = () =>
      createCallbackHealth({
        downAfterMs: 60_000,
        settings: store,
        alerts: { raise: (alert) => raised.push(alert) },
        logger: capture().logger,
        clock: () => now,
      });
    const [a, b] = [health(), health()];
    for (const h of [a, b]) h.record({ ok: false, statusCode: 503, error: null });
    expect(a.failing()).toBe(true);
    now += 59_999;
    await Promise.all([a.check(), b.check()]);
    expect(raised).toEqual([]);
    now += 1;
    await Promise.all([a.check(), b.check()]);
    await Promise.all([a.check(), b.check()]);
    expect(raised.map((r) => r.kind)).toEqual(['callback_down']);
    expect(raised[0]?.summary).toContain('the last: HTTP 503');
    expect((await store.getSetting(CALLBACK_STATE_KEY))?.value).toBe('down');
    for (const h of [a, b]) h.record({ ok: true, statusCode: 200, error: null });
    expect(a.failing()).toBe(false);
    await Promise.all([a.check(), b.check()]);
    await Promise.all([a.check(), b.check()]);
    expect(raised.map((r) => r.kind)).toEqual(['callback_down', 'callback_recovered']);
  });

  it('a refusal of one event (400, 410) is not the callback failing', async () => {
    const store = await openStore({ kind: 'sqlite', path: ':memory:' });
    cleanups.push(() => store.close());
    const health = createCallbackHealth({
      downAfterMs: 1,
      settings: store,
      alerts: { raise: () => {} },
      logger: capture().logger,
    });
    health.record({ ok: false, statusCode: 400, error: null });
    health.record({ ok: false, statusCode: 410, error: null });
    expect(health.failing()).toBe(false);
    health.record({ ok: false, statusCode: null, error: 'UND_ERR_CONNECT_TIMEOUT' });
    expect(health.failing()).toBe(true);
  });
});

describe("the store's health", () => {
  it('two failed looks in a row are store_unavailable, once; the next good one store_recovered', async () => {
    let up = true;
    const raised: Alert[] = [];
    const watch = createStoreWatch({
      store: {
        ping: async () => {
          if (!up) throw new StoreUnavailableError('store: SQLITE_FULL: database or disk is full');
        },
      },
      alerts: { raise: (alert) => raised.push(alert) },
      logger: capture().logger,
    });
    up = false;
    await watch.check();
    expect(raised).toEqual([]);
    await watch.check();
    await watch.check();
    expect(raised.map((r) => [r.kind, r.summary])).toEqual([
      [
        'store_unavailable',
        expect.stringContaining('cannot be used: SQLITE_FULL: database or disk is full'),
      ],
    ]);
    up = true;
    await watch.check();
    await watch.check();
    expect(raised.map((r) => r.kind)).toEqual(['store_unavailable', 'store_recovered']);
  });
});
