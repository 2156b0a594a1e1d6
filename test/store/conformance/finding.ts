import { describe, expect, it } from 'vitest';
import type { QuarantineEntry } from '../../../src/store/admin-types.js';
import type { Store } from '../../../src/store/store.js';
import { newEvent, T0 } from '../../helpers/new-event.js';
import { freshStores, type StoreBackend } from './backend.js';
import { attempt, DEDUP, deadEvent, HOUR, LEASE, MINUTE } from './helpers.js';

/** Customer A's legacy and Workflows reports of login i1 (paired), and another customer's. */
async function logins(store: Store) {
  await store.accept(
    newEvent({
      id: 'a-l',
      customerId: 'A',
      interviewId: 'i1',
      status: 'FAIL',
      reason: 'SPOOF_DETECTED',
    }),
    DEDUP,
  );
  await store.accept(
    newEvent({
      id: 'a-w',
      source: 'workflows',
      customerId: 'A',
      interviewId: 'i1',
      preference: 'other',
      receivedAt: T0 + 1_000,
    }),
    DEDUP,
  );
  await store.accept(
    newEvent({ id: 'b-l', customerId: 'B', interviewId: 'i2', receivedAt: T0 + HOUR }),
    DEDUP,
  );
  await store.accept(
    newEvent({ id: 'a-l2', customerId: 'A', interviewId: 'i3', receivedAt: T0 + 2 * HOUR }),
    DEDUP,
  );
}

const listed = async (store: Store, query: Parameters<Store['listEvents']>[0]) =>
  (await store.listEvents(query)).items.map((e) => e.id);

const quarantined = (id: string, over: Partial<QuarantineEntry> = {}): QuarantineEntry => ({
  id,
  receivedAt: T0,
  route: '/webhooks/legacy/authentication',
  contentType: 'application/json',
  httpStatus: 422,
  code: 'invalid_payload',
  message: 'a gap in mappings/',
  issues: null,
  body: new TextEncoder().encode('{"customerId":"A"}'),
  truncated: false,
  ...over,
});

