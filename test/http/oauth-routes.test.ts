import { afterEach, describe, expect, it, vi } from 'vitest';
import { createInboundTokens } from '../../src/http/inbound-token.js';
import { TOKEN_BODY_LIMIT } from '../../src/http/oauth-routes.js';
import { ADMIN_TOKEN, INBOUND, makeTestApp, type TestApp } from '../helpers/test-app.js';

const LEGACY = '/webhooks/legacy/authentication';
const TOKEN = '/oauth/token';
const CLIENT = {
  clientId: 'incode-client',
  clientSecret: 'incode-client-secret-0123456789',
  tokenTtlMs: 3_600_000,
};
const OAUTH_CONFIG = {
  clientId: CLIENT.clientId,
  clientSecrets: [CLIENT.clientSecret],
  tokenTtlMs: CLIENT.tokenTtlMs,
};
const FORM = 'application/x-www-form-urlencoded';

const basic = (id: string, secret: string) =>
  `Basic ${Buffer.from(`${id}:${secret}`, 'utf8').toString('base64')}`;
const RIGHT = basic(CLIENT.clientId, CLIENT.clientSecret);

let customers = 0;
/** A valid legacy body, different each time so no request counts as a redelivery. */
const pass = () =>
  JSON.stringify({ customerId: `c${++customers}`, faceMatch: true, overallStatus: 'PASS' });

/** An app with inbound OAuth only (no static header). */
const oauthApp = (oauth: Partial<typeof CLIENT> = {}, clock?: () => number) =>
  makeTestApp(
    {
      inboundHeader: undefined,
      inboundOAuth: {
        clientId: oauth.clientId ?? CLIENT.clientId,
        clientSecrets: [oauth.clientSecret ?? CLIENT.clientSecret],
        tokenTtlMs: oauth.tokenTtlMs ?? CLIENT.tokenTtlMs,
      },
    },
    undefined,
    clock,
  );

interface TokenRequest {
  /** null: no Authorization header at all. */
  authorization?: string | null;
  contentType?: string | null;
  body?: string;
}

function requestToken(t: TestApp, request: TokenRequest = {}): Promise<Response> {
  const headers: Record<string, string> = {};
  const authorization = request.authorization === undefined ? RIGHT : request.authorization;
  const contentType = request.contentType === undefined ? FORM : request.contentType;
  if (authorization !== null) headers.authorization = authorization;
  if (contentType !== null) headers['content-type'] = contentType;
  return Promise.resolve(
    t.app.request(TOKEN, {
      method: 'POST',
      headers,
      body: request.body ?? 'grant_type=client_credentials',
    }),
  );
}

async function issuedToken(t: TestApp): Promise<string> {
  const response = await requestToken(t);
  expect(response.status).toBe(200);
  const body = (await response.json()) as { access_token: string };
  return body.access_token;
}

/** A webhook with exactly these headers (plus a JSON content type). */
function webhook(t: TestApp, headers: Record<string, string> = {}): Promise<Response> {
  return Promise.resolve(
    t.app.request(LEGACY, {
      method: 'POST',
      body: pass(),
      headers: { 'content-type': 'application/json', ...headers },
    }),
  );
}

const bearer = (token: string) => ({ authorization: `Bearer ${token}` });

/** Changes one character in the signature part of a token, in a position that changes its bytes. */
function tamperSignature(token: string): string {
  const at = token.lastIndexOf('.') + 1;
  const replacement = token[at] === 'A' ? 'B' : 'A';
  return `${token.slice(0, at)}${replacement}${token.slice(at + 1)}`;
}

async function oauthError(response: Response, status: number, error: string) {
  expect(response.status).toBe(status);
  expect(response.headers.get('content-type')).toMatch(/^application\/json/);
  const body = (await response.json()) as { error: string; error_description?: string };
  expect(body.error).toBe(error);
  return body;
}

afterEach(() => {
  vi.useRealTimers();
});

