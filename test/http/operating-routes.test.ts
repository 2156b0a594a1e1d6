import { describe, expect, it } from 'vitest';
import type { QuarantineEntry } from '../../src/store/admin-types.js';
import { bucketOf } from '../../src/store/rules/bucket.js';
import { ADMIN_TOKEN, makeTestApp, type TestApp } from '../helpers/test-app.js';

// What operators do through the admin API during the migration: find a login, cancel an event,
// take a quarantined body in again, look up a customer, replay by customer and time range.

const LEGACY = '/webhooks/legacy/authentication';
const WORKFLOWS = '/webhooks/workflows/face-authentication';
const legacy = (customerId: string, interviewId: string, overallStatus = 'PASS') =>
  JSON.stringify({ customerId, interviewId, faceMatch: overallStatus === 'PASS', overallStatus });
const workflows = (customerId: string, interviewId: string) =>
  JSON.stringify({ interviewId, customerId, overallStatus: 'PASS', hint: customerId });

const post = (t: TestApp, path: string) =>
  t.app.request(path, { method: 'POST', headers: { authorization: `Bearer ${ADMIN_TOKEN}` } });
async function json<T = Record<string, unknown>>(response: Response | Promise<Response>) {
  return (await (await response).json()) as T;
}
type Listed = { events: { id: string; result: { customerId: string | null } }[] };

async function twoCustomers(t: TestApp) {
  expect((await t.post(LEGACY, legacy('cust-a', 'int-1'))).status).toBe(200);
  expect((await t.post(WORKFLOWS, workflows('cust-a', 'int-1'))).status).toBe(200);
  expect((await t.post(LEGACY, legacy('cust-b', 'int-2'))).status).toBe(200);
}

describe('finding a login through the admin API', () => {
  it('filters by customer and by interview: only those events', async () => {
    const t = await makeTestApp({ forwardSource: 'legacy' });
    await twoCustomers(t);
    const a = await json<Listed>(t.admin('/admin/events?customerId=cust-a'));
    expect(a.events.map((e) => e.result.customerId)).toEqual(['cust-a', 'cust-a']);
    const b = await json<Listed>(t.admin('/admin/events?customerId=cust-b&source=legacy'));
    expect(b.events).toHaveLength(1);
    const byInterview = await json<Listed>(t.admin('/admin/events?interviewId=int-2'));
    expect(byInterview.events.map((e) => e.result.customerId)).toEqual(['cust-b']);
    expect((await json<Listed>(t.admin('/admin/events?customerId=nobody'))).events).toEqual([]);
  });

  it('filters by time; a word that is no date-time is a 400 naming it', async () => {
    const t = await makeTestApp();
    await twoCustomers(t);
    const future = new Date(Date.now() + 60_000).toISOString();
    expect((await json<Listed>(t.admin(`/admin/events?from=${future}`))).events).toEqual([]);
    expect((await json<Listed>(t.admin(`/admin/events?to=${future}`))).events).toHaveLength(3);
    const bad = await t.admin('/admin/events?from=yesterday');
    expect(bad.status).toBe(400);
    expect(await bad.json()).toMatchObject({
      error: { code: 'invalid_query', message: expect.stringContaining('from: "yesterday"') },
    });
    expect((await t.admin('/admin/events?customerId=')).status).toBe(400);
  });

  it("shows an event's pair in its detail: the counterpart, which one was sent, the differences", async () => {
    const t = await makeTestApp({ forwardSource: 'legacy' });
    await twoCustomers(t);
    const [shadowed] = (
      await json<Listed>(t.admin('/admin/events?customerId=cust-a&source=workflows'))
    ).events;
    const detail = await json(t.admin(`/admin/events/${shadowed?.id}`));
    expect(detail).toMatchObject({
      status: 'shadowed',
      pair: {
        counterpartSource: 'legacy',
        forwarded: 'legacy',
        comparison: { statusAgrees: true, reasonAgrees: true },
      },
    });
    const counterpart = (detail.pair as { counterpartId: string }).counterpartId;
    expect((await json(t.admin(`/admin/events/${counterpart}`))).pair).toMatchObject({
      counterpartId: shadowed?.id,
      counterpartSource: 'workflows',
    });
  });
});

