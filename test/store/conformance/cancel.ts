import { describe, expect, it } from 'vitest';
import { newEvent, T0 } from '../../helpers/new-event.js';
import { freshStores, type StoreBackend } from './backend.js';
import { attempt, DEDUP, deadEvent, HOUR, ids, LEASE, MINUTE } from './helpers.js';

/** An operator's cancel: never delivered, kept as cancelled, its customer's line moves on. */
export function describeCancel(backend: StoreBackend): void {
  const open = freshStores(backend);

  describe('cancel', () => {
    it('a pending event is never claimed again, is kept as cancelled, and its line moves on', async () => {
      const store = await open();
      await store.accept(newEvent({ id: 'p1', customerId: 'P' }), DEDUP);
      await store.accept(newEvent({ id: 'p2', customerId: 'P', receivedAt: T0 + 1 }), DEDUP);
      await store.claimDue(T0, 10, LEASE);
      await store.recordFailed('p1', attempt({ statusCode: 400 }), { retryAt: T0 + HOUR });
      expect(await store.cancel('p1', T0 + 10)).toBe('cancelled');
      expect(ids(await store.claimDue(T0 + 10, 10, LEASE))).toEqual(['p2']);
      await store.recordDelivered('p2', attempt({ statusCode: 200 }));
      expect(await store.claimDue(T0 + 2 * HOUR, 10, LEASE)).toEqual([]);
      const p1 = await store.getEvent('p1');
      expect(p1).toMatchObject({ status: 'cancelled', nextAttemptAt: null, line: null });
      expect(p1?.note).toMatch(/cancelled by an operator/);
      expect((await store.countByStatus()).cancelled).toBe(1);
      expect(await store.cancel('p1', T0 + 20)).toBe('already_cancelled');
      expect(await store.replay('p1', T0 + 20)).toBe('cancelled');
      expect(
        (await store.listEvents({ status: 'cancelled', limit: 10 })).items.map((e) => e.id),
      ).toEqual(['p1']);
    });

    it('an event being sent is not cancelled; once its attempt failed it is', async () => {
      const store = await open();
      await store.accept(newEvent({ id: 'e1' }), DEDUP);
      await store.claimDue(T0, 10, LEASE);
      expect(await store.cancel('e1', T0 + 1)).toBe('in_flight');
      expect((await store.getEvent('e1'))?.status).toBe('pending');
      await store.recordFailed('e1', attempt(), { retryAt: T0 + MINUTE });
      expect(await store.cancel('e1', T0 + 2)).toBe('cancelled');
    });

    it('an entry taken by the fast path is in flight too', async () => {
      const store = await open();
      const accepted = await store.accept(
        { ...newEvent({ id: 'f1' }), fastPath: { leaseUntil: T0 + LEASE } },
        DEDUP,
      );
      expect(accepted.fresh?.eventId).toBe('f1');
      expect(await store.cancel('f1', T0)).toBe('in_flight');
    });

    it('a dead event is cancelled; delivered, unknown and shadowed ones are not', async () => {
      const store = await open();
      await deadEvent(store, { id: 'd1' });
      expect(await store.cancel('d1', T0 + HOUR)).toBe('cancelled');
      await store.accept(newEvent({ id: 'ok', customerId: 'B' }), DEDUP);
      await store.claimDue(T0, 10, LEASE);
      await store.recordDelivered('ok', attempt({ statusCode: 200 }));
      expect(await store.cancel('ok', T0 + 1)).toBe('delivered');
      expect(await store.cancel('nope', T0)).toBe('not_found');
      await store.accept(
        newEvent({ id: 'l1', customerId: 'C', interviewId: 'i', preference: 'preferred' }),
        DEDUP,
      );
      await store.accept(
        newEvent({
          id: 'w1',
          source: 'workflows',
          customerId: 'C',
          interviewId: 'i',
          preference: 'other',
          waitMs: MINUTE,
          receivedAt: T0 + 5,
        }),
        DEDUP,
      );
      expect((await store.getEvent('w1'))?.status).toBe('shadowed');
      expect(await store.cancel('w1', T0 + 10)).toBe('shadowed');
    });

    it("a report waiting for its login's other one is cancelled: the other, arriving later, is shadowed (the operator decided that login)", async () => {
      const store = await open();
      const wait = {
        id: 'w1',
        source: 'workflows' as const,
        customerId: 'C',
        interviewId: 'i',
        preference: 'other' as const,
        waitMs: MINUTE,
      };
      await store.accept(newEvent(wait), DEDUP);
      expect(await store.cancel('w1', T0 + 10)).toBe('cancelled');
      expect(await store.forwardFallbacks(T0 + HOUR)).toEqual([]);
      const later = await store.accept(
        newEvent({ id: 'l1', customerId: 'C', interviewId: 'i', receivedAt: T0 + 20 }),
        DEDUP,
      );
      expect(later.status).toBe('shadowed');
      expect(await store.claimDue(T0 + HOUR, 10, LEASE)).toEqual([]);
      expect((await store.getEvent('l1'))?.pair).toEqual({
        counterpartId: 'w1',
        forwarded: 'workflows',
      });
    });

    it('an event waiting for its score is cancelled: its score changes nothing, its line moves on', async () => {
      const store = await open();
      const waiting = {
        ...newEvent({ id: 'e1', source: 'workflows', customerId: 'A', interviewId: 'i-e1' }),
        enrich: { deadline: T0 + 5 * MINUTE },
      };
      await store.accept(waiting, DEDUP);
      // Another login of the same customer (another interview).
      await store.accept(
        newEvent({ id: 'a2', customerId: 'A', interviewId: 'i-a2', receivedAt: T0 + 1 }),
        DEDUP,
      );
      expect(await store.claimDue(T0 + 2, 10, LEASE)).toEqual([]);
      expect(await store.cancel('e1', T0 + 3)).toBe('cancelled');
      expect(ids(await store.claimDue(T0 + 3, 10, LEASE))).toEqual(['a2']);
      const completion = await store.completeEnrichment(
        'e1',
        {
          state: 'scored',
          normalized: waiting.normalized as NonNullable<typeof waiting.normalized>,
          forward: { format: 'legacy', body: new TextEncoder().encode('x') },
          legacyFields: [],
          error: null,
          called: true,
          pairing: waiting.pairing,
        },
        T0 + 4,
      );
      expect(completion).toBeNull();
      expect((await store.getEvent('e1'))?.status).toBe('cancelled');
      expect(await store.claimEnrichment(T0 + HOUR, 10, LEASE)).toEqual([]);
    });

    it('a cancel and a claim at the same instant: each event is either sent or cancelled, never both', async () => {
      const store = await open();
      const n = 20;
      for (let i = 0; i < n; i++) {
        await store.accept(newEvent({ id: `e${i}`, customerId: `c${i}` }), DEDUP);
      }
      // Half the cancels asked for before the claim, half after, all at once.
      const cancel = (i: number) => store.cancel(`e${i}`, T0);
      const half = Array.from({ length: n / 2 }, (_, i) => i);
      const [before, claimed, after] = await Promise.all([
        Promise.all(half.map((i) => cancel(2 * i))),
        store.claimDue(T0, n, LEASE),
        Promise.all(half.map((i) => cancel(2 * i + 1))),
      ]);
      const cancels = half.flatMap((i) => [before[i], after[i]]);
      const taken = new Set(claimed.map((c) => c.eventId));
      for (let i = 0; i < n; i++) {
        expect(cancels[i], `e${i}`).toBe(taken.has(`e${i}`) ? 'in_flight' : 'cancelled');
      }
      for (const id of taken) await store.recordDelivered(id, attempt({ statusCode: 200 }));
      const counts = await store.countByStatus();
      expect(counts.delivered + counts.cancelled).toBe(n);
      expect(counts.delivered).toBe(taken.size);
    });

    it('a cancelled event is pruned after RETENTION, as a delivered one', async () => {
      const store = await open();
      await deadEvent(store, { id: 'd1' });
      await store.cancel('d1', T0 + 1);
      expect(await store.prune(T0 + HOUR, 10)).toEqual({ events: 1, quarantine: 0 });
      expect(await store.getEvent('d1')).toBeUndefined();
    });
  });
}
