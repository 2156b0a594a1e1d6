import { randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { createCallbackClient } from '../../src/delivery/callback-client.js';
import type { CallbackOAuthAuthMethod } from '../../src/delivery/callback-oauth-method.js';
import { createCallbackTokens } from '../../src/delivery/callback-token.js';
import type { OutboxItem } from '../../src/store/delivery-types.js';
import { startCallbackServer } from '../helpers/callback-server.js';
import { readFixtureBytes } from '../helpers/fixtures.js';
import { type OidcClient, startOidcTokenServer } from '../helpers/oidc-token-server.js';
import { startServiceProcess } from '../helpers/service-process.js';

// Outbound OAuth against a standards-strict token endpoint (oidc-provider), with client ids and
// secrets holding the characters RFC 6749 §2.3.1's form-encoding changes: + % : / = and &.

/** Each of + % : / = & in the secret; %2B would be a + if decoded twice. */
const SECRET = 'Sh1m+secret%2B:with/slash=and&amp==';
const BASIC: OidcClient = { id: 'shim:basic+id', secret: SECRET, method: 'client_secret_basic' };
const POST: OidcClient = {
  id: 'shim:post+id/1',
  secret: `${SECRET}%`,
  method: 'client_secret_post',
};

const closers: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const close of closers.splice(0).reverse()) await close();
});

async function tokenServer() {
  const server = await startOidcTokenServer([BASIC, POST]);
  closers.push(() => server.close());
  return server;
}

async function callbackServer() {
  const server = await startCallbackServer();
  closers.push(() => server.close());
  return server;
}

function item(): OutboxItem {
  return {
    eventId: randomUUID(),
    source: 'legacy',
    body: Buffer.from(JSON.stringify({ customerId: 'c1', faceMatch: true })),
    attempts: 0,
  };
}

function send(
  tokenUrl: string,
  callbackUrl: string,
  client: { id: string; secret: string },
  authMethod: CallbackOAuthAuthMethod,
) {
  const c = createCallbackClient({
    url: callbackUrl,
    timeoutMs: 5_000,
    headers: {},
    connections: 1,
    tokens: createCallbackTokens({
      tokenUrl,
      clientId: client.id,
      clientSecret: client.secret,
      authMethod,
      timeoutMs: 5_000,
    }),
  });
  closers.push(() => c.close());
  return c.send(item());
}

describe('outbound OAuth against oidc-provider', () => {
  it.each([
    [BASIC.method, BASIC],
    [POST.method, POST],
  ])(
    '%s: gets a token with a secret holding + : / = & and a percent sign, and the callback receives it as the bearer',
    async (method, client) => {
      const tokens = await tokenServer();
      const callback = await callbackServer();
      const outcome = await send(tokens.tokenUrl, callback.url, client, method);
      expect(outcome).toMatchObject({ ok: true, statusCode: 200, error: null });
      expect(tokens.issued).toHaveLength(1);
      expect(callback.calls[0]?.headers.authorization).toBe(`Bearer ${tokens.issued[0]}`);
      expect(tokens.methods).toEqual([method]);
      expect(tokens.refused).toEqual([]);
      expect(tokens.serverErrors).toEqual([]);
    },
  );

  it('the server is strict: the Basic header written without form-encoding (as before) is refused', async () => {
    const tokens = await tokenServer();
    const raw = Buffer.from(`${BASIC.id}:${BASIC.secret}`).toString('base64');
    const answer = await fetch(tokens.tokenUrl, {
      method: 'POST',
      headers: {
        authorization: `Basic ${raw}`,
        'content-type': 'application/x-www-form-urlencoded',
      },
      body: 'grant_type=client_credentials',
    });
    expect(answer.status).toBe(401);
    expect(await answer.json()).toMatchObject({ error: 'invalid_client' });
    expect(tokens.issued).toEqual([]);
  });

  it.each([
    ['client_secret_basic', BASIC, 'client_secret_basic', `${SECRET}x`],
    ['client_secret_post', POST, 'client_secret_post', `${POST.secret}x`],
  ] as const)(
    '%s with a wrong secret: the attempt fails with the OAuth error code, never the secret',
    async (_name, client, method, secret) => {
      const tokens = await tokenServer();
      const callback = await callbackServer();
      const outcome = await send(tokens.tokenUrl, callback.url, { id: client.id, secret }, method);
      expect(outcome).toMatchObject({ ok: false, statusCode: null, abandoned: false });
      expect(outcome.error).toMatch(/^token endpoint answered 401 invalid_client\b/);
      expect(outcome.error).not.toContain(secret);
      expect(outcome.error).not.toContain('Sh1m');
      expect(callback.calls).toHaveLength(0);
      expect(tokens.refused).toEqual(['invalid_client']);
    },
  );
});