describe('cancel', () => {
  it('cancels a pending event: kept as cancelled, never delivered; again: already', async () => {
    const t = await makeTestApp();
    await t.post(LEGACY, legacy('cust-a', 'int-1'));
    const [event] = (await json<Listed>(t.admin('/admin/events'))).events;
    const cancelled = await post(t, `/admin/events/${event?.id}/cancel`);
    expect(cancelled.status).toBe(200);
    expect(await cancelled.json()).toEqual({
      success: true,
      eventId: event?.id,
      status: 'cancelled',
    });
    expect(await t.store.claimDue(Date.now() + 3_600_000, 10, 30_000)).toEqual([]);
    expect((await json(t.admin(`/admin/events/${event?.id}`))).status).toBe('cancelled');
    expect(await json(post(t, `/admin/events/${event?.id}/cancel`))).toMatchObject({
      already: true,
    });
    const replay = await post(t, `/admin/events/${event?.id}/replay`);
    expect(replay.status).toBe(409);
    expect((await json(t.admin('/admin/events?status=cancelled'))).events).toHaveLength(1);
  });

  it('409 for an event being sent (with Retry-After) or delivered; 404 for none', async () => {
    const t = await makeTestApp();
    await t.post(LEGACY, legacy('cust-a', 'int-1'));
    const [event] = (await json<Listed>(t.admin('/admin/events'))).events;
    await t.store.claimDue(Date.now() + 10, 10, 30_000);
    const inFlight = await post(t, `/admin/events/${event?.id}/cancel`);
    expect(inFlight.status).toBe(409);
    expect(inFlight.headers.get('retry-after')).toBe('5');
    expect(await inFlight.json()).toMatchObject({
      error: { message: expect.stringContaining('is being sent right now') },
    });
    await t.store.recordDelivered(event?.id as string, {
      at: Date.now(),
      durationMs: 1,
      statusCode: 200,
      error: null,
    });
    const delivered = await post(t, `/admin/events/${event?.id}/cancel`);
    expect(await delivered.json()).toMatchObject({
      error: { code: 'conflict', message: expect.stringContaining('was delivered already') },
    });
    expect((await post(t, '/admin/events/nope/cancel')).status).toBe(404);
  });
});

describe('a quarantined body taken in again', () => {
  const entry = (
    id: string,
    body: string,
    over: Partial<QuarantineEntry> = {},
  ): QuarantineEntry => ({
    id,
    receivedAt: Date.now() - 60_000,
    route: LEGACY,
    contentType: 'application/json',
    httpStatus: 422,
    code: 'invalid_payload',
    message: 'refused by an older version',
    issues: null,
    body: new TextEncoder().encode(body),
    truncated: false,
    ...over,
  });

  it('goes through the webhook checks and is stored as Incode sent it, once', async () => {
    const t = await makeTestApp();
    await t.store.quarantine(entry('q1', legacy('cust-q', 'int-q')));
    const taken = await post(t, '/admin/quarantine/q1/reingest');
    expect(taken.status).toBe(200);
    const { eventId } = (await taken.json()) as { eventId: string };
    expect(await json(t.admin(`/admin/events/${eventId}`))).toMatchObject({
      status: 'pending',
      result: { customerId: 'cust-q' },
      body: legacy('cust-q', 'int-q'),
    });
    expect(t.wakes).toBeGreaterThan(0);
    const again = await json(post(t, '/admin/quarantine/q1/reingest'));
    expect(again).toEqual({ success: true, duplicate: true, eventId });
    const listed = await json<{ items: { id: string; reingested: unknown }[] }>(
      t.admin('/admin/quarantine'),
    );
    expect(listed.items[0]).toMatchObject({ id: 'q1', reingested: { eventId } });
  });

  it('a body still refused gets the webhook answer, and stays in quarantine (no new entry)', async () => {
    const t = await makeTestApp();
    await t.store.quarantine(entry('bad-json', '{"customerId":'));
    await t.store.quarantine(entry('not-json', 'customerId=a', { contentType: 'text/plain' }));
    await t.store.quarantine(entry('cut', '{"cust', { truncated: true }));
    const stillBad = await post(t, '/admin/quarantine/bad-json/reingest');
    expect(stillBad.status).toBe(400);
    expect(await stillBad.json()).toMatchObject({
      error: { code: 'invalid_json', message: expect.stringMatching(/^still refused/) },
    });
    expect((await post(t, '/admin/quarantine/not-json/reingest')).status).toBe(415);
    expect((await post(t, '/admin/quarantine/cut/reingest')).status).toBe(409);
    expect((await post(t, '/admin/quarantine/nope/reingest')).status).toBe(404);
    expect((await json<{ items: unknown[] }>(t.admin('/admin/quarantine'))).items).toHaveLength(3);
    expect((await json<Listed>(t.admin('/admin/events'))).events).toEqual([]);
  });

  it('a body over MAX_BODY_BYTES now is refused with 413', async () => {
    const t = await makeTestApp({ maxBodyBytes: 10 });
    await t.store.quarantine(entry('big', legacy('cust-q', 'int-q')));
    expect((await post(t, '/admin/quarantine/big/reingest')).status).toBe(413);
  });
});

