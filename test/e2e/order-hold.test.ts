import { describe, expect, it } from 'vitest';
import {
  admin,
  baseEnv,
  type EventRow,
  LEGACY,
  legacyBody,
  metrics,
  receiver,
  send,
  service,
} from '../helpers/operating-service.js';
import { runCli } from '../helpers/service-process.js';
import { until } from '../helpers/until.js';

// One event the callback refuses must not hold its customer's logins for hours (issue 22): the
// real service, a real callback that refuses one event of customer P, a real alert receiver.

const HOLD_MS = 3_000;

/** The callback refuses P's first login (400), and takes everything else. */
const refusesP1 = (call: { json: Record<string, unknown> }) =>
  call.json.interviewId === 'p-1' ? { status: 400 } : { status: 200 };

async function eventOf(base: string, interviewId: string): Promise<EventRow> {
  const { body } = await admin<{ events: EventRow[] }>(base, `/events?interviewId=${interviewId}`);
  expect(body.events).toHaveLength(1);
  return body.events[0] as EventRow;
}

describe('order per customer cannot hold a customer for hours', () => {
  it("P's later login is delivered within ORDER_HOLD_MAX while P's refused event still retries; both say so, and an alert tells", async () => {
    const cb = await receiver(refusesP1);
    const alerts = await receiver();
    const shim = await service({
      ...baseEnv(),
      CALLBACK_URL: cb.url,
      ALERT_WEBHOOK_URL: alerts.url,
      ORDER_HOLD_MAX: `${HOLD_MS / 1000}s`,
      DELIVERY_RETRY_SCHEDULE: '8s,8s,8s,8s',
    });
    await send(shim.url, LEGACY, legacyBody('cust-p', 'p-1', 'FAIL'));
    await cb.waitForCalls(1);
    const refusedAt = Date.now();
    const p1 = await eventOf(shim.url, 'p-1');

    const sentAt = Date.now();
    await send(shim.url, LEGACY, legacyBody('cust-p', 'p-2'));
    await send(shim.url, LEGACY, legacyBody('cust-q', 'q-1'));
    // Another customer is not held: Q's login goes at once.
    await cb.waitForCalls(2);
    expect(cb.calls[1]?.json.interviewId).toBe('q-1');
    // P's later login waits behind the refused one, and says so; the refused one says it holds.
    const p2 = await eventOf(shim.url, 'p-2');
    const waiting = await admin(shim.url, `/events/${p2.id}`);
    expect(waiting.body).toMatchObject({
      status: 'pending',
      line: { held: true, waitingFor: { eventId: p1.id, lastError: 'HTTP 400' } },
    });
    expect(String((waiting.body.line as { note: string }).note)).toMatch(
      new RegExp(`^waits behind event ${p1.id} of the same customer, which the callback refuses`),
    );
    expect((await admin(shim.url, `/events/${p1.id}`)).body).toMatchObject({
      line: {
        holding: 1,
        note: expect.stringMatching(/^the callback refuses it: it holds 1 later event/),
      },
    });
    expect(await metrics(shim.url)).toMatch(/^faceauth_held_customers 1$/m);

    // Within ORDER_HOLD_MAX (and a poll) of the refusal, P2 goes ahead.
    await cb.waitForCalls(3, 10_000);
    const deliveredAt = Date.now();
    expect(cb.calls[2]?.json.interviewId).toBe('p-2');
    expect(deliveredAt - refusedAt).toBeGreaterThanOrEqual(HOLD_MS - 200);
    expect(deliveredAt - sentAt).toBeLessThan(HOLD_MS + 2_500);
    // P1 keeps its own schedule: it is still pending, and is tried again after P2.
    const released = await admin(shim.url, `/events/${p1.id}`);
    expect(released.body).toMatchObject({
      status: 'pending',
      attempts: 1,
      line: { held: false, releasedAt: expect.any(String) },
    });
    await cb.waitForCalls(4, 15_000);
    expect(cb.calls[3]?.json.interviewId).toBe('p-1');
    expect(cb.calls[3]?.headers['x-faceauth-event-id']).toBe(p1.id);

    // The operator is told, once, with the ids to look up.
    await alerts.waitForCalls(1);
    expect(alerts.calls.map((c) => c.json.alert)).toEqual(['customer_held']);
    expect(alerts.calls[0]?.json).toMatchObject({
      ids: { eventIds: [p1.id], customerIds: ['cust-p'] },
      text: expect.stringContaining('customer cust-p was held for ORDER_HOLD_MAX (3s)'),
    });
    expect(await metrics(shim.url)).toMatch(/^faceauth_held_customers 0$/m);
  }, 40_000);

  it('a cancelled event is never sent, is kept as cancelled, and its line moves on', async () => {
    const cb = await receiver(refusesP1);
    const env = {
      ...baseEnv(),
      ORDER_HOLD_MAX: '5m',
      DELIVERY_RETRY_SCHEDULE: '30s,30s',
    };
    const shim = await service({ ...env, CALLBACK_URL: cb.url });
    await send(shim.url, LEGACY, legacyBody('cust-p', 'p-1', 'FAIL'));
    await cb.waitForCalls(1);
    await send(shim.url, LEGACY, legacyBody('cust-p', 'p-2'));
    const p1 = await eventOf(shim.url, 'p-1');
    const p2 = await eventOf(shim.url, 'p-2');
    expect((await admin(shim.url, `/events/${p2.id}`)).body).toMatchObject({
      line: { held: true, waitingFor: { eventId: p1.id } },
    });

    // The operator's cancel, from the command line beside the running service.
    const cancelled = await runCli(env, ['cancel', p1.id]);
    expect(cancelled).toMatchObject({ code: 0, stdout: `cancelled event ${p1.id}\n` });
    await cb.waitForCalls(2, 5_000);
    expect(cb.calls[1]?.json.interviewId).toBe('p-2');
    await until(
      'p-2 delivered',
      async () => (await admin(shim.url, `/events/${p2.id}`)).body.status === 'delivered',
    );
    const p1Now = await admin(shim.url, `/events/${p1.id}`);
    expect(p1Now.body).toMatchObject({ status: 'cancelled', nextAttemptAt: null, line: null });
    expect(await metrics(shim.url)).toMatch(/^faceauth_events\{status="cancelled"\} 1$/m);
    // Never sent again: the callback got it once, before the cancel, and a replay is refused.
    expect(cb.calls.filter((c) => c.json.interviewId === 'p-1')).toHaveLength(1);
    expect((await admin(shim.url, `/events/${p1.id}/replay`, 'POST')).status).toBe(409);
    expect(cb.calls.filter((c) => c.json.interviewId === 'p-1')).toHaveLength(1);
  }, 40_000);
});
