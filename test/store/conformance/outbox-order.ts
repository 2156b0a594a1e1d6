import { describe, expect, it } from 'vitest';
import type { AttemptRecord, OutboxItem } from '../../../src/store/delivery-types.js';
import { newEvent, T0 } from '../../helpers/new-event.js';
import { freshStores, type StoreBackend } from './backend.js';

/** The outbox keeps one customer's events in order, across retries and replay rounds. */
export function describeOutboxOrder(backend: StoreBackend): void {
  const open = freshStores(backend);

  const MINUTE = 60_000;
  const HOUR = 60 * MINUTE;
  const LEASE = 30_000;
  const ids = (items: OutboxItem[]) => items.map((i) => i.eventId).sort();
  const attempt = (statusCode: number | null, at = T0): AttemptRecord => ({
    at,
    durationMs: 5,
    statusCode,
    error: statusCode === null ? 'timeout' : null,
  });
  const ev = (id: string, customerId: string, receivedAt: number) =>
    newEvent({ id, customerId, receivedAt });
  async function twoForA() {
    const store = await open();
    await store.accept(ev('a1', 'A', T0), HOUR);
    await store.accept(ev('a2', 'A', T0 + 1), HOUR);
    await store.accept(ev('b1', 'B', T0 + 2), HOUR);
    return store;
  }
  describe('outbox order per customer, and replay rounds', () => {
    it('the first claim returns A1 and B only', async () => {
      const store = await twoForA();
      expect(ids(await store.claimDue(T0 + 10, 10, LEASE))).toEqual(['a1', 'b1']);
      expect(await store.claimDue(T0 + 10, 10, LEASE)).toEqual([]);
    });
    it('once A1 is delivered, A2 becomes claimable', async () => {
      const store = await twoForA();
      await store.claimDue(T0 + 10, 10, LEASE);
      await store.recordDelivered('a1', attempt(200));
      expect(ids(await store.claimDue(T0 + 11, 10, LEASE))).toEqual(['a2']);
    });
    it('A1 being rescheduled still holds A2 back', async () => {
      const store = await twoForA();
      await store.claimDue(T0 + 10, 10, LEASE);
      await store.recordDelivered('b1', attempt(200));
      await store.recordFailed('a1', attempt(503), { retryAt: T0 + MINUTE });
      expect(await store.claimDue(T0 + 20, 10, LEASE)).toEqual([]);
      expect(ids(await store.claimDue(T0 + MINUTE, 10, LEASE))).toEqual(['a1']);
    });
    it('when A1 goes dead, A2 is released', async () => {
      const store = await twoForA();
      await store.claimDue(T0 + 10, 10, LEASE);
      await store.recordFailed('a1', attempt(410), 'dead');
      expect(ids(await store.claimDue(T0 + 11, 10, LEASE))).toEqual(['a2']);
    });
    it('a replay starts a new round: claimDue returns attempts 0', async () => {
      const store = await open();
      await store.accept(ev('e1', 'A', T0), HOUR);
      await store.claimDue(T0, 10, LEASE);
      await store.recordFailed('e1', attempt(500), { retryAt: T0 + 1 });
      expect((await store.claimDue(T0 + 1, 10, LEASE))[0]?.attempts).toBe(1);
      await store.recordFailed('e1', attempt(502, T0 + 1), 'dead');
      expect(await store.replay('e1', T0 + HOUR)).toBe('replayed');
      const [item] = await store.claimDue(T0 + HOUR, 10, LEASE);
      expect(item?.attempts).toBe(0);
      expect((await store.getEvent('e1'))?.attemptHistory.map((a) => a.statusCode)).toEqual([
        500, 502,
      ]);
    });
  });

  describe('a replay and the customer line', () => {
    it('waits while a later event of the same customer is in flight', async () => {
      const store = await open();
      await store.accept(ev('fail', 'A', T0), HOUR);
      await store.accept(ev('pass', 'A', T0 + 1), HOUR);
      const [first] = await store.claimDue(T0, 10, LEASE);
      expect(first?.eventId).toBe('fail');
      await store.recordFailed('fail', attempt(410), 'dead');
      const [second] = await store.claimDue(T0 + 1, 10, LEASE);
      expect(second?.eventId).toBe('pass');
      // The PASS is in flight (leased) when the dead FAIL is replayed.
      expect(await store.replay('fail', T0 + 2)).toBe('replayed');
      expect(await store.claimDue(T0 + 3, 10, LEASE)).toEqual([]);
      await store.recordDelivered('pass', attempt(200));
      expect(ids(await store.claimDue(T0 + 4, 10, LEASE))).toEqual(['fail']);
    });
  });

  describe('a line of three or more', () => {
    it('each delivered head releases the next entry in line, never a later one', async () => {
      const store = await open();
      for (const [n, id] of ['a1', 'a2', 'a3', 'a4'].entries()) {
        await store.accept(ev(id, 'A', T0 + n), HOUR);
      }
      const order: string[] = [];
      for (let turn = 0; turn < 4; turn++) {
        const claimed = await store.claimDue(T0 + 10 + turn, 10, LEASE);
        expect(claimed, `turn ${turn}`).toHaveLength(1);
        const [head] = claimed;
        order.push(head?.eventId as string);
        // A dead head releases its line the same way a delivered one does.
        if (turn === 1) await store.recordFailed(head?.eventId as string, attempt(410), 'dead');
        else await store.recordDelivered(head?.eventId as string, attempt(200));
      }
      expect(order).toEqual(['a1', 'a2', 'a3', 'a4']);
    });
  });
}