describe('POST /oauth/token', () => {
  it('issues a bearer token for the right client credentials, in the RFC 6749 shape', async () => {
    const t = await oauthApp();
    const response = await requestToken(t);
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toMatch(/^application\/json/);
    expect(response.headers.get('cache-control')).toBe('no-store');
    const body = (await response.json()) as Record<string, unknown>;
    expect(Object.keys(body).sort()).toEqual(['access_token', 'expires_in', 'token_type']);
    expect(body).toEqual({
      access_token: expect.any(String),
      token_type: 'Bearer',
      expires_in: 3600,
    });
    expect(String(body.access_token).length).toBeGreaterThan(20);
    // The token carries no secret.
    expect(String(body.access_token)).not.toContain(CLIENT.clientSecret);
  });

  it('expires_in follows the configured lifetime', async () => {
    const t = await oauthApp({ tokenTtlMs: 15 * 60_000 });
    const body = (await (await requestToken(t)).json()) as { expires_in: number };
    expect(body.expires_in).toBe(900);
  });

  it('issues a different token on each request', async () => {
    const t = await oauthApp();
    expect(await issuedToken(t)).not.toBe(await issuedToken(t));
  });

  it('accepts the content type with parameters and extra form fields', async () => {
    const t = await oauthApp();
    const response = await requestToken(t, {
      contentType: `${FORM}; charset=UTF-8`,
      body: 'grant_type=client_credentials&scope=webhooks',
    });
    expect(response.status).toBe(200);
  });

  it('accepts a client secret holding a colon (only the first colon splits)', async () => {
    const secret = 'secret:with:colons-0123456789';
    const t = await oauthApp({ clientSecret: secret });
    const response = await requestToken(t, { authorization: basic(CLIENT.clientId, secret) });
    expect(response.status).toBe(200);
  });

  it.each([
    ['a wrong secret', basic(CLIENT.clientId, `${CLIENT.clientSecret}x`)],
    [
      'a secret differing in one character',
      basic(CLIENT.clientId, `${CLIENT.clientSecret.slice(0, -1)}X`),
    ],
    ['a wrong client id', basic('someone-else', CLIENT.clientSecret)],
    ['the id and secret swapped', basic(CLIENT.clientSecret, CLIENT.clientId)],
    ['an empty secret', basic(CLIENT.clientId, '')],
    ['no Authorization header', null],
    ['Basic without a colon', `Basic ${Buffer.from(CLIENT.clientId).toString('base64')}`],
    ['Basic that is not base64', 'Basic !!!not-base64!!!'],
    ['an empty Basic', 'Basic '],
    ['a Bearer instead of Basic', `Bearer ${CLIENT.clientSecret}`],
    ['the credentials unencoded', `Basic ${CLIENT.clientId}:${CLIENT.clientSecret}`],
  ])('401 invalid_client with WWW-Authenticate for %s', async (_name, authorization) => {
    const t = await oauthApp();
    const response = await requestToken(t, { authorization });
    await oauthError(response, 401, 'invalid_client');
    expect(response.headers.get('www-authenticate')).toMatch(/^Basic\b/i);
    expect(response.headers.get('cache-control')).toBe('no-store');
  });

  it('401 invalid_client comes before the body is looked at', async () => {
    const t = await oauthApp();
    const response = await requestToken(t, {
      authorization: basic(CLIENT.clientId, 'wrong-secret-0123456789'),
      contentType: 'application/json',
      body: '{"grant_type":"password"}',
    });
    await oauthError(response, 401, 'invalid_client');
  });

  it.each([
    ['application/json', '{"grant_type":"client_credentials"}'],
    ['text/plain', 'grant_type=client_credentials'],
    ['multipart/form-data; boundary=x', '--x--'],
    [null, 'grant_type=client_credentials'],
  ])('400 invalid_request for the content type %s', async (contentType, body) => {
    const t = await oauthApp();
    await oauthError(await requestToken(t, { contentType, body }), 400, 'invalid_request');
  });

  it.each([
    ['an empty body', ''],
    ['a body without grant_type', 'scope=webhooks'],
    ['an empty grant_type', 'grant_type='],
  ])('400 invalid_request for %s', async (_name, body) => {
    const t = await oauthApp();
    await oauthError(await requestToken(t, { body }), 400, 'invalid_request');
  });

  it.each(['password', 'authorization_code', 'refresh_token', 'CLIENT_CREDENTIALS'])(
    '400 unsupported_grant_type for grant_type=%s',
    async (grant) => {
      const t = await oauthApp();
      const response = await requestToken(t, {
        body: `grant_type=${grant}&username=u&password=p`,
      });
      await oauthError(response, 400, 'unsupported_grant_type');
    },
  );

  it('does not exist when inbound OAuth is not configured', async () => {
    const t = await makeTestApp();
    expect((await requestToken(t)).status).toBe(404);
  });

  it('does not answer GET', async () => {
    const t = await oauthApp();
    const response = await t.app.request(TOKEN, { headers: { authorization: RIGHT } });
    expect(response.status).not.toBe(200);
    expect(await response.text()).not.toContain('access_token');
  });
});