describe('the service with CALLBACK_OAUTH_* towards oidc-provider', () => {
  const dir = mkdtempSync(join(tmpdir(), 'faceauth-oauth-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it.each([
    [POST.method, POST],
    [BASIC.method, BASIC],
  ])(
    'CALLBACK_OAUTH_AUTH_METHOD=%s: a webhook reaches the callback with the bearer; no secret in the logs',
    async (method, client) => {
      const tokens = await tokenServer();
      const callback = await callbackServer();
      const shim = await startServiceProcess(
        {
          CALLBACK_URL: callback.url,
          DATABASE_URL: `sqlite:${join(dir, `${method}.db`)}`,
          INBOUND_AUTH: 'none',
          CALLBACK_OAUTH_TOKEN_URL: tokens.tokenUrl,
          CALLBACK_OAUTH_CLIENT_ID: client.id,
          CALLBACK_OAUTH_CLIENT_SECRET: client.secret,
          CALLBACK_OAUTH_AUTH_METHOD: method,
          LOG_LEVEL: 'debug',
        },
        30_000,
      );
      try {
        const body = readFixtureBytes('legacy/success.json');
        const answer = await fetch(`${shim.url}/webhooks/legacy/authentication`, {
          method: 'POST',
          body,
          headers: { 'content-type': 'application/json' },
        });
        expect(answer.status).toBe(200);
        const [delivered] = await callback.waitForCalls(1);
        expect(delivered?.headers.authorization).toBe(`Bearer ${tokens.issued[0]}`);
        expect(tokens.methods).toEqual([method]);
        expect(delivered?.body.equals(body)).toBe(true);
      } finally {
        shim.child.kill('SIGTERM');
        expect(await shim.exited).toBe(0);
      }
      expect(shim.output()).not.toContain(client.secret);
      expect(shim.output()).not.toContain(tokens.issued[0]);
    },
    60_000,
  );

  it('a refused token fails each attempt with the OAuth error code, retried on schedule; the service stays up', async () => {
    const tokens = await tokenServer();
    const callback = await callbackServer();
    const wrong = `${BASIC.secret}-wrong`;
    const admin = 'admin-token-oauth-0123';
    const shim = await startServiceProcess(
      {
        CALLBACK_URL: callback.url,
        DATABASE_URL: `sqlite:${join(dir, 'refused.db')}`,
        INBOUND_AUTH: 'none',
        ADMIN_TOKEN: admin,
        CALLBACK_OAUTH_TOKEN_URL: tokens.tokenUrl,
        CALLBACK_OAUTH_CLIENT_ID: BASIC.id,
        CALLBACK_OAUTH_CLIENT_SECRET: wrong,
        DELIVERY_RETRY_SCHEDULE: '50ms,50ms',
      },
      30_000,
    );
    type Listed = { status: string; attempts: number; lastError: string | null };
    let events: Listed[] = [];
    try {
      const answer = await fetch(`${shim.url}/webhooks/legacy/authentication`, {
        method: 'POST',
        body: readFixtureBytes('legacy/success.json'),
        headers: { 'content-type': 'application/json' },
      });
      expect(answer.status).toBe(200);
      const deadline = Date.now() + 10_000;
      while (Date.now() < deadline) {
        const response = await fetch(`${shim.url}/admin/events?status=dead`, {
          headers: { authorization: `Bearer ${admin}` },
        });
        events = ((await response.json()) as { events: Listed[] }).events;
        if (events.length > 0) break;
        await new Promise((resolve) => setTimeout(resolve, 50));
      }
      expect((await fetch(`${shim.url}/healthz`)).status).toBe(200);
    } finally {
      shim.child.kill('SIGTERM');
      expect(await shim.exited).toBe(0);
    }
    expect(events).toEqual([
      expect.objectContaining({
        status: 'dead',
        attempts: 3,
        lastError: expect.stringMatching(/^token endpoint answered 401 invalid_client\b/),
      }),
    ]);
    expect(tokens.refused).toEqual(['invalid_client', 'invalid_client', 'invalid_client']);
    expect(callback.calls).toHaveLength(0);
    expect(shim.output()).not.toContain(wrong);
  }, 60_000);
});
