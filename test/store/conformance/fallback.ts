import { describe, expect, it } from 'vitest';
import { bucketOf } from '../../../src/cutover/bucket.js';
import { agreementOf, movedPairs } from '../../../src/cutover/guard.js';
import { fallbackCounterpart } from '../../../src/store/rules/fallback.js';
import { type EventSpec, newEvent, T0 } from '../../helpers/new-event.js';
import { freshStores, type StoreBackend } from './backend.js';
import { DEDUP, HOUR, ids, LEASE, MINUTE } from './helpers.js';

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
  describe('counterparts (the cut-over decision as a webhook arrives)', () => {
    const WINDOW = 5 * MINUTE;
    const query = (over: Partial<Parameters<typeof fallbackCounterpart>[0]> = {}) =>
      fallbackCounterpart(
        { source: 'workflows', customerId: 'A', interviewId: 'i1', receivedAt: T0, ...over },
        { windowMs: WINDOW },
      );

    it('finds the other source of the same customer or interview within the window, and says how it went', async () => {
      const store = await open();
      await store.accept(
        newEvent({
          id: 'l1',
          source: 'legacy',
          customerId: 'A',
          interviewId: 'i1',
          receivedAt: T0 - MINUTE,
        }),
        DEDUP,
      );
      await store.accept(
        newEvent({
          id: 'l2',
          source: 'legacy',
          customerId: 'B',
          interviewId: 'i2',
          receivedAt: T0 - MINUTE,
          shadowed: true,
        }),
        DEDUP,
      );
      await store.accept(
        newEvent({
          id: 'w0',
          source: 'workflows',
          customerId: 'A',
          interviewId: 'i1',
          receivedAt: T0 - MINUTE,
        }),
        DEDUP,
      );
      const found = await store.counterparts(query());
      expect(found.map((e) => [e.eventId, e.delivery, e.paired])).toEqual([
        ['l1', 'pending', false],
      ]);
      // A session event names no customer: its interview finds the legacy event.
      const byInterview = await store.counterparts(query({ customerId: null, interviewId: 'i2' }));
      expect(byInterview.map((e) => [e.eventId, e.delivery, e.shadowed])).toEqual([
        ['l2', 'shadowed', true],
      ]);
      expect(found.map((e) => e.shadowed)).toEqual([false]);
      expect(await store.counterparts(query({ receivedAt: T0 + WINDOW }))).toEqual([]);
      expect(await store.counterparts(query({ customerId: 'C', interviewId: 'i3' }))).toEqual([]);
    });
  });
  describe('moved pair figures (the cut-over guard)', () => {
    const pairing = {
      windowMs: 5 * MINUTE,
      comparison: { compared: [{ field: 'status' }], ignored: [] },
    };
    /** Customers on both sides of a 50% share. */
    const customers = Array.from({ length: 40 }, (_, i) => `guard-customer-${i}`);
    const moved = customers.filter((id) => bucketOf(id) < 5000).slice(0, 4);
    const unmoved = customers.filter((id) => bucketOf(id) >= 5000).slice(0, 2);

    it('counts the pairs of moved customers completed in the range, as the guard reads them', async () => {
      const store = await open();
      const pairUp = async (customerId: string, i: number, at: number, agrees: boolean) => {
        const base = { customerId, interviewId: `i-${customerId}-${i}`, pairing };
        await store.accept(
          newEvent({ ...base, id: `l-${customerId}-${i}`, receivedAt: at - 1000, shadowed: true }),
          DEDUP,
        );
        await store.accept(
          newEvent({
            ...base,
            id: `w-${customerId}-${i}`,
            source: 'workflows',
            receivedAt: at,
            status: agrees ? 'PASS' : 'FAIL',
          }),
          DEDUP,
        );
      };
      await pairUp(moved[0] as string, 0, T0 + MINUTE, true);
      await pairUp(moved[1] as string, 0, T0 + 2 * MINUTE, false);
      await pairUp(moved[2] as string, 0, T0 + 3 * MINUTE, true);
      await pairUp(moved[3] as string, 0, T0 + 4 * MINUTE, false);
      await pairUp(unmoved[0] as string, 0, T0 + 2 * MINUTE, false);
      await pairUp(moved[0] as string, 1, T0 + 20 * MINUTE, true); // after the range

      const query = { from: T0 + MINUTE, to: T0 + 10 * MINUTE, belowBucket: 5000, ids: 20 };
      expect(await store.movedPairFigures(query)).toEqual({
        pairs: 4,
        agreeing: 2,
        disagreeingIds: [`l-${moved[1]}-0/w-${moved[1]}-0`, `l-${moved[3]}-0/w-${moved[3]}-0`],
      });
      // The same figures as the guard's reference computes from the stored pairs.
      const { pairs } = await store.comparisonData(T0 - HOUR, T0 + HOUR);
      const reference = agreementOf(
        movedPairs(pairs, 5000, query.from).filter((p) => p.at < query.to),
      );
      expect(reference).toMatchObject({ pairs: 4, agreeing: 2 });
      expect(await store.movedPairFigures({ ...query, ids: 1 })).toMatchObject({
        disagreeingIds: [`l-${moved[1]}-0/w-${moved[1]}-0`],
      });
      // A share of 0 moves nobody.
      expect(await store.movedPairFigures({ ...query, belowBucket: 0 })).toEqual({
        pairs: 0,
        agreeing: 0,
        disagreeingIds: [],
      });
    });
  });
}
