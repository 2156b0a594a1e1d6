import { describe, expect, it } from 'vitest';
import { ROUTE_OF } from '../../../src/intake/webhook-kinds.js';
import type { EnrichmentCompletion, NewEvent } from '../../../src/store/accept-types.js';
import { newEvent, PAIRING, T0 } from '../../helpers/new-event.js';
import { freshStores, type StoreBackend } from './backend.js';
import { DEDUP, ids, LEASE, MINUTE, text } from './helpers.js';

const DEADLINE = T0 + 5 * MINUTE;

/** A Workflows event of customer A that waits for its score before it is forwarded. */
const waiting = (id: string, over: Partial<NewEvent> = {}): NewEvent => ({
  ...newEvent({ id, source: 'workflows', customerId: 'A', interviewId: `i-${id}` }),
  enrich: { deadline: DEADLINE },
  ...over,
});

/** The completion the enrichment worker makes when the score came. */
function scored(event: NewEvent, body = `scored ${event.id}`): EnrichmentCompletion {
  return {
    state: 'scored',
    normalized: event.normalized as NonNullable<NewEvent['normalized']>,
    forward: { format: 'legacy', body: new TextEncoder().encode(body) },
    legacyFields: [],
    error: null,
    called: true,
    pairing: PAIRING,
  };
}

