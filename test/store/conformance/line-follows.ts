import { afterEach, describe, expect, it } from 'vitest';
import { createCallbackClient } from '../../../src/delivery/callback-client.js';
import { createDeliveryWorker, LINE_RUN } from '../../../src/delivery/delivery-worker.js';
import { createLogger } from '../../../src/ops/logger.js';
import { createMetrics } from '../../../src/ops/metrics.js';
import type { Store } from '../../../src/store/store.js';
import { startCallbackServer } from '../../helpers/callback-server.js';
import { manualClock } from '../../helpers/manual-clock.js';
import { newEvent, T0 } from '../../helpers/new-event.js';
import { until } from '../../helpers/until.js';
import { freshStores, type StoreBackend } from './backend.js';
import { attempt, DEDUP, LEASE, MINUTE } from './helpers.js';

/**
 * A line that follows itself (Store.claimNext): once an entry is delivered, the next of its
 * customer's line is leased at once, under the rules of a claim, instead of waiting for a poll.
 */
export function describeLineFollows(backend: StoreBackend): void {
  const open = freshStores(backend);
  const ev = (id: string, customerId: string, receivedAt: number) =>
    newEvent({ id, customerId, receivedAt });
  const delivered = attempt({ statusCode: 200 });

  describe('claimNext: the next entry of a delivered one', () => {
    it("leases the next entry of the delivered event's customer, and only it", async () => {
      const store = await open();
      await store.accept(ev('a1', 'A', T0), DEDUP);
      await store.accept(ev('a2', 'A', T0 + 1), DEDUP);
      await store.accept(ev('a3', 'A', T0 + 2), DEDUP);
      await store.accept(ev('b1', 'B', T0 + 3), DEDUP);
      const [head] = await store.claimDue(T0 + 10, 1, LEASE);
      expect(head?.eventId).toBe('a1');
      await store.recordDelivered('a1', delivered);
      const next = await store.claimNext('a1', T0 + 11, LEASE);
      expect(next).toMatchObject({ eventId: 'a2', source: 'legacy', attempts: 0 });
      // Leased: a claim does not return it again, nor a2's successor (its line is in flight).
      expect((await store.claimDue(T0 + 12, 10, LEASE)).map((i) => i.eventId)).toEqual(['b1']);
      expect(await store.claimNext('a1', T0 + 12, LEASE)).toBeNull();
      await store.recordDelivered('a2', delivered);
      expect((await store.claimNext('a2', T0 + 13, LEASE))?.eventId).toBe('a3');
      await store.recordDelivered('a3', delivered);
      expect(await store.claimNext('a3', T0 + 14, LEASE)).toBeNull();
    });

    it('leaves an entry that is not due yet (a retry later) to its time', async () => {
      const store = await open();
      await store.accept(ev('a1', 'A', T0), DEDUP);
      await store.accept(ev('a2', 'A', T0 + 1), DEDUP);
      await store.claimDue(T0 + 10, 10, LEASE);
      await store.recordFailed('a1', attempt({ statusCode: 503 }), { retryAt: T0 + MINUTE });
      // a1 waits for its retry and still heads its line: nothing of A is claimable.
      expect(await store.claimNext('a1', T0 + 20, LEASE)).toBeNull();
      expect((await store.claimNext('a1', T0 + MINUTE, LEASE))?.eventId).toBe('a1');
    });

    it('gives the next entry to one of a claimNext and a claim at the same instant', async () => {
      const store = await open();
      await store.accept(ev('a1', 'A', T0), DEDUP);
      await store.accept(ev('a2', 'A', T0 + 1), DEDUP);
      await store.claimDue(T0 + 10, 10, LEASE);
      await store.recordDelivered('a1', delivered);
      const [next, claimed] = await Promise.all([
        store.claimNext('a1', T0 + 11, LEASE),
        store.claimDue(T0 + 11, 10, LEASE),
      ]);
      const got = [...(next ? [next.eventId] : []), ...claimed.map((i) => i.eventId)];
      expect(got).toEqual(['a2']);
    });
  });

  describe('the delivery worker on a deep line (a clock that never moves: no poll by time)', () => {
    const cleanups: (() => unknown)[] = [];
    afterEach(async () => {
      for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
    });

    async function rig(store: Store, concurrency: number) {
      const callback = await startCallbackServer();
      cleanups.push(() => callback.close());
      const counts = { claimDue: 0, claimNext: 0 };
      const claimDue = store.claimDue.bind(store);
      store.claimDue = (...args) => {
        counts.claimDue++;
        return claimDue(...args);
      };
      const claimNext = store.claimNext.bind(store);
      store.claimNext = (...args) => {
        counts.claimNext++;
        return claimNext(...args);
      };
      const worker = createDeliveryWorker({
        store,
        client: createCallbackClient({
          url: callback.url,
          timeoutMs: 5_000,
          headers: {},
          connections: concurrency,
        }),
        retryScheduleMs: [MINUTE],
        concurrency,
        leaseMs: LEASE,
        attemptMs: 5_000,
        pollIntervalMs: 500,
        logger: createLogger({ level: 'silent' }),
        metrics: createMetrics(store),
        clock: manualClock(T0 + MINUTE),
      });
      cleanups.push(() => worker.stop(1_000));
      const order = () => callback.calls.map((c) => c.headers['x-faceauth-event-id']);
      return { callback, counts, worker, order };
    }

    it('drains a line of 1,000 entries in order without a poll per entry', async () => {
      const store = await open();
      const N = 1_000;
      const line = Array.from({ length: N }, (_, i) => `hot-${String(i).padStart(4, '0')}`);
      for (const [i, id] of line.entries()) await store.accept(ev(id, 'hot', T0 + i), DEDUP);
      const { callback, counts, worker, order } = await rig(store, 4);
      await worker.start();
      // Bounded, not timed: the store is asked only once the callback has every body (a count
      // every 10 ms competed with the drain for the server), and a loaded machine gets room.
      await until(
        'the whole line delivered',
        async () => callback.calls.length >= N && (await store.countByStatus()).delivered === N,
        60_000,
      );
      // The clock never moved, so no poll came by time: the line followed itself.
      expect(order()).toEqual(line);
      expect(counts.claimNext).toBeGreaterThanOrEqual(N - N / LINE_RUN - 1);
      // A claim (a poll or a refill) each LINE_RUN entries at most, not one per entry.
      expect(counts.claimDue).toBeLessThanOrEqual(Math.ceil(N / LINE_RUN) + 2);
      expect((await store.countByStatus()).pending).toBe(0);
    }, 90_000);

    it('a hot line gives its slot up after LINE_RUN in a row: another customer goes first', async () => {
      const store = await open();
      const hot = Array.from({ length: 3 * LINE_RUN }, (_, i) => `hot-${i}`);
      for (const [i, id] of hot.entries()) await store.accept(ev(id, 'hot', T0 + i), DEDUP);
      await store.accept(ev('other', 'other', T0 + hot.length), DEDUP);
      // One slot: the other customer's entry is sent once the hot line's first run ends.
      const { worker, order } = await rig(store, 1);
      await worker.start();
      await until(
        'both lines delivered',
        async () => (await store.countByStatus()).delivered === hot.length + 1,
        30_000,
      );
      expect(order().indexOf('other')).toBe(LINE_RUN);
      expect(order().filter((id) => id !== 'other')).toEqual(hot);
    }, 60_000);
  });
}
