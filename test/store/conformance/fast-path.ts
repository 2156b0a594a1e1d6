import { describe, expect, it } from 'vitest';
import { newEvent, T0 } from '../../helpers/new-event.js';
import { freshStores, type StoreBackend } from './backend.js';

// The fast path: a fresh event is handed from the accept to the delivery worker in memory,
// leased to it in the same transaction, and sent without reading the outbox.

const LEASE = { leaseUntil: T0 + 60_000 };
const WINDOW = 3_600_000;

/** The fast path's lease, taken only where nothing of the customer waits before it. */
export function describeFastPath(backend: StoreBackend): void {
  const open = freshStores(backend);

  describe('the store on the fast path', () => {
    it('leases a fresh event to the accepting worker: no claim returns it until the lease is over', async () => {
      const store = await open();
      const accepted = await store.accept({ ...newEvent({ id: 'e1' }), fastPath: LEASE }, WINDOW);
      expect(accepted.fresh).toMatchObject({
        eventId: 'e1',
        source: 'legacy',
        attempts: 0,
        ...LEASE,
      });
      expect(await store.claimDue(T0 + 1, 10, 30_000)).toEqual([]);
      expect((await store.claimDue(LEASE.leaseUntil, 10, 30_000)).map((i) => i.eventId)).toEqual([
        'e1',
      ]);
    });

    it('does not take a later event of a customer while an earlier one waits: it goes to the outbox, in order', async () => {
      const store = await open();
      await store.accept(newEvent({ id: 'e1', customerId: 'c1' }), WINDOW);
      const later = await store.accept(
        { ...newEvent({ id: 'e2', customerId: 'c1', receivedAt: T0 + 1 }), fastPath: LEASE },
        WINDOW,
      );
      expect(later.fresh).toBeUndefined();
      expect(later.status).toBe('pending');
      const other = await store.accept(
        { ...newEvent({ id: 'e3', customerId: 'c2', receivedAt: T0 + 2 }), fastPath: LEASE },
        WINDOW,
      );
      expect(other.fresh?.eventId).toBe('e3');
      expect((await store.claimDue(T0 + 10, 10, 30_000)).map((i) => i.eventId)).toEqual(['e1']);
    });

    it('a shadowed or duplicate event never takes it', async () => {
      const store = await open();
      const shadowed = await store.accept(
        { ...newEvent({ id: 'e1', shadowed: true }), fastPath: LEASE },
        WINDOW,
      );
      expect(shadowed.fresh).toBeUndefined();
      await store.accept(newEvent({ id: 'e2', customerId: 'c9' }), WINDOW);
      const duplicate = await store.accept(
        // The same body on the same route: a redelivery, under a new id.
        { ...newEvent({ id: 'e2', customerId: 'c9' }), id: 'e3', fastPath: LEASE },
        WINDOW,
      );
      expect(duplicate).toMatchObject({ duplicate: true });
      expect(duplicate.fresh).toBeUndefined();
    });
  });
}
