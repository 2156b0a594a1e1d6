import { describe, expect, it } from 'vitest';
import { ADMIN_TOKEN, makeTestApp, type TestApp } from '../helpers/test-app.js';

// The operator console through app.request: the sign-in, the cookie, the refusals (a wrong
// token, a form without its CSRF token or from another site), the headers, the escaping.

const LEGACY = '/webhooks/legacy/authentication';
const HOSTILE = '<script>alert(1)</script>';

function legacyBody(customerId: string, interviewId: string) {
  return JSON.stringify({
    customerId,
    token: 'secret-session-token-123',
    interviewId,
    interviewToken: 'secret-interview-token-456',
    transactionId: 't1',
    faceMatch: true,
    spoofAttempt: false,
    secondFactor: false,
    children: [],
    hasFaceMask: false,
    hasLenses: false,
    spoofConfidence: 0.001,
    recognitionConfidence: { confidence: 0.93, candidates: [] },
    overallScore: 0.93,
    overallStatus: 'PASS',
  });
}

function form(fields: Record<string, string>): string {
  return new URLSearchParams(fields).toString();
}

const FORM = { 'content-type': 'application/x-www-form-urlencoded' };

async function signIn(t: TestApp, headers: Record<string, string> = {}) {
  const response = await t.app.request('/console/sign-in', {
    method: 'POST',
    body: form({ token: ADMIN_TOKEN }),
    headers: { ...FORM, ...headers },
  });
  expect(response.status).toBe(303);
  const setCookie = response.headers.get('set-cookie') ?? '';
  const cookie = setCookie.split(';')[0] as string;
  return { cookie, setCookie };
}

async function page(t: TestApp, cookie: string, path: string) {
  const response = await t.app.request(path, { headers: { cookie } });
  return { response, text: await response.text() };
}

/** The CSRF token of the signed-in session, read from a page's sign-out form. */
async function csrfOf(t: TestApp, cookie: string): Promise<string> {
  const { text } = await page(t, cookie, '/console/events');
  const token = /name="csrf" value="([^"]+)"/.exec(text)?.[1];
  if (!token) throw new Error('no CSRF token on the page');
  return token;
}

