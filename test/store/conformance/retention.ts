import { describe, expect, it } from 'vitest';
import { createLogger } from '../../../src/ops/logger.js';
import type { AttemptRecord } from '../../../src/store/delivery-types.js';
import { createPruner } from '../../../src/store/pruner.js';
import type { Store } from '../../../src/store/store.js';
import { newEvent, T0 } from '../../helpers/new-event.js';
import { freshStores, type StoreBackend } from './backend.js';

/** Counts by status, RETENTION pruning and the redelivery keys' expiry. */
export function describeRetention(backend: StoreBackend): void {
  const open = freshStores(backend);

  const DAY = 86_400_000;
  const DEDUP = 3_600_000;
  const silent = createLogger({ level: 'silent' });

  const ok = (at: number): AttemptRecord => ({ at, durationMs: 5, statusCode: 200, error: null });

  /** One event in each state nothing more happens to, and each state something still will. */
  async function history(store: Store, receivedAt: number, tag: string) {
    const at = (id: string) => `${tag}-${id}`;
    await store.accept(newEvent({ id: at('delivered'), customerId: at('c1'), receivedAt }), DEDUP);
    // The Workflows report of the delivered login: shadowed, never sent.
    await store.accept(
      newEvent({ id: at('shadowed'), source: 'workflows', customerId: at('c1'), receivedAt }),
      DEDUP,
    );
    await store.accept(newEvent({ id: at('pending'), customerId: at('c3'), receivedAt }), DEDUP);
    await store.accept(newEvent({ id: at('dead'), customerId: at('c4'), receivedAt }), DEDUP);
    const claimed = await store.claimDue(receivedAt, 10, 60_000);
    for (const item of claimed) {
      if (item.eventId === at('delivered'))
        await store.recordDelivered(item.eventId, ok(receivedAt));
      if (item.eventId === at('dead')) {
        await store.recordFailed(item.eventId, { ...ok(receivedAt), statusCode: 410 }, 'dead');
      }
    }
    await store.releaseLeases();
    await store.quarantine({
      id: at('q'),
      receivedAt,
      route: '/webhooks/legacy/authentication',
      contentType: 'text/plain',
      httpStatus: 415,
      code: 'unsupported_media_type',
      message: 'not JSON',
      issues: null,
      body: new TextEncoder().encode('x'),
      truncated: false,
    });
  }

  describe('counts by status', () => {
    it('follow every insert, status change and deletion without reading the events', async () => {
      const store = await open();
      await history(store, T0, 'a');
      expect(await store.countByStatus()).toMatchObject({
        pending: 1,
        delivered: 1,
        dead: 1,
        shadowed: 1,
      });
      expect(await store.replay('a-dead', T0)).toBe('replayed');
      expect(await store.countByStatus()).toMatchObject({ pending: 2, dead: 0 });
      await store.prune(T0 + 1, 100);
      expect(await store.countByStatus()).toMatchObject({ delivered: 0, shadowed: 0, pending: 2 });
    });
  });

  describe('RETENTION: prune', () => {
    it('deletes delivered and shadowed events past the period with their attempts, keeps pending and dead ones and everything newer', async () => {
      const store = await open();
      await history(store, T0 - 40 * DAY, 'old');
      await history(store, T0 - DAY, 'new');
      expect(await store.prune(T0 - 30 * DAY, 100)).toEqual({ events: 2, quarantine: 1 });
      expect(await store.getEvent('old-delivered')).toBeUndefined();
      expect(await store.getEvent('old-shadowed')).toBeUndefined();
      expect((await store.getEvent('old-pending'))?.status).toBe('pending');
      expect((await store.getEvent('old-dead'))?.status).toBe('dead');
      expect((await store.getEvent('new-delivered'))?.status).toBe('delivered');
      const quarantine = await store.listQuarantine({ limit: 10 });
      expect(quarantine.items.map((q) => q.id)).toEqual(['new-q']);
      // Nothing left to prune: a second pass deletes nothing.
      expect(await store.prune(T0 - 30 * DAY, 100)).toEqual({ events: 0, quarantine: 0 });
    });

    it('deletes the pair of a pruned event, so the other side is no longer paired', async () => {
      const store = await open();
      const pairing = {
        windowMs: 60_000,
        comparison: { compared: [{ field: 'status' }], ignored: [] },
      };
      const old = T0 - 40 * DAY;
      await store.accept(newEvent({ id: 'l', receivedAt: old, shadowed: true, pairing }), DEDUP);
      await store.accept(
        newEvent({ id: 'w', source: 'workflows', receivedAt: old + 1000, pairing }),
        DEDUP,
      );
      expect((await store.comparisonData(old - 1, old + DAY)).pairs).toHaveLength(1);
      expect(await store.prune(T0 - 30 * DAY, 100)).toEqual({ events: 1, quarantine: 0 });
      const after = await store.comparisonData(old - 1, old + DAY);
      expect(after.pairs).toEqual([]);
      expect(after.events.map((e) => [e.eventId, e.paired])).toEqual([['w', false]]);
    });

    it('keeps a shadowed event whose fallback is still to come', async () => {
      const store = await open();
      const old = T0 - 40 * DAY;
      await store.accept(
        newEvent({ id: 's', receivedAt: old, shadowed: true, fallbackAt: T0 + DAY }),
        DEDUP,
      );
      expect(await store.prune(T0 - 30 * DAY, 100)).toEqual({ events: 0, quarantine: 0 });
      expect((await store.getEvent('s'))?.status).toBe('shadowed');
    });

    it('the pruner works in batches until nothing is left, and reports what it deleted', async () => {
      const store = await open();
      for (let i = 0; i < 25; i++) {
        await store.accept(
          newEvent({ id: `s${i}`, customerId: `c${i}`, receivedAt: T0 - 40 * DAY }),
          DEDUP,
        );
      }
      for (const item of await store.claimDue(T0, 100, 60_000)) {
        await store.recordDelivered(item.eventId, ok(T0 - 40 * DAY));
      }
      const reported: unknown[] = [];
      const pruner = createPruner({
        store,
        retentionMs: 30 * DAY,
        dedupWindowMs: DEDUP,
        batch: 10,
        logger: silent,
        onPruned: (counts) => reported.push(counts),
      });
      expect(await pruner.runOnce(T0)).toEqual({ events: 25, quarantine: 0 });
      expect(reported).toEqual([{ events: 25, quarantine: 0 }]);
      expect(await store.countByStatus()).toMatchObject({ delivered: 0 });
    });
  });

  describe('redelivery keys', () => {
    it('are forgotten after DEDUP_WINDOW, with RETENTION off too: the same body is then a new event', async () => {
      const store = await open();
      const event = newEvent({ id: 'k1', receivedAt: T0 });
      await store.accept(event, DEDUP);
      const pruner = createPruner({
        store,
        retentionMs: undefined,
        dedupWindowMs: DEDUP,
        logger: silent,
      });
      await pruner.runOnce(T0 + DEDUP - 1);
      expect(
        await store.accept({ ...event, id: 'k2', receivedAt: T0 + DEDUP - 1 }, DEDUP),
      ).toMatchObject({
        duplicate: true,
        eventId: 'k1',
      });
      expect(await store.pruneDedupKeys(T0 + DEDUP, 100)).toBe(1);
      expect(
        await store.accept({ ...event, id: 'k3', receivedAt: T0 + DEDUP }, DEDUP),
      ).toMatchObject({
        duplicate: false,
        eventId: 'k3',
      });
    });
  });
}
