import { describe, expect, it } from 'vitest';
import type { QuarantineEntry } from '../../../src/store/admin-types.js';
import { newEvent, T0 } from '../../helpers/new-event.js';
import { freshStores, type StoreBackend } from './backend.js';
import { DEDUP, ids, LEASE, MINUTE } from './helpers.js';

const quarantined = (id: string, receivedAt: number): QuarantineEntry => ({
  id,
  receivedAt,
  route: '/webhooks/legacy/authentication',
  contentType: 'text/plain',
  httpStatus: 415,
  code: 'unsupported_media_type',
  message: 'not JSON',
  issues: [{ path: 'body', message: 'not JSON' }],
  body: new TextEncoder().encode(`body ${id}`),
  truncated: id === 'q2',
});

/** The admin API's reads, settings removed, the fast path's give-back, readiness. */
export function describeReads(backend: StoreBackend): void {
  const open = freshStores(backend);

  describe('reads for the admin API', () => {
    it('listEvents pages newest first, filtered by status and source, with an opaque cursor', async () => {
      const store = await open();
      for (let i = 1; i <= 5; i++) {
        await store.accept(
          newEvent({
            id: `e${i}`,
            customerId: `c${i}`,
            receivedAt: T0 + i,
            source: i % 2 ? 'legacy' : 'workflows',
            shadowed: i === 5,
          }),
          DEDUP,
        );
      }
      const first = await store.listEvents({ limit: 2 });
      expect(first.items.map((e) => e.id)).toEqual(['e5', 'e4']);
      expect(first.next).not.toBeNull();
      const second = await store.listEvents({ limit: 2, before: first.next as string });
      expect(second.items.map((e) => e.id)).toEqual(['e3', 'e2']);
      const last = await store.listEvents({ limit: 2, before: second.next as string });
      expect(last).toEqual({ items: [expect.objectContaining({ id: 'e1' })], next: null });
      const pending = await store.listEvents({ limit: 10, status: 'pending', source: 'legacy' });
      expect(pending.items.map((e) => e.id)).toEqual(['e3', 'e1']);
      expect((await store.listEvents({ limit: 10, status: 'shadowed' })).items).toHaveLength(1);
    });

    it('listQuarantine pages newest first and gives back what was kept', async () => {
      const store = await open();
      for (let i = 1; i <= 3; i++) await store.quarantine(quarantined(`q${i}`, T0 + i));
      const first = await store.listQuarantine({ limit: 2 });
      expect(first.items.map((q) => q.id)).toEqual(['q3', 'q2']);
      expect(first.items[1]).toMatchObject({
        receivedAt: new Date(T0 + 2).toISOString(),
        httpStatus: 415,
        code: 'unsupported_media_type',
        issues: [{ path: 'body', message: 'not JSON' }],
        truncated: true,
      });
      expect(Buffer.from(first.items[1]?.body ?? []).toString()).toBe('body q2');
      const rest = await store.listQuarantine({ limit: 2, before: first.next as string });
      expect(rest).toEqual({ items: [expect.objectContaining({ id: 'q1' })], next: null });
    });

    it('getEvent of an unknown id is undefined', async () => {
      const store = await open();
      expect(await store.getEvent('nope')).toBeUndefined();
    });
  });

  describe('settings removed, fallbacks cleared, fresh entries given back', () => {
    it('deleteSetting forgets a setting', async () => {
      const store = await open();
      await store.setSetting('forward_source', 'both', T0);
      await store.deleteSetting('forward_source');
      expect(await store.getSetting('forward_source')).toBeUndefined();
    });

    it('releaseFresh gives a fast-path entry back to the polls at once', async () => {
      const store = await open();
      const fastPath = { leaseUntil: T0 + 10 * MINUTE };
      const accepted = await store.accept({ ...newEvent({ id: 'e1' }), fastPath }, DEDUP);
      expect(accepted.fresh?.eventId).toBe('e1');
      expect(await store.claimDue(T0 + 1, 10, LEASE)).toEqual([]);
      await store.releaseFresh(['e1']);
      expect(ids(await store.claimDue(T0 + 1, 10, LEASE))).toEqual(['e1']);
    });

    it('ping resolves on a store that can read and write', async () => {
      const store = await open();
      await expect(store.ping()).resolves.toBeUndefined();
    });
  });
}