describe('webhooks with inbound OAuth', () => {
  it('401 without a bearer token, 200 with the issued one', async () => {
    const t = await oauthApp();
    const missing = await webhook(t);
    expect(missing.status).toBe(401);
    expect(await missing.json()).toMatchObject({
      success: false,
      error: { code: 'unauthorized', message: expect.stringContaining('Bearer') },
    });
    const token = await issuedToken(t);
    const accepted = await webhook(t, bearer(token));
    expect(accepted.status).toBe(200);
    expect(await accepted.json()).toEqual({ success: true });
    // The same token is good for several webhooks.
    expect((await webhook(t, bearer(token))).status).toBe(200);
    expect((await t.store.listEvents({ limit: 10 })).items).toHaveLength(2);
  });

  it('accepts the scheme in any case', async () => {
    const t = await oauthApp();
    const token = await issuedToken(t);
    expect((await webhook(t, { authorization: `bearer ${token}` })).status).toBe(200);
  });

  it('401 for a token with one character of its signature changed', async () => {
    const t = await oauthApp();
    const token = await issuedToken(t);
    const forged = tamperSignature(token);
    expect(forged).not.toBe(token);
    expect(forged).toHaveLength(token.length);
    expect((await webhook(t, bearer(forged))).status).toBe(401);
  });

  it('401 for a token whose claims were changed under the old signature', async () => {
    const t = await oauthApp();
    const token = await issuedToken(t);
    const [prefix, payload, signature] = token.split('.') as [string, string, string];
    const claims = JSON.parse(Buffer.from(payload, 'base64url').toString('utf8')) as {
      exp: number;
    };
    const extended = Buffer.from(JSON.stringify({ ...claims, exp: claims.exp + 86_400 })).toString(
      'base64url',
    );
    expect((await webhook(t, bearer(`${prefix}.${extended}.${signature}`))).status).toBe(401);
  });

  it('401 for a token signed under another secret', async () => {
    const t = await oauthApp();
    const other = createInboundTokens({
      clientId: CLIENT.clientId,
      clientSecrets: ['another-secret-0123456789'],
      ttlMs: CLIENT.tokenTtlMs,
    });
    expect((await webhook(t, bearer(other.issue(Date.now()).accessToken))).status).toBe(401);
  });

  it('401 for a token issued to another client under the same secret', async () => {
    const t = await oauthApp();
    const other = createInboundTokens({
      clientId: 'someone-else',
      clientSecrets: [CLIENT.clientSecret],
      ttlMs: CLIENT.tokenTtlMs,
    });
    expect((await webhook(t, bearer(other.issue(Date.now()).accessToken))).status).toBe(401);
  });

  it.each([
    ['garbage', 'Bearer not-a-token'],
    ['an empty bearer', 'Bearer '],
    ['the client secret as a bearer', `Bearer ${CLIENT.clientSecret}`],
    ['Basic client credentials', RIGHT],
  ])('401 for %s', async (_name, authorization) => {
    const t = await oauthApp();
    expect((await webhook(t, { authorization })).status).toBe(401);
  });

  it('401 for a token that expired (issued in the past)', async () => {
    const t = await oauthApp();
    const tokens = createInboundTokens({
      clientId: CLIENT.clientId,
      clientSecrets: [CLIENT.clientSecret],
      ttlMs: CLIENT.tokenTtlMs,
    });
    const now = Date.now();
    const stale = tokens.issue(now - CLIENT.tokenTtlMs - 1000).accessToken;
    expect((await webhook(t, bearer(stale))).status).toBe(401);
    // The same issuer, now: accepted (so the 401 above was the expiry).
    expect((await webhook(t, bearer(tokens.issue(now).accessToken))).status).toBe(200);
  });

  it('a token is good until expires_in has passed, then 401', async () => {
    vi.useFakeTimers({ toFake: ['Date'] });
    const start = Date.UTC(2025, 0, 15, 12, 0, 0);
    vi.setSystemTime(start);
    const t = await oauthApp({ tokenTtlMs: 1000 });
    const response = await requestToken(t);
    const body = (await response.json()) as { access_token: string; expires_in: number };
    expect(body.expires_in).toBe(1);

    vi.setSystemTime(start + 500);
    expect((await webhook(t, bearer(body.access_token))).status).toBe(200);
    vi.setSystemTime(start + 1000);
    expect((await webhook(t, bearer(body.access_token))).status).toBe(401);
    vi.setSystemTime(start + 3_600_000);
    expect((await webhook(t, bearer(body.access_token))).status).toBe(401);
  });

  it('checks expiry against the webhook clock', async () => {
    let now = Date.now();
    const t = await oauthApp({}, () => now);
    const token = await issuedToken(t);
    expect((await webhook(t, bearer(token))).status).toBe(200);
    now += CLIENT.tokenTtlMs + 1000;
    expect((await webhook(t, bearer(token))).status).toBe(401);
  });

  it('a token survives a restart: a new app with the same secret accepts it', async () => {
    const first = await oauthApp();
    const token = await issuedToken(first);
    await first.store.close();
    const second = await oauthApp();
    expect((await webhook(second, bearer(token))).status).toBe(200);
  });

  it('changing the client secret revokes the tokens issued under the old one', async () => {
    const first = await oauthApp();
    const token = await issuedToken(first);
    const secret = 'rotated-secret-0123456789';
    const rotated = await oauthApp({ clientSecret: secret });
    expect((await webhook(rotated, bearer(token))).status).toBe(401);
    // The old secret no longer gets a token; the new one does, and that token works.
    expect((await requestToken(rotated)).status).toBe(401);
    const fresh = await requestToken(rotated, { authorization: basic(CLIENT.clientId, secret) });
    const { access_token } = (await fresh.json()) as { access_token: string };
    expect((await webhook(rotated, bearer(access_token))).status).toBe(200);
  });

  it('a token issued under the old client id is refused after the id changes', async () => {
    const first = await oauthApp();
    const token = await issuedToken(first);
    const renamed = await oauthApp({ clientId: 'renamed-client' });
    expect((await webhook(renamed, bearer(token))).status).toBe(401);
  });

  it('401 stores nothing', async () => {
    const t = await oauthApp();
    await webhook(t, bearer('forged'));
    expect((await t.store.listEvents({ limit: 10 })).items).toEqual([]);
    expect((await t.store.listQuarantine({ limit: 10 })).items).toEqual([]);
  });
});

