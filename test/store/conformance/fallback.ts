import { describe, expect, it } from 'vitest';
import { type EventSpec, newEvent, T0 } from '../../helpers/new-event.js';
import { freshStores, type StoreBackend } from './backend.js';
import { DEDUP, ids, LEASE, MINUTE } from './helpers.js';

/** The shadow fallback and the counterpart rule. */
export function describeFallback(backend: StoreBackend): void {
  const open = freshStores(backend);

  describe('shadow fallback', () => {
    const WINDOW = 10 * MINUTE;
    const rule = { windowMs: WINDOW };

    const shadowedLegacy = (over: Partial<EventSpec> = {}) =>
      newEvent({
        id: 'l1',
        source: 'legacy',
        customerId: 'A',
        interviewId: 'i1',
        receivedAt: T0,
        shadowed: true,
        fallbackAt: T0 + WINDOW,
        ...over,
      });
    const workflows = (over: Partial<EventSpec> = {}) =>
      newEvent({
        id: 'w1',
        source: 'workflows',
        customerId: 'A',
        interviewId: 'i1',
        receivedAt: T0 + MINUTE,
        ...over,
      });

    it('a shadowed event with no counterpart is forwarded once its fallback time has come', async () => {
      const store = await open();
      const event = shadowedLegacy();
      await store.accept(event, DEDUP);
      expect(await store.forwardFallbacks(T0 + WINDOW, rule)).toEqual(['l1']);
      expect((await store.getEvent('l1'))?.status).toBe('pending');
      const [item] = await store.claimDue(T0 + WINDOW, 10, LEASE);
      expect(item?.eventId).toBe('l1');
      expect(Buffer.from(item?.body ?? []).equals(Buffer.from(event.forward?.body ?? []))).toBe(
        true,
      );
      expect(await store.forwardFallbacks(T0 + 2 * WINDOW, rule)).toEqual([]);
    });

    it('not before its fallback time', async () => {
      const store = await open();
      await store.accept(shadowedLegacy(), DEDUP);
      expect(await store.forwardFallbacks(T0 + WINDOW - 1, rule)).toEqual([]);
      expect((await store.getEvent('l1'))?.status).toBe('shadowed');
      expect(await store.claimDue(T0 + WINDOW, 10, LEASE)).toEqual([]);
    });

    it('a counterpart from the other source (same customer, same interview, within the window) keeps it shadowed, for good', async () => {
      const store = await open();
      await store.accept(shadowedLegacy(), DEDUP);
      await store.accept(workflows(), DEDUP);
      expect(await store.forwardFallbacks(T0 + WINDOW, rule)).toEqual([]);
      expect((await store.getEvent('l1'))?.status).toBe('shadowed');
      // Settled: not looked at again, even if the counterpart were gone from view.
      expect(await store.forwardFallbacks(T0 + 100 * WINDOW, { windowMs: 0 })).toEqual([]);
      expect((await store.getEvent('l1'))?.status).toBe('shadowed');
      expect(ids(await store.claimDue(T0 + 100 * WINDOW, 10, LEASE))).toEqual(['w1']);
    });

    it('a counterpart received before the shadowed event also counts', async () => {
      const store = await open();
      await store.accept(workflows({ receivedAt: T0 - WINDOW }), DEDUP);
      await store.accept(shadowedLegacy(), DEDUP);
      expect(await store.forwardFallbacks(T0 + WINDOW, rule)).toEqual([]);
      expect((await store.getEvent('l1'))?.status).toBe('shadowed');
    });

    it('a counterpart without an interview id counts when the customer matches', async () => {
      const store = await open();
      await store.accept(shadowedLegacy(), DEDUP);
      await store.accept(workflows({ interviewId: null }), DEDUP);
      expect(await store.forwardFallbacks(T0 + WINDOW, rule)).toEqual([]);
    });

    it('an event of the other source with a different interview id (both present) is no counterpart', async () => {
      const store = await open();
      await store.accept(shadowedLegacy(), DEDUP);
      await store.accept(workflows({ interviewId: 'i2' }), DEDUP);
      expect(await store.forwardFallbacks(T0 + WINDOW, rule)).toEqual(['l1']);
    });

    it('an event of the other source outside the window is no counterpart', async () => {
      const store = await open();
      await store.accept(shadowedLegacy(), DEDUP);
      await store.accept(workflows({ receivedAt: T0 + WINDOW + 1 }), DEDUP);
      await store.accept(
        workflows({ id: 'w0', receivedAt: T0 - WINDOW - 1, body: '{"early":true}' }),
        DEDUP,
      );
      expect(await store.forwardFallbacks(T0 + WINDOW, rule)).toEqual(['l1']);
    });

    it('an event of another customer, or of the same source, is no counterpart', async () => {
      const store = await open();
      await store.accept(shadowedLegacy(), DEDUP);
      await store.accept(workflows({ customerId: 'B' }), DEDUP);
      await store.accept(
        newEvent({
          id: 'l2',
          source: 'legacy',
          customerId: 'A',
          interviewId: 'i1',
          receivedAt: T0,
        }),
        DEDUP,
      );
      expect(await store.forwardFallbacks(T0 + WINDOW, rule)).toEqual(['l1']);
    });

    it('a Workflows event that names no customer (a session event) counts by its interview', async () => {
      const store = await open();
      await store.accept(shadowedLegacy(), DEDUP);
      await store.accept(workflows({ customerId: null }), DEDUP);
      expect(await store.forwardFallbacks(T0 + WINDOW, rule)).toEqual([]);
      expect((await store.getEvent('l1'))?.status).toBe('shadowed');
    });

    it('an event with no customer and another interview is no counterpart', async () => {
      const store = await open();
      await store.accept(shadowedLegacy(), DEDUP);
      await store.accept(workflows({ customerId: null, interviewId: 'i2' }), DEDUP);
      expect(await store.forwardFallbacks(T0 + WINDOW, rule)).toEqual(['l1']);
    });

    it('a shadowed event without a fallback time is never forwarded', async () => {
      const store = await open();
      await store.accept(shadowedLegacy({ fallbackAt: null }), DEDUP);
      expect(await store.forwardFallbacks(T0 + 1000 * WINDOW, rule)).toEqual([]);
      expect((await store.getEvent('l1'))?.status).toBe('shadowed');
    });
  });
}
