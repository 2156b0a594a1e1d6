import { describe, expect, it } from 'vitest';
import type { Store } from '../../src/store/store.js';
import { readFixtureBytes } from '../helpers/fixtures.js';
import { makeTestApp } from '../helpers/test-app.js';
import { until } from '../helpers/until.js';

// ACCEPT_TIMEOUT through the real app, on a store that answers late or never: the webhook is
// answered 503 with Retry-After at the deadline, and a store that did commit after it (a COMMIT
// answered late) loses nothing and sends nothing twice.

const LEGACY = '/webhooks/legacy/authentication';
const body = (customerId: string) =>
  JSON.stringify({
    ...JSON.parse(readFixtureBytes('legacy/success.json').toString('utf8')),
    customerId,
  });

/** The store, with its first accept answered only `delayMs` after it is done (or never). */
function slowAccept(delayMs: number | 'never') {
  let calls = 0;
  return (store: Store): Store =>
    new Proxy(store, {
      get(target, property) {
        if (property === 'accept') {
          return async (...args: Parameters<Store['accept']>) => {
            if (delayMs === 'never') return new Promise(() => {});
            const result = await target.accept(...args);
            if (++calls > 1) return result;
            await new Promise((resolve) => setTimeout(resolve, delayMs));
            return result;
          };
        }
        const value = Reflect.get(target, property, target);
        return typeof value === 'function' ? value.bind(target) : value;
      },
    });
}

describe('ACCEPT_TIMEOUT', () => {
  it('a store that never answers: 503 unavailable with Retry-After at the deadline', async () => {
    const t = await makeTestApp(
      { acceptTimeoutMs: 200 },
      undefined,
      undefined,
      slowAccept('never'),
    );
    const started = Date.now();
    const response = await t.post(LEGACY, body('never'));
    expect(Date.now() - started).toBeLessThan(2_000);
    expect(response.status).toBe(503);
    expect(response.headers.get('retry-after')).toBe('5');
    expect(await response.json()).toEqual({
      success: false,
      error: { code: 'unavailable', message: 'the event could not be stored; send it again later' },
    });
    const metrics = await (await t.app.request('/metrics')).text();
    expect(metrics).toContain(`faceauth_webhooks_total{route="${LEGACY}",outcome="unavailable"} 1`);
  });

  it('a commit answered after the deadline: 503, yet the event is stored and handed to delivery once; the resend is a duplicate', async () => {
    const t = await makeTestApp({ acceptTimeoutMs: 100 }, undefined, undefined, slowAccept(300));
    const first = await t.post(LEGACY, body('late'));
    expect(first.status).toBe(503);
    // The late result is not dropped: the event is stored and the delivery worker woken.
    await until('the late accept to reach delivery', () => t.wakes === 1, 2_000);
    const { items } = await t.store.listEvents({ limit: 10 });
    expect(items.map((event) => event.status)).toEqual(['pending']);
    // Incode sends it again: the redelivery key answers it as a duplicate, not a second event.
    const again = await t.post(LEGACY, body('late'));
    expect(again.status).toBe(200);
    expect(await again.json()).toEqual({ success: true, duplicate: true });
    expect((await t.store.listEvents({ limit: 10 })).items).toHaveLength(1);
    expect(t.wakes).toBe(1);
  });

  it('a store that answers in time: 200 as before', async () => {
    const t = await makeTestApp({ acceptTimeoutMs: 2_000 }, undefined, undefined, slowAccept(10));
    expect((await t.post(LEGACY, body('in-time'))).status).toBe(200);
  });
});
