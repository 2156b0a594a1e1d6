import type { AddressInfo } from 'node:net';
import { serve } from '@hono/node-server';
import { describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/config/config.js';
import { ADMIN_TOKEN, makeTestApp, type TestApp } from '../helpers/test-app.js';

const LEGACY = '/webhooks/legacy/authentication';
const HEADER = 'X-Incode-Key';

let customers = 0;
const pass = () =>
  JSON.stringify({ customerId: `c${++customers}`, faceMatch: true, overallStatus: 'PASS' });

/** The app as INBOUND_HEADER_* configure it. */
async function rotatingApp(values = 'old-secret-value,new-secret-value'): Promise<TestApp> {
  const { inboundHeader } = loadConfig({
    CALLBACK_URL: 'http://127.0.0.1:9/callback',
    INBOUND_HEADER_NAME: HEADER,
    INBOUND_HEADER_VALUE: values,
  });
  return makeTestApp({ inboundHeader });
}

function webhook(t: TestApp, headers: Record<string, string>, body = pass()) {
  return Promise.resolve(
    t.app.request(LEGACY, {
      method: 'POST',
      body,
      headers: { 'content-type': 'application/json', ...headers },
    }),
  );
}

describe('the static inbound header', () => {
  it('accepts each of several comma-separated values (rotation)', async () => {
    const t = await rotatingApp();
    expect((await webhook(t, { [HEADER]: 'old-secret-value' })).status).toBe(200);
    expect((await webhook(t, { [HEADER]: 'new-secret-value' })).status).toBe(200);
    expect((await t.store.listEvents({ limit: 10 })).items).toHaveLength(2);
  });

  it('accepts three values at once', async () => {
    const t = await rotatingApp('first-secret-value,second-secret-value,third-secret-value');
    for (const value of ['first-secret-value', 'second-secret-value', 'third-secret-value']) {
      expect((await webhook(t, { [HEADER]: value })).status).toBe(200);
    }
  });

  it('matches the header name in any case', async () => {
    const t = await rotatingApp();
    expect((await webhook(t, { 'x-incode-key': 'new-secret-value' })).status).toBe(200);
    expect((await webhook(t, { 'X-INCODE-KEY': 'old-secret-value' })).status).toBe(200);
  });

  it.each([
    ['another value', 'some-other-value'],
    ['the whole list', 'old-secret-value,new-secret-value'],
    ['a prefix of a value', 'old-secret'],
    ['a value with more after it', 'new-secret-value2'],
    ['a value in another case', 'NEW-SECRET-VALUE'],
    ['a comma', ','],
  ])('refuses %s with 401', async (_name, value) => {
    const t = await rotatingApp();
    const response = await webhook(t, { [HEADER]: value });
    expect(response.status).toBe(401);
    expect(await response.json()).toMatchObject({
      success: false,
      error: { code: 'unauthorized', message: expect.stringContaining('x-incode-key') },
    });
    expect((await t.store.listEvents({ limit: 10 })).items).toEqual([]);
  });

  it('refuses a request without the header, or with the value under another name', async () => {
    const t = await rotatingApp();
    expect((await webhook(t, {})).status).toBe(401);
    expect((await webhook(t, { 'x-other-key': 'new-secret-value' })).status).toBe(401);
    expect((await webhook(t, { authorization: 'Bearer new-secret-value' })).status).toBe(401);
  });

  it('does not say in its answer which values are accepted', async () => {
    const t = await rotatingApp();
    const text = await (await webhook(t, { [HEADER]: 'guess' })).text();
    expect(text).not.toContain('old-secret-value');
    expect(text).not.toContain('new-secret-value');
  });

  it('counts every 401 on the webhook route', async () => {
    const t = await rotatingApp();
    await webhook(t, {});
    await webhook(t, { [HEADER]: 'guess' });
    await webhook(t, { [HEADER]: 'new-secret-value' });
    const text = await (await t.app.request('/metrics')).text();
    expect(text).toMatch(
      /^faceauth_unauthorized_total\{route="\/webhooks\/legacy\/authentication"\} 2$/m,
    );
  });
});

describe('response headers', () => {
  function expectApiHeaders(response: Response) {
    expect(response.headers.get('x-content-type-options')).toBe('nosniff');
    expect(response.headers.get('x-powered-by')).toBeNull();
    expect(response.headers.get('server') ?? '').not.toMatch(/hono/i);
  }

  it('on an accepted webhook (200)', async () => {
    const t = await rotatingApp();
    const response = await webhook(t, { [HEADER]: 'new-secret-value' });
    expect(response.status).toBe(200);
    expectApiHeaders(response);
  });

  it('on a 401', async () => {
    const t = await rotatingApp();
    const response = await webhook(t, { [HEADER]: 'wrong' });
    expect(response.status).toBe(401);
    expectApiHeaders(response);
  });

  it('on a 404', async () => {
    const t = await rotatingApp();
    const response = await t.app.request('/webhooks/nowhere', {
      method: 'POST',
      body: '{}',
      headers: { [HEADER]: 'new-secret-value', 'content-type': 'application/json' },
    });
    expect(response.status).toBe(404);
    expectApiHeaders(response);
  });

  it('on a 422', async () => {
    const t = await rotatingApp();
    const response = await webhook(
      t,
      { [HEADER]: 'new-secret-value' },
      JSON.stringify({ customerId: 'c', faceMatch: 'true', overallStatus: 'PASS' }),
    );
    expect(response.status).toBe(422);
    expectApiHeaders(response);
  });

  it('on 415, 400, the admin API, /healthz and /metrics', async () => {
    const t = await rotatingApp();
    const responses = [
      await webhook(t, { [HEADER]: 'new-secret-value', 'content-type': 'text/plain' }),
      await webhook(t, { [HEADER]: 'new-secret-value' }, '{not json'),
      await t.app.request('/admin/events', { headers: { authorization: `Bearer ${ADMIN_TOKEN}` } }),
      await t.app.request('/admin/events'),
      await t.app.request('/healthz'),
      await t.app.request('/metrics'),
    ];
    expect(responses.map((r) => r.status)).toEqual([415, 400, 200, 401, 200, 200]);
    for (const response of responses) expectApiHeaders(response);
  });

  it('on /oauth/token, issued or refused', async () => {
    const t = await makeTestApp({
      inboundOAuth: {
        clientId: 'incode-client',
        clientSecrets: ['incode-client-secret-0123456789'],
        tokenTtlMs: 60_000,
      },
    });
    const basic = (secret: string) =>
      `Basic ${Buffer.from(`incode-client:${secret}`).toString('base64')}`;
    const request = (authorization: string) =>
      t.app.request('/oauth/token', {
        method: 'POST',
        headers: { authorization, 'content-type': 'application/x-www-form-urlencoded' },
        body: 'grant_type=client_credentials',
      });
    const issued = await request(basic('incode-client-secret-0123456789'));
    const refused = await request(basic('wrong'));
    expect([issued.status, refused.status]).toEqual([200, 401]);
    expectApiHeaders(issued);
    expectApiHeaders(refused);
  });

  it('over a real socket too (no framework banner from the Node server)', async () => {
    const t = await rotatingApp();
    const server = await new Promise<ReturnType<typeof serve>>((resolve) => {
      const s = serve({ fetch: t.app.fetch, port: 0, hostname: '127.0.0.1' }, () => resolve(s));
    });
    try {
      const { port } = server.address() as AddressInfo;
      const base = `http://127.0.0.1:${port}`;
      const responses = [
        await fetch(`${base}${LEGACY}`, {
          method: 'POST',
          body: pass(),
          headers: { 'content-type': 'application/json', [HEADER]: 'old-secret-value' },
        }),
        await fetch(`${base}${LEGACY}`, {
          method: 'POST',
          body: pass(),
          headers: { 'content-type': 'application/json' },
        }),
        await fetch(`${base}/nowhere`),
      ];
      expect(responses.map((r) => r.status)).toEqual([200, 401, 404]);
      for (const response of responses) {
        await response.arrayBuffer();
        expectApiHeaders(response);
      }
    } finally {
      await new Promise<void>((resolve) => server.close(() => resolve()));
    }
  });
});
