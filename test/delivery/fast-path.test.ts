import { afterEach, describe, expect, it } from 'vitest';
import { createCallbackClient } from '../../src/delivery/callback-client.js';
import { createDeliveryWorker, type DeliveryWorker } from '../../src/delivery/delivery-worker.js';
import { createLogger } from '../../src/ops/logger.js';
import { createMetrics } from '../../src/ops/metrics.js';
import { openStore } from '../../src/store/open-store.js';
import type { Store } from '../../src/store/store.js';
import { type CallbackServer, startCallbackServer } from '../helpers/callback-server.js';
import { newEvent } from '../helpers/new-event.js';
import { until } from '../helpers/until.js';

// The fast path: a fresh event is handed from the accept to the delivery worker in memory,
// leased to it in the same transaction, and sent without reading the outbox. What the store
// does on the fast path is in the Store conformance suite (test/store/conformance/fast-path.ts).

const WINDOW = 3_600_000;

const cleanups: (() => unknown)[] = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

describe('the delivery worker on the fast path', () => {
  async function setUp(): Promise<{
    store: Store;
    worker: DeliveryWorker;
    callback: CallbackServer;
    claims: () => number;
  }> {
    const callback = await startCallbackServer();
    cleanups.push(() => callback.close());
    const store = await openStore({ kind: 'sqlite', path: ':memory:' });
    let claims = 0;
    const claimDue = store.claimDue.bind(store);
    store.claimDue = async (...args) => {
      claims++;
      return claimDue(...args);
    };
    const worker = createDeliveryWorker({
      store,
      client: createCallbackClient({
        url: callback.url,
        timeoutMs: 2_000,
        headers: {},
        connections: 4,
      }),
      retryScheduleMs: [60_000],
      concurrency: 4,
      leaseMs: 32_000,
      attemptMs: 2_000,
      // No poll during the test: what is sent, the fast path sent.
      pollIntervalMs: 60_000,
      logger: createLogger({ level: 'silent' }),
      metrics: createMetrics(store),
    });
    await worker.start();
    cleanups.push(() => worker.stop(1_000));
    // The poll at start has read the outbox (empty): the next read would be a minute away.
    await until('the first poll', () => claims > 0);
    return { store, worker, callback, claims: () => claims };
  }

  it('sends fresh events from memory without reading the outbox, with their event ids, and records them delivered', async () => {
    const { store, worker, callback, claims } = await setUp();
    const before = claims();
    for (let i = 0; i < 10; i++) {
      const now = Date.now();
      const offer = worker.offer(now);
      expect(offer).not.toBeNull();
      const accepted = await store.accept(
        { ...newEvent({ id: `f${i}`, customerId: `c${i}`, receivedAt: now }), fastPath: offer },
        WINDOW,
      );
      worker.deliverFresh(accepted.fresh as NonNullable<typeof accepted.fresh>);
    }
    const calls = await callback.waitForCalls(10, 5_000);
    expect(calls.map((c) => c.headers['x-faceauth-event-id']).sort()).toEqual(
      Array.from({ length: 10 }, (_, i) => `f${i}`).sort(),
    );
    await until(
      'ten stored as delivered',
      async () => (await store.countByStatus()).delivered === 10,
    );
    expect(claims()).toBe(before);
  });

  it('gives back a fresh event whose lease is too short for an attempt; a poll sends it at once', async () => {
    const { store, worker, callback, claims } = await setUp();
    const givenBack: string[] = [];
    const releaseFresh = store.releaseFresh.bind(store);
    store.releaseFresh = async (ids) => {
      givenBack.push(...ids);
      return releaseFresh(ids);
    };
    const before = claims();
    const now = Date.now();
    // Leased, but with less of its lease left than an attempt may take (2 s).
    const accepted = await store.accept(
      {
        ...newEvent({ id: 'stale', customerId: 'c-stale', receivedAt: now }),
        fastPath: { leaseUntil: now + 1_500 },
      },
      WINDOW,
    );
    worker.deliverFresh(accepted.fresh as NonNullable<typeof accepted.fresh>);
    const [call] = await callback.waitForCalls(1, 3_000);
    expect(call?.headers['x-faceauth-event-id']).toBe('stale');
    // It went back to the outbox and came out of a claim: not sent from memory.
    expect(givenBack).toEqual(['stale']);
    expect(claims()).toBeGreaterThan(before);
  });

  it('offers nothing once stopped: an event accepted then waits in the outbox for the next start', async () => {
    const { worker } = await setUp();
    await worker.stop(100);
    expect(worker.offer(Date.now())).toBeNull();
  });

  it('a worker stopped while it starts (a stop during the wait for the store) stays stopped', async () => {
    const store = await openStore({ kind: 'sqlite', path: ':memory:' });
    cleanups.push(() => store.close());
    let leasesReleased!: () => void;
    const releaseLeases = store.releaseLeases.bind(store);
    store.releaseLeases = async () => {
      await new Promise<void>((resolve) => {
        leasesReleased = resolve;
      });
      return releaseLeases();
    };
    const worker = createDeliveryWorker({
      store,
      client: createCallbackClient({
        url: 'http://127.0.0.1:9/never',
        timeoutMs: 1_000,
        headers: {},
        connections: 1,
      }),
      retryScheduleMs: [60_000],
      concurrency: 1,
      leaseMs: 31_000,
      logger: createLogger({ level: 'silent' }),
      metrics: createMetrics(store),
    });
    const starting = worker.start();
    await worker.stop(0);
    leasesReleased();
    await starting;
    expect(worker.running).toBe(false);
    expect(worker.offer(Date.now())).toBeNull();
  });
});
