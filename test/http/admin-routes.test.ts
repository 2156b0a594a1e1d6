import { describe, expect, it } from 'vitest';
import { ADMIN_TOKEN, makeTestApp } from '../helpers/test-app.js';

const LEGACY = '/webhooks/legacy/authentication';
const WORKFLOWS = '/webhooks/workflows/face-authentication';
const pass = (customerId: string) =>
  JSON.stringify({ customerId, faceMatch: true, overallStatus: 'PASS' });

describe('admin API', () => {
  it('does not exist without ADMIN_TOKEN', async () => {
    const t = await makeTestApp({ adminToken: undefined });
    const response = await t.app.request('/admin/events', {
      headers: { authorization: `Bearer ${ADMIN_TOKEN}` },
    });
    expect(response.status).toBe(404);
  });

  it('401 without the token or with a wrong one', async () => {
    const t = await makeTestApp();
    expect((await t.app.request('/admin/events')).status).toBe(401);
    const wrong = await t.app.request('/admin/quarantine', {
      headers: { authorization: 'Bearer nope' },
    });
    expect(wrong.status).toBe(401);
    expect(wrong.headers.get('www-authenticate')).toBe('Bearer');
    expect(await wrong.json()).toMatchObject({ success: false, error: { code: 'unauthorized' } });
  });

  it('lists events newest first, filtered by status and source, a page at a time', async () => {
    const t = await makeTestApp({ forwardSource: 'legacy' });
    for (const id of ['c1', 'c2', 'c3']) await t.post(LEGACY, pass(id));
    await t.post(
      WORKFLOWS,
      JSON.stringify({ interviewId: 'i1', customerId: 'c9', overallStatus: 'PASS' }),
    );

    const all = (await (await t.admin('/admin/events')).json()) as {
      events: { result: { customerId: string } }[];
    };
    expect(all.events.map((e) => e.result.customerId)).toEqual(['c9', 'c3', 'c2', 'c1']);

    const shadowed = (await (await t.admin('/admin/events?status=shadowed')).json()) as {
      events: { source: string }[];
    };
    expect(shadowed.events.map((e) => e.source)).toEqual(['workflows']);

    const first = (await (await t.admin('/admin/events?source=legacy&limit=2')).json()) as {
      events: { result: { customerId: string } }[];
      next: string;
    };
    expect(first.events.map((e) => e.result.customerId)).toEqual(['c3', 'c2']);
    const second = (await (
      await t.admin(`/admin/events?source=legacy&limit=2&before=${first.next}`)
    ).json()) as {
      events: { result: { customerId: string } }[];
      next: string | null;
    };
    expect(second.events.map((e) => e.result.customerId)).toEqual(['c1']);
    expect(second.next).toBeNull();
  });

  it('shows one event with its normalized result and raw body', async () => {
    const t = await makeTestApp();
    await t.post(LEGACY, pass('c1'));
    const { events } = (await (await t.admin('/admin/events')).json()) as {
      events: { id: string }[];
    };
    const detail = (await (await t.admin(`/admin/events/${events[0]?.id}`)).json()) as Record<
      string,
      unknown
    >;
    expect(detail).toMatchObject({
      status: 'pending',
      body: pass('c1'),
      attemptHistory: [],
      normalized: { ids: { customerId: 'c1' } },
    });
    expect((await t.admin('/admin/events/nope')).status).toBe(404);
  });

  it('rejects a bad query with 400 and says which parameter', async () => {
    const t = await makeTestApp();
    const response = await t.admin('/admin/events?status=lost');
    expect(response.status).toBe(400);
    expect(await response.json()).toMatchObject({
      error: { code: 'invalid_query', message: expect.stringContaining('status') },
    });
  });

  it('lists quarantined bodies with their reason; bytes that are not UTF-8 come as base64', async () => {
    const t = await makeTestApp();
    await t.post(LEGACY, '{"customerId":', {});
    await t.post(LEGACY, new Uint8Array([0xff, 0xfe]), {
      'content-type': 'application/octet-stream',
    });
    const { items } = (await (await t.admin('/admin/quarantine')).json()) as {
      items: Record<string, unknown>[];
    };
    expect(items).toEqual([
      expect.objectContaining({
        httpStatus: 415,
        code: 'unsupported_media_type',
        bodyBase64: '//4=',
        route: LEGACY,
      }),
      expect.objectContaining({ httpStatus: 400, code: 'invalid_json', body: '{"customerId":' }),
    ]);
  });
});
