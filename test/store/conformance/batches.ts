import { describe, expect, it } from 'vitest';
import { FALLBACK_BATCH } from '../../../src/store/rules/fallbacks.js';
import { REPLAY_BATCH } from '../../../src/store/rules/replay.js';
import { newEvent, T0 } from '../../helpers/new-event.js';
import { freshStores, type StoreBackend } from './backend.js';
import { attempt, DEDUP, HOUR, LEASE } from './helpers.js';

/**
 * What both backends now do the same way: a bulk replay and the fallbacks in batches of one
 * size (rules/replay.ts, rules/fallbacks.ts), and pairing at one point of an accept
 * (rules/accept-plan.ts PAIRING_POINT).
 */
export function describeBatches(backend: StoreBackend): void {
  const open = freshStores(backend);

  describe('one batch size and one pairing point on every backend', () => {
    it('replayAll replays more dead events than one batch holds, every one of them once', async () => {
      const store = await open();
      const n = 2 * REPLAY_BATCH + 1;
      const events = Array.from({ length: n }, (_, i) =>
        newEvent({ id: `d${i}`, customerId: `c${i}`, receivedAt: T0 + i }),
      );
      await Promise.all(events.map((e) => store.accept(e, DEDUP)));
      const claimed = await store.claimDue(T0 + HOUR, n, LEASE);
      expect(claimed).toHaveLength(n);
      await Promise.all(
        claimed.map((c) => store.recordFailed(c.eventId, attempt({ statusCode: 410 }), 'dead')),
      );
      expect(await store.countByStatus()).toMatchObject({ dead: n });

      expect(await store.replayAll('dead', T0 + 2 * HOUR)).toBe(n);
      expect(await store.countByStatus()).toMatchObject({ dead: 0, pending: n });
      expect(await store.claimDue(T0 + 2 * HOUR, n + 1, LEASE)).toHaveLength(n);
    });

    it('forwards FALLBACK_BATCH due fallbacks per call; the next call takes the rest', async () => {
      const store = await open();
      const n = FALLBACK_BATCH + 1;
      await Promise.all(
        Array.from({ length: n }, (_, i) =>
          store.accept(
            newEvent({ id: `w${i}`, source: 'workflows', customerId: `c${i}`, shadowed: true }),
            DEDUP,
          ),
        ),
      );
      expect(await store.countByStatus()).toMatchObject({ shadowed: n });
      const now = T0 + HOUR;
      expect(await store.forwardFallbacks(now)).toHaveLength(FALLBACK_BATCH);
      expect(await store.forwardFallbacks(now)).toHaveLength(1);
      expect(await store.forwardFallbacks(now)).toEqual([]);
      expect(await store.countByStatus()).toMatchObject({ shadowed: 0, pending: n });
    });

    it('an accept that is leased at once (fast path) and pairs: the pair, the settled wait and the lease in one accept', async () => {
      const store = await open();
      // The login's Workflows report waits for its legacy one (it is not preferred).
      await store.accept(
        newEvent({ id: 'w1', source: 'workflows', customerId: 'A', shadowed: true }),
        DEDUP,
      );
      const accepted = await store.accept(
        {
          ...newEvent({ id: 'l1', customerId: 'A', receivedAt: T0 + 1000 }),
          fastPath: { leaseUntil: T0 + HOUR },
        },
        DEDUP,
      );
      expect(accepted).toMatchObject({ status: 'pending', fresh: { eventId: 'l1' } });
      expect((await store.getEvent('l1'))?.pair).toEqual({
        counterpartId: 'w1',
        forwarded: 'legacy',
      });
      // Its wait settled: shadowed for good, no fallback will forward it.
      expect(await store.forwardFallbacks(T0 + 2 * HOUR)).toEqual([]);
      expect((await store.getEvent('w1'))?.status).toBe('shadowed');
      // Leased to this process: no poll claims it.
      expect(await store.claimDue(T0 + 2000, 10, LEASE)).toEqual([]);
    });
  });
}