describe('the operator console', () => {
  it('does not exist without ADMIN_TOKEN', async () => {
    const t = await makeTestApp({ adminToken: undefined });
    expect((await t.app.request('/console')).status).toBe(404);
    expect((await t.app.request('/console/sign-in', { method: 'POST' })).status).toBe(404);
  });

  it('shows the sign-in form with a strict CSP, and nothing else before a sign-in', async () => {
    const t = await makeTestApp();
    const response = await t.app.request('/console');
    expect(response.status).toBe(200);
    const text = await response.text();
    expect(text).toContain('action="/console/sign-in"');
    expect(text).not.toContain('<script>');
    const csp = response.headers.get('content-security-policy') ?? '';
    expect(csp).toContain("default-src 'none'");
    expect(csp).toContain("script-src 'self'");
    expect(csp).toContain("frame-ancestors 'none'");
    expect(csp).not.toContain("'unsafe-inline'");
    expect(response.headers.get('x-frame-options')).toBe('DENY');
    // Any other page sends to the sign-in.
    const events = await t.app.request('/console/events');
    expect(events.status).toBe(303);
    expect(events.headers.get('location')).toBe('/console');
  });

  it('refuses a wrong token with 401, then slows repeated tries down', async () => {
    const t = await makeTestApp();
    const tryToken = (token: string) =>
      t.app.request('/console/sign-in', {
        method: 'POST',
        body: form({ token }),
        headers: FORM,
      });
    for (let i = 0; i < 5; i++) {
      const wrong = await tryToken(`wrong-${i}`);
      expect(wrong.status).toBe(401);
      expect(wrong.headers.get('set-cookie')).toBeNull();
    }
    const slowed = await tryToken(ADMIN_TOKEN);
    expect(slowed.status).toBe(429);
    expect(Number(slowed.headers.get('retry-after'))).toBeGreaterThan(0);
    expect(slowed.headers.get('set-cookie')).toBeNull();
  });

  it('signs in with a cookie that is HttpOnly, SameSite=Strict, with a lifetime; Secure behind TLS', async () => {
    const t = await makeTestApp();
    const { cookie, setCookie } = await signIn(t);
    expect(setCookie).toMatch(/HttpOnly/);
    expect(setCookie).toMatch(/SameSite=Strict/);
    expect(setCookie).toMatch(/Max-Age=28800/);
    expect(setCookie).toMatch(/Path=\/console/);
    expect(setCookie).not.toMatch(/Secure/);
    const overview = await page(t, cookie, '/console');
    expect(overview.response.status).toBe(200);
    expect(overview.text).toContain('<h1>Overview</h1>');
    expect(overview.text).toContain('days left');

    const tls = await signIn(t, { origin: 'https://shim.example', host: 'shim.example' });
    expect(tls.setCookie).toMatch(/Secure/);
    const direct = await t.app.request('https://shim.example/console/sign-in', {
      method: 'POST',
      body: form({ token: ADMIN_TOKEN }),
      headers: FORM,
    });
    expect(direct.headers.get('set-cookie')).toMatch(/Secure/);
  });

  it('refuses a forged or altered cookie', async () => {
    const t = await makeTestApp();
    const { cookie } = await signIn(t);
    const [name, value] = cookie.split('=') as [string, string];
    const [id, end, mac] = value.split('.') as [string, string, string];
    const later = `${name}=${id}.${Number(end) + 1_000_000}.${mac}`;
    expect((await t.app.request('/console/events', { headers: { cookie: later } })).status).toBe(
      303,
    );
  });

  it('refuses a POST without the CSRF token, or from another site, and changes nothing', async () => {
    const t = await makeTestApp();
    expect((await t.post(LEGACY, legacyBody('cust-1', 'int-1'))).status).toBe(200);
    const [event] = (await t.store.listEvents({ limit: 1 })).items;
    if (!event) throw new Error('no event');
    const { cookie } = await signIn(t);
    const csrf = await csrfOf(t, cookie);
    const cancel = (fields: Record<string, string>, headers: Record<string, string> = {}) =>
      t.app.request(`/console/events/${event.id}/cancel`, {
        method: 'POST',
        body: form(fields),
        headers: { ...FORM, cookie, ...headers },
      });
    expect((await cancel({})).status).toBe(403);
    expect((await cancel({ csrf: `${csrf}x` })).status).toBe(403);
    expect((await cancel({ csrf }, { origin: 'http://evil.example' })).status).toBe(403);
    expect((await t.store.getEvent(event.id))?.status).toBe('pending');
    // The same form with its token, from this site: done.
    const done = await cancel({ csrf }, { origin: 'http://localhost' });
    expect(done.status).toBe(303);
    expect(done.headers.get('location')).toBe(`/console/events/${event.id}?done=cancelled`);
    expect((await t.store.getEvent(event.id))?.status).toBe('cancelled');
  });

  it('ends the session at sign-out, at every instance on the same store', async () => {
    const t = await makeTestApp();
    // A second instance on the same database.
    const other = await makeTestApp({}, undefined, undefined, () => t.store);
    const { cookie } = await signIn(t);
    const csrf = await csrfOf(t, cookie);
    expect((await other.app.request('/console/events', { headers: { cookie } })).status).toBe(200);
    const out = await t.app.request('/console/sign-out', {
      method: 'POST',
      body: form({ csrf }),
      headers: { ...FORM, cookie },
    });
    expect(out.status).toBe(303);
    expect(out.headers.get('set-cookie')).toMatch(/Max-Age=0/);
    expect((await t.app.request('/console/events', { headers: { cookie } })).status).toBe(303);
    expect((await other.app.request('/console/events', { headers: { cookie } })).status).toBe(303);
    const signIn401 = await t.app.request('/console/cutover', {
      method: 'POST',
      body: form({ csrf, source: 'workflows' }),
      headers: { ...FORM, cookie },
    });
    expect(signIn401.status).toBe(401);
  });

  it('shows hostile ids as text and hides the body’s credentials', async () => {
    const t = await makeTestApp();
    expect((await t.post(LEGACY, legacyBody(HOSTILE, `"><img src=x>`))).status).toBe(200);
    const [event] = (await t.store.listEvents({ limit: 1 })).items;
    if (!event) throw new Error('no event');
    const { cookie } = await signIn(t);
    const list = await page(t, cookie, '/console/events');
    expect(list.text).not.toContain(HOSTILE);
    expect(list.text).toContain('&lt;script&gt;alert(1)&lt;/script&gt;');
    expect(list.text).not.toContain('<img src=x>');
    const detail = await page(t, cookie, `/console/events/${event.id}`);
    expect(detail.response.status).toBe(200);
    expect(detail.text).not.toContain(HOSTILE);
    expect(detail.text).not.toContain('secret-session-token-123');
    expect(detail.text).not.toContain('secret-interview-token-456');
    expect(detail.text).toContain('(hidden)');
    const customer = await page(t, cookie, `/console/customers/${encodeURIComponent(HOSTILE)}`);
    expect(customer.response.status).toBe(200);
    expect(customer.text).not.toContain(HOSTILE);
    const search = await page(
      t,
      cookie,
      `/console/events?customerId=${encodeURIComponent(HOSTILE)}`,
    );
    expect(search.text).not.toContain(HOSTILE);
    expect(search.text).toContain('&lt;script&gt;');
  });

  it('answers every page signed in, and a bad filter with 400', async () => {
    const t = await makeTestApp();
    expect((await t.post(LEGACY, legacyBody('cust-2', 'int-2'))).status).toBe(200);
    const { cookie } = await signIn(t);
    for (const path of [
      '/console',
      '/console/events?status=pending&source=legacy',
      '/console/quarantine',
      '/console/report',
      '/console/cutover',
      '/console/cutover/confirm?source=workflows',
      '/console/replay?status=dead',
      '/console/customers/cust-2',
      '/console/assets/console.css',
      '/console/assets/live.js',
    ]) {
      const { response } = await page(t, cookie, path);
      expect(response.status, path).toBe(200);
    }
    expect((await page(t, cookie, '/console/events?from=yesterday')).response.status).toBe(400);
    expect((await page(t, cookie, '/console/events/nope')).response.status).toBe(404);
  });

  it('switches the source through the same function as the admin API', async () => {
    const t = await makeTestApp();
    const { cookie } = await signIn(t);
    const csrf = await csrfOf(t, cookie);
    const confirm = await page(t, cookie, '/console/cutover/confirm?source=workflows');
    expect(confirm.text).toContain('forward workflows');
    const done = await t.app.request('/console/cutover', {
      method: 'POST',
      body: form({ csrf, source: 'workflows' }),
      headers: { ...FORM, cookie },
    });
    expect(done.status).toBe(303);
    const shown = await t.admin('/admin/forward-source');
    expect(((await shown.json()) as { source: string }).source).toBe('workflows');
    const refused = await t.app.request('/console/cutover', {
      method: 'POST',
      body: form({ csrf, source: 'sideways' }),
      headers: { ...FORM, cookie },
    });
    expect(refused.status).toBe(422);
    expect(await refused.text()).toContain('sideways');
  });

  it('replays a customer’s dead events after a confirmation that counts them', async () => {
    const t = await makeTestApp();
    for (const [customer, interview] of [
      ['cust-a', 'int-a1'],
      ['cust-a', 'int-a2'],
      ['cust-b', 'int-b1'],
    ]) {
      expect(
        (await t.post(LEGACY, legacyBody(customer as string, interview as string))).status,
      ).toBe(200);
    }
    // Dead, one customer's line after the other's head (a claim takes the heads only).
    const now = Date.now();
    for (let round = 0; round < 2; round++) {
      for (const item of await t.store.claimDue(now + 3_600_000, 10, 30_000)) {
        await t.store.recordFailed(
          item.eventId,
          { at: now, durationMs: 5, statusCode: 410, error: null },
          'dead',
        );
      }
    }
    expect((await t.store.countByStatus()).dead).toBe(3);
    const { cookie } = await signIn(t);
    const csrf = await csrfOf(t, cookie);
    const confirm = await page(t, cookie, '/console/replay?status=dead&customerId=cust-a');
    expect(confirm.text).toContain('Yes, replay 2 dead events');
    expect((await page(t, cookie, '/console/replay?status=dead')).text).toContain(
      'Yes, replay 3 dead events',
    );
    const done = await t.app.request('/console/replay', {
      method: 'POST',
      body: form({ csrf, customerId: 'cust-a' }),
      headers: { ...FORM, cookie },
    });
    expect(done.status).toBe(303);
    expect(done.headers.get('location')).toContain('n=2');
    const counts = await t.store.countByStatus();
    expect({ dead: counts.dead, pending: counts.pending }).toEqual({ dead: 1, pending: 2 });
    const b = (await t.store.listEvents({ limit: 5, customerId: 'cust-b' })).items;
    expect(b.map((e) => e.status)).toEqual(['dead']);
  });

  it('re-ingests a quarantined body through the webhook’s checks, and says when it is still refused', async () => {
    const t = await makeTestApp();
    expect((await t.post(LEGACY, '{"customerId": 1')).status).toBe(400);
    const [entry] = (await t.store.listQuarantine({ limit: 1 })).items;
    if (!entry) throw new Error('nothing quarantined');
    const { cookie } = await signIn(t);
    const csrf = await csrfOf(t, cookie);
    const list = await page(t, cookie, '/console/quarantine');
    expect(list.text).toContain(`/console/quarantine/${entry.id}/reingest`);
    const confirm = await page(t, cookie, `/console/quarantine/${entry.id}/reingest`);
    expect(confirm.text).toContain('Yes, re-ingest 1 body');
    const refused = await t.app.request(`/console/quarantine/${entry.id}/reingest`, {
      method: 'POST',
      body: form({ csrf }),
      headers: { ...FORM, cookie },
    });
    expect(refused.status).toBe(400);
    expect(await refused.text()).toContain('still refused');
    expect((await t.store.getQuarantine(entry.id))?.reingested).toBeNull();
  });
});