describe('static header and OAuth together', () => {
  it('needs both: each alone is 401, both together 200', async () => {
    const t = await makeTestApp({ inboundOAuth: OAUTH_CONFIG });
    const token = await issuedToken(t);
    expect((await webhook(t)).status).toBe(401);
    expect((await webhook(t, { [INBOUND.name]: INBOUND.value })).status).toBe(401);
    expect((await webhook(t, bearer(token))).status).toBe(401);
    expect((await webhook(t, { ...bearer(token), [INBOUND.name]: 'wrong-value' })).status).toBe(
      401,
    );
    expect((await webhook(t, { ...bearer(token), [INBOUND.name]: INBOUND.value })).status).toBe(
      200,
    );
  });
});

describe('failed token requests are slowed down', () => {
  it('after 10 failures, wrong credentials get 429 slow_down with Retry-After; right ones are never refused', async () => {
    vi.useFakeTimers({ toFake: ['Date'] });
    const start = Date.UTC(2025, 0, 15, 12, 0, 0);
    vi.setSystemTime(start);
    const t = await oauthApp();
    const wrong = basic(CLIENT.clientId, 'wrong-secret-0123456789');
    for (let i = 0; i < 10; i++) {
      vi.setSystemTime(start + i * 100);
      await oauthError(await requestToken(t, { authorization: wrong }), 401, 'invalid_client');
    }
    vi.setSystemTime(start + 1000);
    const limited = await requestToken(t, { authorization: wrong });
    expect(limited.status).toBe(429);
    expect(await limited.json()).toMatchObject({ error: 'slow_down' });
    const retryAfter = Number(limited.headers.get('retry-after'));
    expect(Number.isInteger(retryAfter)).toBe(true);
    expect(retryAfter).toBeGreaterThanOrEqual(1);
    expect(retryAfter).toBeLessThanOrEqual(60);
    expect(limited.headers.get('cache-control')).toBe('no-store');
    // Whoever fails from the same address (a shared proxy), Incode's right credentials work.
    expect((await requestToken(t)).status).toBe(200);

    // Once the minute has passed, wrong credentials get their 401 again.
    vi.setSystemTime(start + 61_000 + 1000);
    expect((await requestToken(t, { authorization: wrong })).status).toBe(401);
  });

  it('accepts each secret of a rotation list; tokens are signed with the first and any verifies', async () => {
    const old = 'incode-client-secret-OLD-0123';
    const t = await makeTestApp({
      inboundHeader: undefined,
      inboundOAuth: {
        clientId: CLIENT.clientId,
        clientSecrets: [CLIENT.clientSecret, old],
        tokenTtlMs: 60_000,
      },
    });
    expect((await requestToken(t, { authorization: basic(CLIENT.clientId, old) })).status).toBe(
      200,
    );
    const issuedUnderOld = createInboundTokens({
      clientId: CLIENT.clientId,
      clientSecrets: [old],
      ttlMs: 60_000,
    });
    expect((await webhook(t, bearer(issuedUnderOld.issue(Date.now()).accessToken))).status).toBe(
      200,
    );
  });

  it('a token with another spelling of its signature (padding, stray characters) is refused', async () => {
    const t = await oauthApp();
    const token = await issuedToken(t);
    expect((await webhook(t, bearer(`${token}==`))).status).toBe(401);
    expect((await webhook(t, bearer(`${token.slice(0, -2)}!${token.slice(-2)}`))).status).toBe(401);
    expect((await webhook(t, bearer(token))).status).toBe(200);
  });

  it('9 failures do not slow down the right client', async () => {
    const t = await oauthApp();
    const wrong = basic(CLIENT.clientId, 'wrong-secret-0123456789');
    for (let i = 0; i < 9; i++) {
      expect((await requestToken(t, { authorization: wrong })).status).toBe(401);
    }
    expect((await requestToken(t)).status).toBe(200);
  });

  it('a webhook with a bearer token is not slowed down by failed token requests', async () => {
    const t = await oauthApp();
    const token = await issuedToken(t);
    const wrong = basic(CLIENT.clientId, 'wrong-secret-0123456789');
    for (let i = 0; i < 11; i++) await requestToken(t, { authorization: wrong });
    expect((await webhook(t, bearer(token))).status).toBe(200);
  });
});