describe('a customer', () => {
  it('says whether the customer is moved at the current share, with their logins', async () => {
    const t = await makeTestApp({ forwardSource: 'workflows:50%' });
    await twoCustomers(t);
    const view = await json(t.admin('/admin/customers/cust-a'));
    const moved = bucketOf('cust-a') < 5000;
    expect(view).toMatchObject({
      customerId: 'cust-a',
      forwardSource: 'workflows:50%',
      bucket: bucketOf('cust-a'),
      moved,
      why: expect.stringContaining(`bucket ${bucketOf('cust-a')}`),
    });
    const logins = view.logins as { interviewId: string; reports: unknown[]; callback: unknown }[];
    expect(logins).toHaveLength(1);
    expect(logins[0]).toMatchObject({
      interviewId: 'int-1',
      reports: [{ source: 'legacy' }, { source: 'workflows' }],
      callback: { source: moved ? 'workflows' : 'legacy', status: 'pending', result: 'PASS' },
    });
    expect(await json(t.admin('/admin/customers/nobody'))).toMatchObject({ logins: [] });
  });
});

describe('replay by customer and by time range', () => {
  it("replays the customer's dead events only; delivered ones need a customer or a start", async () => {
    const t = await makeTestApp();
    await twoCustomers(t);
    for (const item of await t.store.claimDue(Date.now() + 10, 10, 30_000)) {
      await t.store.recordFailed(
        item.eventId,
        { at: Date.now(), durationMs: 1, statusCode: 410, error: null },
        'dead',
      );
    }
    const replayed = await json(post(t, '/admin/replay?status=dead&customerId=cust-b'));
    expect(replayed).toEqual({ success: true, replayed: 1 });
    expect(
      (await json<Listed>(t.admin('/admin/events?status=dead'))).events.map(
        (e) => e.result.customerId,
      ),
    ).toEqual(['cust-a']);
    expect((await post(t, '/admin/replay?status=delivered')).status).toBe(400);
    const range = `from=${new Date(Date.now() - 60_000).toISOString()}`;
    expect(await json(post(t, `/admin/replay?status=dead&${range}`))).toEqual({
      success: true,
      replayed: 1,
    });
  });
});

describe('GET /admin/config', () => {
  it('shows ORDER_HOLD_MAX and the alert settings, the alert URL masked (its path is its key)', async () => {
    const t = await makeTestApp({
      orderHoldMaxMs: 120_000,
      alerts: {
        webhookUrl: 'https://hooks.example.com/services/T0/B0/s3cr3tK3y',
        callbackDownAfterMs: 300_000,
        intervalMs: 60_000,
      },
    });
    const config = await json(t.admin('/admin/config'));
    expect(config).toMatchObject({
      orderHoldMax: '2m',
      alerts: {
        webhookUrl: 'https://hooks.example.com/********',
        callbackDownAfter: '5m',
        interval: '1m',
      },
    });
    expect(JSON.stringify(config)).not.toContain('s3cr3tK3y');
  });
});
