import { describe, expect, it } from 'vitest';
import type { Store } from '../../../src/store/store.js';
import { newEvent, ROUTES, T0 } from '../../helpers/new-event.js';
import { freshStores, type StoreBackend } from './backend.js';
import { attempt, DEDUP, deadEvent, HOUR, ids, LEASE, MINUTE, text } from './helpers.js';

/** Accepting events, dedup, leases, the customer line, attempt history. */
export function describeEvents(backend: StoreBackend): void {
  const open = freshStores(backend);

  describe('accepting events', () => {
    it('stores the event and its outbox entry in one go', async () => {
      const store = await open();
      const event = newEvent({ id: 'e1' });
      expect(await store.accept(event, DEDUP)).toEqual({
        eventId: 'e1',
        duplicate: false,
        status: 'pending',
      });

      const detail = await store.getEvent('e1');
      expect(detail).toMatchObject({
        id: 'e1',
        source: 'legacy',
        route: ROUTES.legacy,
        status: 'pending',
        forwardFormat: 'legacy',
        attempts: 0,
        attemptHistory: [],
        contentType: 'application/json',
        result: { status: 'PASS', customerId: 'customer-a' },
      });
      expect(text(detail?.rawBody)).toBe(text(event.rawBody));

      const items = await store.claimDue(T0, 10, LEASE);
      expect(items).toHaveLength(1);
      expect(items[0]).toMatchObject({ eventId: 'e1', source: 'legacy', attempts: 0 });
      expect(Buffer.from(items[0]?.body ?? []).equals(Buffer.from(event.rawBody))).toBe(true);
      expect(await store.countByStatus()).toMatchObject({
        pending: 1,
        delivered: 0,
        dead: 0,
        shadowed: 0,
      });
    });

    it('the outbox entry is due from the moment the event arrived, not before', async () => {
      const store = await open();
      await store.accept(newEvent({ id: 'e1', receivedAt: T0 }), DEDUP);
      expect(await store.claimDue(T0 - 1, 10, LEASE)).toEqual([]);
      expect(ids(await store.claimDue(T0, 10, LEASE))).toEqual(['e1']);
    });

    it('the same body on the same route within the window is a duplicate, counted and not queued again', async () => {
      const store = await open();
      const body = JSON.stringify({ customerId: 'c1', overallStatus: 'PASS' });
      await store.accept(newEvent({ id: 'e1', body }), DEDUP);
      const again = await store.accept(
        newEvent({ id: 'e2', body, receivedAt: T0 + DEDUP - 1 }),
        DEDUP,
      );
      expect(again).toEqual({ eventId: 'e1', duplicate: true });
      expect(await store.getEvent('e2')).toBeUndefined();
      expect((await store.getEvent('e1'))?.duplicates).toBe(1);
      expect(ids(await store.claimDue(T0 + DEDUP, 10, LEASE))).toEqual(['e1']);
    });

    it('the same body after the window, or on another route, is a new event', async () => {
      const store = await open();
      const body = JSON.stringify({ customerId: 'c1', overallStatus: 'PASS' });
      await store.accept(newEvent({ id: 'e1', body }), DEDUP);
      const later = await store.accept(
        newEvent({ id: 'e2', body, receivedAt: T0 + DEDUP + 1 }),
        DEDUP,
      );
      expect(later).toEqual({ eventId: 'e2', duplicate: false, status: 'pending' });
      const otherRoute = await store.accept(
        newEvent({ id: 'e3', body, source: 'workflows', customerId: 'c2', receivedAt: T0 + 1 }),
        DEDUP,
      );
      expect(otherRoute).toEqual({ eventId: 'e3', duplicate: false, status: 'pending' });
    });

    it('the window edge: a duplicate while now - first < DEDUP_WINDOW, a new event at exactly DEDUP_WINDOW', async () => {
      const store = await open();
      const body = JSON.stringify({ customerId: 'c1', overallStatus: 'PASS' });
      await store.accept(newEvent({ id: 'e1', body, receivedAt: T0 }), DEDUP);
      expect(
        await store.accept(newEvent({ id: 'e2', body, receivedAt: T0 + DEDUP - 1 }), DEDUP),
      ).toEqual({
        eventId: 'e1',
        duplicate: true,
      });
      // The window runs from the first arrival: the duplicate just above did not extend it.
      expect(
        await store.accept(newEvent({ id: 'e3', body, receivedAt: T0 + DEDUP }), DEDUP),
      ).toEqual({
        eventId: 'e3',
        duplicate: false,
        status: 'pending',
      });
      // From then on, the new event is the one redeliveries count against.
      expect(
        await store.accept(newEvent({ id: 'e4', body, receivedAt: T0 + DEDUP + 1 }), DEDUP),
      ).toEqual({
        eventId: 'e3',
        duplicate: true,
      });
    });

    it('a shadowed event is stored but gets no outbox entry', async () => {
      const store = await open();
      await store.accept(newEvent({ id: 'w1', source: 'workflows', shadowed: true }), DEDUP);
      expect((await store.getEvent('w1'))?.status).toBe('shadowed');
      expect(await store.claimDue(T0 + 10 * HOUR, 10, LEASE)).toEqual([]);
      expect(await store.countByStatus()).toMatchObject({ shadowed: 1, pending: 0 });
    });
  });

  describe('leases', () => {
    it('a claimed entry is not claimed again until its lease runs out', async () => {
      const store = await open();
      await store.accept(newEvent({ id: 'e1' }), DEDUP);
      expect(ids(await store.claimDue(T0, 10, LEASE))).toEqual(['e1']);
      expect(await store.claimDue(T0 + 1, 10, LEASE)).toEqual([]);
      expect(await store.claimDue(T0 + LEASE - 1, 10, LEASE)).toEqual([]);
      expect(ids(await store.claimDue(T0 + LEASE, 10, LEASE))).toEqual(['e1']);
    });

    it('releaseLeases makes leased entries due again at once and says how many', async () => {
      const store = await open();
      await store.accept(newEvent({ id: 'e1', customerId: 'a' }), DEDUP);
      await store.accept(newEvent({ id: 'e2', customerId: 'b' }), DEDUP);
      expect(ids(await store.claimDue(T0, 10, LEASE))).toEqual(['e1', 'e2']);
      expect(await store.claimDue(T0 + 1, 10, LEASE)).toEqual([]);
      expect(await store.releaseLeases()).toBe(2);
      expect(ids(await store.claimDue(T0 + 1, 10, LEASE))).toEqual(['e1', 'e2']);
    });

    it('claims no more than the limit, oldest first', async () => {
      const store = await open();
      for (const [n, customer] of ['a', 'b', 'c'].entries()) {
        await store.accept(
          newEvent({ id: `e${n}`, customerId: customer, receivedAt: T0 + n }),
          DEDUP,
        );
      }
      expect((await store.claimDue(T0 + 10, 2, LEASE)).map((i) => i.eventId)).toEqual(['e0', 'e1']);
      expect((await store.claimDue(T0 + 10, 2, LEASE)).map((i) => i.eventId)).toEqual(['e2']);
    });
  });

  describe('events of one customer are never reordered', () => {
    async function twoForA(store: Store) {
      await store.accept(newEvent({ id: 'a1', customerId: 'A', receivedAt: T0 }), DEDUP);
      await store.accept(newEvent({ id: 'a2', customerId: 'A', receivedAt: T0 + 1 }), DEDUP);
      await store.accept(newEvent({ id: 'b1', customerId: 'B', receivedAt: T0 + 2 }), DEDUP);
    }

    // The first claim returning A1 and B only, and A1 being rescheduled still holding A2 back,
    // are in outbox-order.ts.

    it('once A1 is delivered, A2 is claimable', async () => {
      const store = await open();
      await twoForA(store);
      expect(ids(await store.claimDue(T0 + 10, 1, LEASE))).toEqual(['a1']);
      await store.recordDelivered('a1', attempt({ statusCode: 200 }));
      expect(ids(await store.claimDue(T0 + 11, 10, LEASE))).toEqual(['a2', 'b1']);
    });

    it('when A1 goes dead, A2 is released', async () => {
      const store = await open();
      await twoForA(store);
      expect(ids(await store.claimDue(T0 + 10, 1, LEASE))).toEqual(['a1']);
      await store.recordFailed('a1', attempt({ statusCode: 410 }), 'dead');
      expect(ids(await store.claimDue(T0 + 11, 10, LEASE))).toEqual(['a2', 'b1']);
    });
  });

  describe('attempt history', () => {
    it('records each attempt with its time, duration, status code and error', async () => {
      const store = await open();
      await store.accept(newEvent({ id: 'e1' }), DEDUP);
      await store.claimDue(T0, 10, LEASE);
      await store.recordFailed(
        'e1',
        { at: T0 + 1, durationMs: 10_000, statusCode: null, error: 'timeout' },
        { retryAt: T0 + MINUTE },
      );
      expect(await store.getEvent('e1')).toMatchObject({
        status: 'pending',
        attempts: 1,
        lastError: 'timeout',
        nextAttemptAt: new Date(T0 + MINUTE).toISOString(),
      });
      const [retry] = await store.claimDue(T0 + MINUTE, 10, LEASE);
      expect(retry?.attempts).toBe(1);
      await store.recordFailed(
        'e1',
        { at: T0 + MINUTE, durationMs: 35, statusCode: 503, error: null },
        { retryAt: T0 + 2 * MINUTE },
      );
      expect((await store.getEvent('e1'))?.lastError).toBe('HTTP 503');
      const [third] = await store.claimDue(T0 + 2 * MINUTE, 10, LEASE);
      expect(third?.attempts).toBe(2);
      await store.recordDelivered('e1', {
        at: T0 + 2 * MINUTE,
        durationMs: 7,
        statusCode: 204,
        error: null,
      });

      const detail = await store.getEvent('e1');
      expect(detail).toMatchObject({
        status: 'delivered',
        attempts: 3,
        lastError: null,
        nextAttemptAt: null,
        deliveredAt: new Date(T0 + 2 * MINUTE + 7).toISOString(),
      });
      expect(detail?.attemptHistory).toEqual([
        { at: T0 + 1, durationMs: 10_000, statusCode: null, error: 'timeout' },
        { at: T0 + MINUTE, durationMs: 35, statusCode: 503, error: null },
        { at: T0 + 2 * MINUTE, durationMs: 7, statusCode: 204, error: null },
      ]);
      expect(await store.claimDue(T0 + 10 * HOUR, 10, LEASE)).toEqual([]);
    });

    it('a dead event leaves the outbox and keeps its last error', async () => {
      const store = await open();
      await deadEvent(store, { id: 'e1' });
      expect(await store.getEvent('e1')).toMatchObject({
        status: 'dead',
        attempts: 1,
        lastError: 'gone',
        nextAttemptAt: null,
      });
      expect(await store.claimDue(T0 + 100 * HOUR, 10, LEASE)).toEqual([]);
    });
  });
}