describe('401s are counted in /metrics', () => {
  it('faceauth_unauthorized_total by route: /oauth/token, the webhook route and /admin', async () => {
    const t = await makeTestApp({ inboundOAuth: OAUTH_CONFIG });
    await requestToken(t, { authorization: basic(CLIENT.clientId, 'wrong-secret-0123456789') });
    await requestToken(t, { authorization: null });
    await webhook(t, bearer('forged'));
    await t.app.request('/admin/events', { headers: { authorization: 'Bearer wrong' } });
    // Not 401s: not counted.
    await t.app.request('/admin/events', { headers: { authorization: `Bearer ${ADMIN_TOKEN}` } });
    await requestToken(t, { body: 'grant_type=password' });

    const text = await (await t.app.request('/metrics')).text();
    expect(text).toContain('# TYPE faceauth_unauthorized_total counter');
    const count = (route: string) =>
      new RegExp(
        `^faceauth_unauthorized_total\\{route="${route.replace(/[/.]/g, '\\$&')}"\\} (\\d+)$`,
        'm',
      ).exec(text)?.[1];
    expect(count('/oauth/token')).toBe('2');
    expect(count(LEGACY)).toBe('1');
    expect(count('/admin')).toBe('1');
  });
});

describe('POST /oauth/token: secrets with characters that form-encoding changes', () => {
  it.each(['abc+def/ghi=0123456789', 'abc%41def-0123456789', 'abc%zz-0123456789'])(
    'accepts %s sent as plain base64(id:secret), as Incode sends it, and form-encoded',
    async (secret) => {
      const t = await oauthApp({ clientSecret: secret });
      expect(
        (await requestToken(t, { authorization: basic(CLIENT.clientId, secret) })).status,
      ).toBe(200);
      const encoded = basic(CLIENT.clientId, encodeURIComponent(secret));
      expect((await requestToken(t, { authorization: encoded })).status).toBe(200);
      expect(
        (await requestToken(t, { authorization: basic(CLIENT.clientId, `${secret}x`) })).status,
      ).toBe(401);
    },
  );
});

