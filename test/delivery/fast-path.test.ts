import { afterEach, describe, expect, it } from 'vitest';
import { createCallbackClient } from '../../src/delivery/callback-client.js';
import { createDeliveryWorker, type DeliveryWorker } from '../../src/delivery/delivery-worker.js';
import { createLogger } from '../../src/ops/logger.js';
import { createMetrics } from '../../src/ops/metrics.js';
import { SqliteStore } from '../../src/store/sqlite/sqlite-store.js';
import { type CallbackServer, startCallbackServer } from '../helpers/callback-server.js';
import { newEvent, T0 } from '../helpers/new-event.js';

// The fast path: a fresh event is handed from the accept to the delivery worker in memory,
// leased to it in the same transaction, and sent without reading the outbox.

const LEASE = { leaseUntil: T0 + 60_000 };
const WINDOW = 3_600_000;

const cleanups: (() => unknown)[] = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

describe('the store on the fast path', () => {
  it('leases a fresh event to the accepting worker: no claim returns it until the lease is over', async () => {
    const store = SqliteStore.open(':memory:');
    const accepted = await store.accept({ ...newEvent({ id: 'e1' }), fastPath: LEASE }, WINDOW);
    expect(accepted.fresh).toMatchObject({
      eventId: 'e1',
      source: 'legacy',
      attempts: 0,
      ...LEASE,
    });
    expect(await store.claimDue(T0 + 1, 10, 30_000)).toEqual([]);
    expect((await store.claimDue(LEASE.leaseUntil, 10, 30_000)).map((i) => i.eventId)).toEqual([
      'e1',
    ]);
  });

  it('does not take a later event of a customer while an earlier one waits: it goes to the outbox, in order', async () => {
    const store = SqliteStore.open(':memory:');
    await store.accept(newEvent({ id: 'e1', customerId: 'c1' }), WINDOW);
    const later = await store.accept(
      { ...newEvent({ id: 'e2', customerId: 'c1', receivedAt: T0 + 1 }), fastPath: LEASE },
      WINDOW,
    );
    expect(later.fresh).toBeUndefined();
    expect(later.status).toBe('pending');
    const other = await store.accept(
      { ...newEvent({ id: 'e3', customerId: 'c2', receivedAt: T0 + 2 }), fastPath: LEASE },
      WINDOW,
    );
    expect(other.fresh?.eventId).toBe('e3');
    expect((await store.claimDue(T0 + 10, 10, 30_000)).map((i) => i.eventId)).toEqual(['e1']);
  });

  it('a shadowed or duplicate event never takes it', async () => {
    const store = SqliteStore.open(':memory:');
    const shadowed = await store.accept(
      { ...newEvent({ id: 'e1', shadowed: true }), fastPath: LEASE },
      WINDOW,
    );
    expect(shadowed.fresh).toBeUndefined();
    await store.accept(newEvent({ id: 'e2', customerId: 'c9' }), WINDOW);
    const duplicate = await store.accept(
      // The same body on the same route: a redelivery, under a new id.
      { ...newEvent({ id: 'e2', customerId: 'c9' }), id: 'e3', fastPath: LEASE },
      WINDOW,
    );
    expect(duplicate).toMatchObject({ duplicate: true });
    expect(duplicate.fresh).toBeUndefined();
  });
});

describe('the delivery worker on the fast path', () => {
  async function setUp(): Promise<{
    store: SqliteStore;
    worker: DeliveryWorker;
    callback: CallbackServer;
    claims: () => number;
  }> {
    const callback = await startCallbackServer();
    cleanups.push(() => callback.close());
    const store = SqliteStore.open(':memory:');
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
    await new Promise((resolve) => setTimeout(resolve, 50));
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
    expect(claims()).toBe(before);
    await new Promise((resolve) => setTimeout(resolve, 100));
    expect((await store.countByStatus()).delivered).toBe(10);
  });

  it('gives back a fresh event whose lease is too short for an attempt; a poll sends it at once', async () => {
    const { store, worker, callback } = await setUp();
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
  });

  it('offers nothing once stopped: an event accepted then waits in the outbox for the next start', async () => {
    const { worker } = await setUp();
    await worker.stop(100);
    expect(worker.offer(Date.now())).toBeNull();
  });
});
