import { describe, expect, it } from 'vitest';
import { newEvent, T0 } from '../../helpers/new-event.js';
import { freshStores, type StoreBackend } from './backend.js';
import { attempt, DEDUP, HOUR, LEASE, MINUTE } from './helpers.js';

/** The operator console's chart: deliveries and failed attempts per minute, and the last of each. */
export function describeDeliveryFigures(backend: StoreBackend): void {
  const open = freshStores(backend);

  describe('deliveryFigures', () => {
    it('counts deliveries and failed attempts per minute in the range, of events received since', async () => {
      const store = await open();
      // e1: fails twice (minutes 1 and 2), then is delivered in minute 3. e2: delivered in
      // minute 3. e3: received before `since`, delivered in range: not counted.
      await store.accept(
        newEvent({ id: 'old', customerId: 'c0', receivedAt: T0 - 2 * HOUR }),
        DEDUP,
      );
      await store.accept(newEvent({ id: 'e1', customerId: 'c1', receivedAt: T0 }), DEDUP);
      await store.accept(newEvent({ id: 'e2', customerId: 'c2', receivedAt: T0 + 1 }), DEDUP);
      expect((await store.claimDue(T0 + MINUTE, 10, LEASE)).length).toBe(3);
      await store.recordFailed('e1', attempt({ at: T0 + MINUTE, statusCode: 500 }), {
        retryAt: T0 + 2 * MINUTE,
      });
      await store.recordDelivered('old', attempt({ at: T0 + 3 * MINUTE, statusCode: 200 }));
      await store.recordDelivered('e2', attempt({ at: T0 + 3 * MINUTE, statusCode: 200 }));
      expect((await store.claimDue(T0 + 2 * MINUTE, 10, LEASE)).map((i) => i.eventId)).toEqual([
        'e1',
      ]);
      await store.recordFailed(
        'e1',
        attempt({ at: T0 + 2 * MINUTE, statusCode: null, error: 'ECONNREFUSED' }),
        { retryAt: T0 + 3 * MINUTE },
      );
      expect((await store.claimDue(T0 + 3 * MINUTE, 10, LEASE)).length).toBe(1);
      await store.recordDelivered('e1', attempt({ at: T0 + 3 * MINUTE + 5, statusCode: 200 }));

      const figures = await store.deliveryFigures({
        since: T0 - HOUR,
        from: T0,
        to: T0 + HOUR,
      });
      const byMinute = (rows: { minute: number; n: number }[]) =>
        Object.fromEntries(rows.map((r) => [(r.minute - T0) / MINUTE, r.n]));
      expect(byMinute(figures.delivered)).toEqual({ 3: 2 });
      expect(byMinute(figures.failed)).toEqual({ 1: 1, 2: 1 });
      expect(figures.lastSuccessAt).toBeGreaterThanOrEqual(T0 + 3 * MINUTE + 5);
      expect(figures.lastFailure).toEqual({
        at: T0 + 2 * MINUTE,
        statusCode: null,
        error: 'ECONNREFUSED',
        eventId: 'e1',
      });
      // The range bounds the times of the deliveries and failures: [from, to).
      const narrow = await store.deliveryFigures({
        since: T0 - HOUR,
        from: T0 + 2 * MINUTE,
        to: T0 + 3 * MINUTE,
      });
      expect(byMinute(narrow.delivered)).toEqual({});
      expect(byMinute(narrow.failed)).toEqual({ 2: 1 });
      // A range with nothing in it.
      expect(
        await store.deliveryFigures({
          since: T0 + 2 * HOUR,
          from: T0 + 2 * HOUR,
          to: T0 + 3 * HOUR,
        }),
      ).toEqual({ delivered: [], failed: [], lastSuccessAt: null, lastFailure: null });
    });
  });
}