/** A body of `chunks` chunks of 1 KiB, produced only as they are read; counts what was pulled. */
function countedBody(chunks: number) {
  const chunk = new Uint8Array(1024).fill('a'.charCodeAt(0));
  chunk.set(new TextEncoder().encode('grant_type=client_credentials&pad='));
  const counter = { pulled: 0 };
  const stream = new ReadableStream<Uint8Array>({
    pull(controller) {
      if (counter.pulled >= chunks) {
        controller.close();
        return;
      }
      counter.pulled++;
      controller.enqueue(chunk.slice());
    },
  });
  return { stream, counter };
}

describe('POST /oauth/token: the body is bounded', () => {
  it(`a form body of exactly TOKEN_BODY_LIMIT (${TOKEN_BODY_LIMIT} bytes) is read`, async () => {
    const t = await oauthApp();
    const start = 'grant_type=client_credentials&pad=';
    const body = start + 'x'.repeat(TOKEN_BODY_LIMIT - start.length);
    expect(Buffer.byteLength(body)).toBe(TOKEN_BODY_LIMIT);
    expect((await requestToken(t, { body })).status).toBe(200);
  });

  it('413 invalid_request one byte over the limit, no token', async () => {
    const t = await oauthApp();
    const start = 'grant_type=client_credentials&pad=';
    const body = start + 'x'.repeat(TOKEN_BODY_LIMIT + 1 - start.length);
    const response = await requestToken(t, { body });
    const error = await oauthError(response, 413, 'invalid_request');
    expect(error.error_description).toContain(String(TOKEN_BODY_LIMIT));
    expect(response.headers.get('cache-control')).toBe('no-store');
  });

  it('413 from a Content-Length over the limit, before reading any of the body', async () => {
    const t = await oauthApp();
    const { stream, counter } = countedBody(64 * 1024);
    const response = await t.app.request(TOKEN, {
      method: 'POST',
      headers: {
        authorization: RIGHT,
        'content-type': FORM,
        'content-length': String(300 * 1024 * 1024),
      },
      body: stream,
      duplex: 'half',
    } as RequestInit);
    await oauthError(response, 413, 'invalid_request');
    expect(counter.pulled).toBeLessThanOrEqual(1);
  });

  it('413 for a streamed body without Content-Length, after reading about the limit only', async () => {
    const t = await oauthApp();
    // 64 MiB if read whole; the answer must come after about 8 KiB.
    const { stream, counter } = countedBody(64 * 1024);
    const response = await t.app.request(TOKEN, {
      method: 'POST',
      headers: { authorization: RIGHT, 'content-type': FORM },
      body: stream,
      duplex: 'half',
    } as RequestInit);
    await oauthError(response, 413, 'invalid_request');
    expect(counter.pulled).toBeLessThanOrEqual(TOKEN_BODY_LIMIT / 1024 + 2);
  });

  it('wrong Basic credentials get 401 before the body is read, whatever its size', async () => {
    const t = await oauthApp();
    const { stream, counter } = countedBody(64 * 1024);
    const response = await t.app.request(TOKEN, {
      method: 'POST',
      headers: {
        authorization: basic(CLIENT.clientId, 'wrong-secret-0123456789'),
        'content-type': FORM,
      },
      body: stream,
      duplex: 'half',
    } as RequestInit);
    await oauthError(response, 401, 'invalid_client');
    expect(counter.pulled).toBeLessThanOrEqual(1);
  });
});