/** Finding any login: filters, pairs, re-ingested bodies, replays by customer and time. */
export function describeFinding(backend: StoreBackend): void {
  const open = freshStores(backend);

  describe('finding a login', () => {
    it('lists only the events of a customer, of an interview, of a time range, newest first', async () => {
      const store = await open();
      await logins(store);
      expect(await listed(store, { customerId: 'A', limit: 10 })).toEqual(['a-l2', 'a-w', 'a-l']);
      expect(await listed(store, { interviewId: 'i1', limit: 10 })).toEqual(['a-w', 'a-l']);
      expect(await listed(store, { from: T0 + 1_000, to: T0 + 2 * HOUR, limit: 10 })).toEqual([
        'b-l',
        'a-w',
      ]);
      expect(
        await listed(store, { customerId: 'A', source: 'legacy', status: 'pending', limit: 10 }),
      ).toEqual(['a-l2', 'a-l']);
      expect(await listed(store, { customerId: 'A', status: 'shadowed', limit: 10 })).toEqual([
        'a-w',
      ]);
      expect(await listed(store, { customerId: 'nobody', limit: 10 })).toEqual([]);
      // Pages of one customer.
      const first = await store.listEvents({ customerId: 'A', limit: 2 });
      expect(first.items.map((e) => e.id)).toEqual(['a-l2', 'a-w']);
      expect(await listed(store, { customerId: 'A', limit: 2, before: first.next ?? '' })).toEqual([
        'a-l',
      ]);
    });

    it("shows an event's pair: the counterpart, which one was forwarded, the differences", async () => {
      const store = await open();
      await logins(store);
      const summary = (await store.listEvents({ interviewId: 'i1', limit: 10 })).items;
      expect(summary.map((e) => [e.id, e.pair])).toEqual([
        ['a-w', { counterpartId: 'a-l', forwarded: 'legacy' }],
        ['a-l', { counterpartId: 'a-w', forwarded: 'legacy' }],
      ]);
      expect((await store.getEvent('a-w'))?.pairDetail).toEqual({
        counterpartId: 'a-l',
        counterpartSource: 'legacy',
        forwarded: 'legacy',
        pairedAt: T0 + 1_000,
        comparison: {
          statusAgrees: false,
          reasonAgrees: false,
          kind: 'status: legacy FAIL, workflows PASS',
          differences: [
            { field: 'status', legacy: 'FAIL', workflows: 'PASS' },
            { field: 'reason', legacy: 'SPOOF_DETECTED', workflows: null },
          ],
        },
      });
      expect((await store.getEvent('b-l'))?.pairDetail).toBeNull();
      expect((await store.getEvent('b-l'))?.pair).toBeNull();
    });
  });

  describe('replay by customer and by time range', () => {
    it("replays only the customer's dead events, or those received in the range", async () => {
      const store = await open();
      await deadEvent(store, { id: 'a1', customerId: 'A' });
      await deadEvent(store, { id: 'b1', customerId: 'B', receivedAt: T0 + HOUR });
      await deadEvent(store, { id: 'a2', customerId: 'A', receivedAt: T0 + 2 * HOUR });
      expect(await store.replayAll('dead', T0 + 3 * HOUR, { customerId: 'A', from: T0 + 1 })).toBe(
        1,
      );
      expect((await store.getEvent('a2'))?.status).toBe('pending');
      expect((await store.getEvent('a1'))?.status).toBe('dead');
      expect(await store.replayAll('dead', T0 + 3 * HOUR, { from: T0, to: T0 + HOUR })).toBe(1);
      expect((await store.getEvent('a1'))?.status).toBe('pending');
      expect((await store.getEvent('b1'))?.status).toBe('dead');
    });

    it("replays a customer's delivered events", async () => {
      const store = await open();
      await store.accept(newEvent({ id: 'a1', customerId: 'A' }), DEDUP);
      await store.accept(newEvent({ id: 'b1', customerId: 'B' }), DEDUP);
      for (const item of await store.claimDue(T0, 10, LEASE)) {
        await store.recordDelivered(item.eventId, attempt({ statusCode: 200 }));
      }
      expect(await store.replayAll('delivered', T0 + MINUTE, { customerId: 'A' })).toBe(1);
      expect((await store.getEvent('a1'))?.status).toBe('pending');
      expect((await store.getEvent('b1'))?.status).toBe('delivered');
    });
  });

  describe('a quarantined body taken in again', () => {
    it('is found by its id, and marked with the event it became, once', async () => {
      const store = await open();
      await store.quarantine(quarantined('q1'));
      expect(await store.getQuarantine('q1')).toMatchObject({ id: 'q1', reingested: null });
      expect(await store.getQuarantine('nope')).toBeUndefined();
      const event = { ...newEvent({ id: 'e1' }), reingest: { quarantineId: 'q1', at: T0 + HOUR } };
      expect(await store.accept(event, DEDUP)).toMatchObject({ eventId: 'e1', duplicate: false });
      expect((await store.getQuarantine('q1'))?.reingested).toEqual({
        eventId: 'e1',
        at: new Date(T0 + HOUR).toISOString(),
      });
      // Again, even past the redelivery window: the event it became.
      const again = { ...event, id: 'e2', receivedAt: T0 + 2 * DEDUP };
      expect(await store.accept(again, DEDUP)).toEqual({ eventId: 'e1', duplicate: true });
      expect(await store.getEvent('e2')).toBeUndefined();
    });

    it('two entries of one body: the second becomes a redelivery of the first', async () => {
      const store = await open();
      await store.quarantine(quarantined('q1'));
      await store.quarantine(quarantined('q2'));
      const event = newEvent({ id: 'e1' });
      await store.accept({ ...event, reingest: { quarantineId: 'q1', at: T0 } }, DEDUP);
      expect(
        await store.accept(
          { ...event, id: 'e2', reingest: { quarantineId: 'q2', at: T0 + 1 } },
          DEDUP,
        ),
      ).toEqual({ eventId: 'e1', duplicate: true });
      expect((await store.getQuarantine('q2'))?.reingested?.eventId).toBe('e1');
    });

    it('taken in at the same instant twice: one event', async () => {
      const store = await open();
      await store.quarantine(quarantined('q1'));
      const event = (id: string, receivedAt: number) => ({
        ...newEvent({ id, receivedAt }),
        reingest: { quarantineId: 'q1', at: T0 },
      });
      // Past each other's redelivery window: only the mark keeps the second out.
      const results = await Promise.all([
        store.accept(event('e1', T0), DEDUP),
        store.accept(event('e2', T0 + 2 * DEDUP), DEDUP),
      ]);
      expect(results.filter((r) => !r.duplicate)).toHaveLength(1);
      const winner = results.find((r) => !r.duplicate)?.eventId;
      expect(results.map((r) => r.eventId)).toEqual([winner, winner]);
      expect(Object.values(await store.countByStatus()).reduce((a, b) => a + b, 0)).toBe(1);
    });
  });
}
