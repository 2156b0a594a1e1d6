import { describe, expect, it } from 'vitest';
import type { Store } from '../../../src/store/store.js';
import { newEvent, T0 } from '../../helpers/new-event.js';
import { freshStores, type StoreBackend } from './backend.js';
import { attempt, DEDUP, ids, LEASE, MINUTE } from './helpers.js';

const HOLD = 5 * MINUTE;

/** P1 refused once at T0 (retry in an hour, holds P's line until T0 + HOLD); P2 and Q1 behind. */
async function refused(store: Store) {
  await store.accept(newEvent({ id: 'p1', customerId: 'P' }), DEDUP);
  await store.accept(newEvent({ id: 'p2', customerId: 'P', receivedAt: T0 + 1 }), DEDUP);
  await store.accept(newEvent({ id: 'q1', customerId: 'Q', receivedAt: T0 + 2 }), DEDUP);
  expect(ids(await store.claimDue(T0 + 10, 10, LEASE))).toEqual(['p1', 'q1']);
  await store.recordDelivered('q1', attempt({ statusCode: 200 }));
  await store.recordFailed('p1', attempt({ statusCode: 400 }), {
    retryAt: T0 + 60 * MINUTE,
    holdUntil: T0 + HOLD,
  });
}

/** ORDER_HOLD_MAX: an event the callback refuses holds its customer's line that long at most. */
export function describeHolds(backend: StoreBackend): void {
  const open = freshStores(backend);

  describe('order holds (ORDER_HOLD_MAX)', () => {
    it('a refused event holds its customer until its hold runs out, then the later one goes ahead while it keeps its schedule', async () => {
      const store = await open();
      await refused(store);
      expect(await store.releaseHolds(T0 + HOLD - 1)).toEqual([]);
      expect(await store.claimDue(T0 + HOLD - 1, 10, LEASE)).toEqual([]);
      expect((await store.backlogFigures()).heldCustomers).toBe(1);

      const released = await store.releaseHolds(T0 + HOLD);
      expect(released).toEqual([
        { eventId: 'p1', customerId: 'P', waiting: 1, lastError: 'HTTP 400', attempts: 1 },
      ]);
      // Reported once: it stepped out of the line.
      expect(await store.releaseHolds(T0 + HOLD + 1)).toEqual([]);
      expect((await store.backlogFigures()).heldCustomers).toBe(0);
      expect(ids(await store.claimDue(T0 + HOLD, 10, LEASE))).toEqual(['p2']);
      await store.recordDelivered('p2', attempt({ statusCode: 200 }));
      // P1 still retries, on its own schedule, and holds nothing any more.
      expect(await store.claimDue(T0 + 60 * MINUTE - 1, 10, LEASE)).toEqual([]);
      const [again] = await store.claimDue(T0 + 60 * MINUTE, 10, LEASE);
      expect(again).toMatchObject({ eventId: 'p1', attempts: 1 });
      await store.accept(newEvent({ id: 'p3', customerId: 'P', receivedAt: T0 + HOUR2 }), DEDUP);
      await store.recordFailed('p1', attempt({ statusCode: 400 }), {
        retryAt: T0 + 2 * HOUR2,
        holdUntil: T0 + 60 * MINUTE + HOLD,
      });
      expect(ids(await store.claimDue(T0 + HOUR2, 10, LEASE))).toEqual(['p3']);
      expect(await store.releaseHolds(T0 + 3 * HOUR2)).toEqual([]);
    });

    it('a later failure does not move the hold: it runs from the first failure of the round', async () => {
      const store = await open();
      await refused(store);
      const [retry] = await store.claimDue(T0 + 60 * MINUTE, 10, LEASE);
      expect(retry?.eventId).toBe('p1');
      await store.recordFailed('p1', attempt({ statusCode: 503 }), {
        retryAt: T0 + 120 * MINUTE,
        holdUntil: T0 + 60 * MINUTE + HOLD,
      });
      expect((await store.getEvent('p2'))?.line?.waitingFor).toMatchObject({
        eventId: 'p1',
        holdUntil: T0 + HOLD,
      });
      expect(await store.releaseHolds(T0 + HOLD)).toHaveLength(1);
    });

    it('a held event and the one waiting behind it say so in their detail', async () => {
      const store = await open();
      await refused(store);
      expect((await store.getEvent('p1'))?.line).toEqual({
        customerId: 'P',
        waitingBehind: 1,
        holdUntil: T0 + HOLD,
        waitingFor: null,
        releasedAt: null,
      });
      expect((await store.getEvent('p2'))?.line).toEqual({
        customerId: 'P',
        waitingBehind: 0,
        holdUntil: null,
        waitingFor: {
          eventId: 'p1',
          attempts: 1,
          lastError: 'HTTP 400',
          holdUntil: T0 + HOLD,
          leaseUntil: null,
        },
        releasedAt: null,
      });
      await store.releaseHolds(T0 + HOLD);
      expect((await store.getEvent('p1'))?.line).toMatchObject({
        customerId: null,
        holdUntil: null,
        releasedAt: T0 + HOLD,
      });
      expect((await store.getEvent('p2'))?.line?.waitingFor).toBeNull();
      expect((await store.getEvent('q1'))?.line).toBeNull();
    });

    it('an event of no customer holds nothing', async () => {
      const store = await open();
      await store.accept(newEvent({ id: 'n1', customerId: null }), DEDUP);
      await store.claimDue(T0, 10, LEASE);
      await store.recordFailed('n1', attempt(), { retryAt: T0 + MINUTE, holdUntil: T0 + 1 });
      expect(await store.releaseHolds(T0 + HOLD)).toEqual([]);
      expect((await store.getEvent('n1'))?.line).toMatchObject({
        customerId: null,
        holdUntil: null,
      });
    });

    it('a replay puts a released event back at its place in line', async () => {
      const store = await open();
      await refused(store);
      await store.releaseHolds(T0 + HOLD);
      const now = T0 + 60 * MINUTE;
      expect(ids(await store.claimDue(now, 10, LEASE))).toEqual(['p1', 'p2']);
      await store.recordFailed('p1', attempt({ statusCode: 400 }), 'dead');
      await store.accept(newEvent({ id: 'p3', customerId: 'P', receivedAt: now + 1 }), DEDUP);
      expect(await store.replay('p1', now + 2)).toBe('replayed');
      // Before P2 (in flight) and P3: it waits for P2 to be sent, P3 waits for it.
      expect((await store.getEvent('p1'))?.line).toMatchObject({
        customerId: 'P',
        releasedAt: null,
        waitingBehind: 2,
      });
      expect((await store.getEvent('p3'))?.line?.waitingFor?.eventId).toBe('p1');
      expect(await store.claimDue(now + 3, 10, LEASE)).toEqual([]);
      await store.recordDelivered('p2', attempt({ statusCode: 200 }));
      expect(ids(await store.claimDue(now + 4, 10, LEASE))).toEqual(['p1']);
    });

    it('the oldest pending event is found in arrival order', async () => {
      const store = await open();
      expect(await store.backlogFigures()).toEqual({ oldestPendingAt: null, heldCustomers: 0 });
      await refused(store);
      expect(await store.backlogFigures()).toEqual({ oldestPendingAt: T0, heldCustomers: 1 });
    });
  });
}

const HOUR2 = 120 * MINUTE;