describe('POST /oauth/token: client_secret_post (RFC 6749 2.3.1)', () => {
  const postForm = (fields: Record<string, string>) => new URLSearchParams(fields).toString();

  it('issues a token for client_id and client_secret in the form body, and the token works', async () => {
    const t = await oauthApp();
    const response = await requestToken(t, {
      authorization: null,
      body: postForm({
        grant_type: 'client_credentials',
        client_id: CLIENT.clientId,
        client_secret: CLIENT.clientSecret,
      }),
    });
    expect(response.status).toBe(200);
    expect(response.headers.get('cache-control')).toBe('no-store');
    const body = (await response.json()) as { access_token: string; token_type: string };
    expect(body.token_type).toBe('Bearer');
    expect((await webhook(t, bearer(body.access_token))).status).toBe(200);
  });

  it('accepts a secret with characters that form-encoding changes', async () => {
    const secret = 'abc+def/ghi=&%41-0123456789';
    const t = await oauthApp({ clientSecret: secret });
    const body = postForm({
      grant_type: 'client_credentials',
      client_id: CLIENT.clientId,
      client_secret: secret,
    });
    expect((await requestToken(t, { authorization: null, body })).status).toBe(200);
  });

  it.each([
    ['a wrong secret', { client_id: CLIENT.clientId, client_secret: `${CLIENT.clientSecret}x` }],
    ['a wrong client id', { client_id: 'someone-else', client_secret: CLIENT.clientSecret }],
    ['client_id without client_secret', { client_id: CLIENT.clientId }],
    ['client_secret without client_id', { client_secret: CLIENT.clientSecret }],
    ['an empty secret', { client_id: CLIENT.clientId, client_secret: '' }],
  ])('401 invalid_client for %s, counted once', async (_name, fields) => {
    const t = await oauthApp();
    const response = await requestToken(t, {
      authorization: null,
      body: postForm({ grant_type: 'client_credentials', ...fields }),
    });
    await oauthError(response, 401, 'invalid_client');
    expect(await unauthorizedCount(t)).toBe(1);
  });

  it('401 when the credentials come in a body that is not a form (nothing read as credentials)', async () => {
    const t = await oauthApp();
    const response = await requestToken(t, {
      authorization: null,
      contentType: 'application/json',
      body: JSON.stringify({
        grant_type: 'client_credentials',
        client_id: CLIENT.clientId,
        client_secret: CLIENT.clientSecret,
      }),
    });
    await oauthError(response, 401, 'invalid_client');
  });

  it.each([
    [
      'client_id and client_secret',
      { client_id: CLIENT.clientId, client_secret: CLIENT.clientSecret },
    ],
    ['client_secret', { client_secret: CLIENT.clientSecret }],
    ['client_id', { client_id: CLIENT.clientId }],
  ])(
    '400 invalid_request for Basic and %s in the body: one method per request',
    async (_name, fields) => {
      const t = await oauthApp();
      const response = await requestToken(t, {
        body: postForm({ grant_type: 'client_credentials', ...fields }),
      });
      const error = await oauthError(response, 400, 'invalid_request');
      expect(error.error_description).toMatch(/one client authentication method/);
      expect(await unauthorizedCount(t)).toBe(0);
    },
  );

  it('400 invalid_request for a parameter sent twice', async () => {
    const t = await oauthApp();
    const twice = `grant_type=client_credentials&client_id=${CLIENT.clientId}&client_secret=${CLIENT.clientSecret}&client_secret=${CLIENT.clientSecret}`;
    const response = await requestToken(t, { authorization: null, body: twice });
    await oauthError(response, 400, 'invalid_request');
    const grantTwice = 'grant_type=client_credentials&grant_type=client_credentials';
    await oauthError(await requestToken(t, { body: grantTwice }), 400, 'invalid_request');
  });

  it('413 for a large body without Basic, before any credential in it is looked at, not counted as a refusal', async () => {
    const t = await oauthApp();
    const fields = postForm({
      grant_type: 'client_credentials',
      client_id: CLIENT.clientId,
      client_secret: CLIENT.clientSecret,
    });
    const body = `${fields}&pad=${'x'.repeat(TOKEN_BODY_LIMIT)}`;
    await oauthError(await requestToken(t, { authorization: null, body }), 413, 'invalid_request');
    expect(await unauthorizedCount(t)).toBe(0);
  });

  it('failures in the body are slowed down like Basic ones: 429 slow_down after 10', async () => {
    vi.useFakeTimers({ toFake: ['Date'] });
    const start = Date.UTC(2025, 0, 15, 12, 0, 0);
    vi.setSystemTime(start);
    const t = await oauthApp();
    const wrong = postForm({
      grant_type: 'client_credentials',
      client_id: CLIENT.clientId,
      client_secret: 'wrong-secret-0123456789',
    });
    for (let i = 0; i < 10; i++) {
      vi.setSystemTime(start + i * 100);
      await oauthError(
        await requestToken(t, { authorization: null, body: wrong }),
        401,
        'invalid_client',
      );
    }
    vi.setSystemTime(start + 1000);
    const limited = await requestToken(t, { authorization: null, body: wrong });
    expect(limited.status).toBe(429);
    // Eleven refusals, eleven counts: each refused request is counted once.
    expect(await unauthorizedCount(t)).toBe(11);
    // The right secret in the body is never refused.
    const right = postForm({
      grant_type: 'client_credentials',
      client_id: CLIENT.clientId,
      client_secret: CLIENT.clientSecret,
    });
    expect((await requestToken(t, { authorization: null, body: right })).status).toBe(200);
  });
});

/** faceauth_unauthorized_total for /oauth/token, as /metrics shows it. */
async function unauthorizedCount(t: TestApp): Promise<number> {
  const text = await (await t.app.request('/metrics')).text();
  const match = /^faceauth_unauthorized_total\{route="\/oauth\/token"\} (\d+)$/m.exec(text);
  return Number(match?.[1] ?? 0);
}