/** Events waiting for their score (ENRICH_*), and supersede. */
export function describeEnrichment(backend: StoreBackend): void {
  const open = freshStores(backend);

  describe('waiting for the score', () => {
    it('an event that waits is stored enriching, and holds back the later events of its customer', async () => {
      const store = await open();
      expect(await store.accept(waiting('w1'), DEDUP)).toMatchObject({ status: 'enriching' });
      await store.accept(newEvent({ id: 'l2', customerId: 'A', receivedAt: T0 + 1 }), DEDUP);
      await store.accept(newEvent({ id: 'b1', customerId: 'B', receivedAt: T0 + 2 }), DEDUP);
      expect(ids(await store.claimDue(T0 + 10 * MINUTE, 10, LEASE))).toEqual(['b1']);
      expect((await store.getEvent('w1'))?.enrichment).toMatchObject({
        state: 'waiting',
        attempts: 0,
        deadline: new Date(DEADLINE).toISOString(),
      });
    });

    it('claimEnrichment leases what is due: not claimed again until the lease runs out', async () => {
      const store = await open();
      await store.accept(waiting('w1'), DEDUP);
      const first = await store.claimEnrichment(T0, 10, LEASE);
      expect(first).toMatchObject([{ eventId: 'w1', deadline: DEADLINE, attempts: 0 }]);
      expect(await store.claimEnrichment(T0 + 1, 10, LEASE)).toEqual([]);
      expect((await store.claimEnrichment(T0 + LEASE, 10, LEASE)).map((i) => i.eventId)).toEqual([
        'w1',
      ]);
    });

    it('retryEnrichment asks again at the time given and counts the attempt', async () => {
      const store = await open();
      await store.accept(waiting('w1'), DEDUP);
      await store.claimEnrichment(T0, 10, LEASE);
      await store.retryEnrichment('w1', 'HTTP 503', T0 + 2 * LEASE);
      expect(await store.claimEnrichment(T0 + LEASE, 10, LEASE)).toEqual([]);
      expect(await store.claimEnrichment(T0 + 2 * LEASE, 10, LEASE)).toMatchObject([
        { eventId: 'w1', attempts: 1, lastError: 'HTTP 503' },
      ]);
    });

    it('releaseLeases makes a leased wait due at once', async () => {
      const store = await open();
      await store.accept(waiting('w1'), DEDUP);
      await store.claimEnrichment(T0, 10, LEASE);
      expect(await store.releaseLeases()).toBeGreaterThanOrEqual(1);
      expect((await store.claimEnrichment(T0 + 1, 10, LEASE)).map((i) => i.eventId)).toEqual([
        'w1',
      ]);
    });

    it('a score forwards the event with the new body, in its place in line, once', async () => {
      const store = await open();
      const event = waiting('w1');
      await store.accept(event, DEDUP);
      await store.accept(newEvent({ id: 'l2', customerId: 'A', receivedAt: T0 + 1 }), DEDUP);
      expect(await store.completeEnrichment('w1', scored(event), T0 + MINUTE)).toBe('pending');
      expect(await store.completeEnrichment('w1', scored(event), T0 + MINUTE)).toBeNull();
      const claimed = await store.claimDue(T0 + MINUTE, 10, LEASE);
      expect(claimed.map((c) => c.eventId)).toEqual(['w1']);
      expect(text(claimed[0]?.body)).toBe('scored w1');
      expect((await store.getEvent('w1'))?.enrichment).toMatchObject({
        state: 'scored',
        attempts: 1,
      });
    });

    it("no score and no outcome: dead, and the customer's later events are released", async () => {
      const store = await open();
      await store.accept(waiting('w1'), DEDUP);
      await store.accept(newEvent({ id: 'l2', customerId: 'A', receivedAt: T0 + 1 }), DEDUP);
      const status = await store.completeEnrichment(
        'w1',
        {
          state: 'unavailable',
          status: 'dead',
          note: 'no outcome to forward',
          error: 'HTTP 503',
          called: false,
        },
        T0 + MINUTE,
      );
      expect(status).toBe('dead');
      expect(await store.getEvent('w1')).toMatchObject({
        status: 'dead',
        lastError: 'no outcome to forward',
      });
      expect(ids(await store.claimDue(T0 + MINUTE, 10, LEASE))).toEqual(['l2']);
    });

    it('a report waiting for its login is scored too, and keeps waiting until its fallback time', async () => {
      const store = await open();
      const event = waiting('w1', { mode: { prefer: 'legacy' }, waitMs: 2 * MINUTE });
      expect(await store.accept(event, DEDUP)).toMatchObject({ status: 'enriching' });
      expect(await store.completeEnrichment('w1', scored(event), T0 + MINUTE)).toBe('shadowed');
      expect(await store.claimDue(T0 + MINUTE, 10, LEASE)).toEqual([]);
      expect(await store.forwardFallbacks(T0 + 2 * MINUTE)).toEqual(['w1']);
      expect(ids(await store.claimDue(T0 + 2 * MINUTE, 10, LEASE))).toEqual(['w1']);
    });

    it("a report scored after its login's legacy report was sent is never sent (one callback per login)", async () => {
      const store = await open();
      // ONBOARDING_FINISHED-like: no customer until the score names one.
      const event = waiting('w1', { ids: { customerId: null, interviewId: 'i-x' } });
      event.normalized = null;
      await store.accept(event, DEDUP);
      await store.accept(
        newEvent({ id: 'l1', customerId: 'A', interviewId: null, receivedAt: T0 + 1000 }),
        DEDUP,
      );
      const withResult = waiting('w1');
      expect(await store.completeEnrichment('w1', scored(withResult), T0 + MINUTE)).toBe(
        'shadowed',
      );
      expect(ids(await store.claimDue(T0 + MINUTE, 10, LEASE))).toEqual(['l1']);
    });

    it("a report that was to be sent and ends without an outcome lets its login's shadowed report go", async () => {
      const store = await open();
      const event = waiting('w1', { mode: { prefer: null } });
      await store.accept(event, DEDUP);
      const legacy = newEvent({
        id: 'l1',
        customerId: 'A',
        interviewId: 'i-w1',
        receivedAt: T0 + 1,
      });
      expect((await store.accept(legacy, DEDUP)).status).toBe('shadowed');
      const none = {
        state: 'unavailable' as const,
        status: 'dead' as const,
        note: 'no score',
        error: null,
        called: true,
      };
      expect(await store.completeEnrichment('w1', none, T0 + MINUTE)).toBe('dead');
      expect((await store.getEvent('l1'))?.status).toBe('pending');
      expect(ids(await store.claimDue(T0 + MINUTE, 10, LEASE))).toEqual(['l1']);
    });
  });

  describe('supersede: one authentication reaches the callback once', () => {
    const face = (id: string, receivedAt: number): NewEvent => ({
      ...newEvent({ id, source: 'workflows', customerId: 'A', interviewId: 'i1', receivedAt }),
      route: ROUTE_OF['face-authentication'],
    });
    const session = (id: string, receivedAt: number): NewEvent => ({
      ...newEvent({
        id,
        source: 'workflows',
        customerId: 'A',
        interviewId: 'i1',
        receivedAt,
        body: `{"session":"${id}"}`,
      }),
      route: ROUTE_OF.session,
      supersededBy: {
        interviewId: 'i1',
        routes: [ROUTE_OF['face-authentication'], ROUTE_OF.session],
      },
    });

    it('a session result after a Face Authentication result of its interview is superseded, not forwarded', async () => {
      const store = await open();
      await store.accept(face('f1', T0), DEDUP);
      expect(await store.accept(session('s1', T0 + 1), DEDUP)).toMatchObject({
        status: 'superseded',
      });
      expect((await store.getEvent('s1'))?.note).toContain('f1');
      expect(ids(await store.claimDue(T0 + MINUTE, 10, LEASE))).toEqual(['f1']);
    });

    it('without an earlier result of the interview it is forwarded', async () => {
      const store = await open();
      expect(await store.accept(session('s1', T0), DEDUP)).toMatchObject({ status: 'pending' });
    });

    it('a score that gives an outcome is checked again: superseded by a result that came meanwhile', async () => {
      const store = await open();
      const event: NewEvent = { ...session('s1', T0), enrich: { deadline: DEADLINE } };
      await store.accept(event, DEDUP);
      await store.accept(face('f1', T0 + 1), DEDUP);
      const completion = {
        ...scored(event),
        supersededBy: event.supersededBy ?? null,
      } as EnrichmentCompletion;
      expect(await store.completeEnrichment('s1', completion, T0 + MINUTE)).toBe('superseded');
      expect(ids(await store.claimDue(T0 + MINUTE, 10, LEASE))).toEqual(['f1']);
    });
  });
}
