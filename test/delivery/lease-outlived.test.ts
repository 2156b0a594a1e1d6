import { afterEach, describe, expect, it } from 'vitest';
import { parseDatabaseUrl } from '../../src/config/database-url.js';
import { createCallbackClient } from '../../src/delivery/callback-client.js';
import { createDeliveryWorker } from '../../src/delivery/delivery-worker.js';
import { createLogger } from '../../src/ops/logger.js';
import { createMetrics } from '../../src/ops/metrics.js';
import { openStore } from '../../src/store/open-store.js';
import type { Store } from '../../src/store/store.js';
import { startCallbackServer } from '../helpers/callback-server.js';
import { newEvent } from '../helpers/new-event.js';
import { describePostgres, freshSchema } from '../helpers/postgres.js';
import { schemaUrl } from '../helpers/postgres-stores.js';
import { until } from '../helpers/until.js';

// A delivery whose result cannot be written for longer than its lease (the database hung for
// 90 s in issue 23's probe): the worker's own poll re-leases the entry to this same instance.
// Before, it sent the event a second time (same event id) and then refused its own result as
// "another instance took the event over". The result on its way is this instance's to write.

const cleanups: (() => unknown)[] = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

const LEASE_MS = 600;

/** The store with some methods in between (the others called on the store itself). */
function wrap(store: Store, overrides: Partial<Store>): Store {
  return new Proxy(store, {
    get(target, property) {
      if (property in overrides) return overrides[property as keyof Store];
      const value = Reflect.get(target, property, target);
      return typeof value === 'function' ? value.bind(target) : value;
    },
  });
}

async function outlivedLease(open: (onLeaseLost: () => void) => Promise<Store>) {
  let leasesLost = 0;
  const store = await open(() => leasesLost++);
  cleanups.push(() => store.close());
  const callback = await startCallbackServer(() => ({ status: 200 }));
  cleanups.push(() => callback.close());

  // The result's write hangs until the test lets it through; the claims go on.
  let letThrough: () => void = () => {};
  const hung = new Promise<void>((resolve) => {
    letThrough = resolve;
  });
  const claimed: string[] = [];
  let claims = 0;
  const recordDelivered = store.recordDelivered.bind(store);
  const claimDue = store.claimDue.bind(store);
  const worker = createDeliveryWorker({
    store: wrap(store, {
      async recordDelivered(...args) {
        await hung;
        return recordDelivered(...args);
      },
      async claimDue(...args) {
        const items = await claimDue(...args);
        claims++;
        claimed.push(...items.map((item) => item.eventId));
        return items;
      },
    }),
    client: createCallbackClient({
      url: callback.url,
      timeoutMs: 200,
      headers: {},
      connections: 4,
    }),
    retryScheduleMs: [50],
    concurrency: 4,
    leaseMs: LEASE_MS,
    attemptMs: 200,
    pollIntervalMs: 50,
    logger: createLogger({ level: 'silent' }),
    metrics: createMetrics(store),
  });
  await worker.start();
  cleanups.push(() => worker.stop(1_000));

  await store.accept(newEvent({ id: 'outlived', customerId: 'c-outlived' }), 3_600_000);
  worker.wake();
  await callback.waitForCalls(1, 5_000);
  // The lease runs out while the result waits, and a poll leases the entry again, to this
  // same instance.
  await until(
    'a claim to return the entry again',
    () => claimed.filter((id) => id === 'outlived').length === 2,
    5_000,
  );
  letThrough();
  await until(
    'the event to be delivered',
    async () => (await store.getEvent('outlived'))?.status === 'delivered',
    5_000,
  );
  // A second send would have started with the claim above, at once; the worker has polled
  // several times since.
  const seen = claims;
  await until('the worker to poll again', () => claims >= seen + 3, 5_000);
  expect(callback.calls.map((call) => call.headers['x-faceauth-event-id'])).toEqual(['outlived']);
  expect(leasesLost).toBe(0);
  // One attempt counted: the one that was sent.
  expect((await store.getEvent('outlived'))?.attempts).toBe(1);
}

describe('a delivery result written after the lease ran out (SQLite)', () => {
  it('the event is sent once: a claim that returns an entry this worker is still sending does not send it again', async () => {
    await outlivedLease(() => openStore({ kind: 'sqlite', path: ':memory:' }));
  });
});

describePostgres('a delivery result written after the lease ran out (PostgreSQL)', () => {
  it('the event is sent once, and its own result is written (no lease taken over)', async () => {
    const schema = await freshSchema();
    await outlivedLease(async (onLeaseLost) => {
      const database = parseDatabaseUrl(schemaUrl(schema.name));
      if ('error' in database) throw new Error(database.error);
      return openStore(database, { onLeaseLost });
    });
  });
});
