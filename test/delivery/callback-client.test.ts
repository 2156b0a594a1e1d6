import { randomBytes, randomUUID } from 'node:crypto';
import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Webhook, WebhookVerificationError } from 'standardwebhooks';
import { afterEach, describe, expect, it } from 'vitest';
import { createCallbackClient } from '../../src/delivery/callback-client.js';
import { createCallbackTokens, TOKEN_ANSWER_LIMIT } from '../../src/delivery/callback-token.js';
import { createSigner } from '../../src/delivery/signing.js';
import type { OutboxItem } from '../../src/store/delivery-types.js';
import { type CallbackServer, startCallbackServer } from '../helpers/callback-server.js';

const CLIENT_ID = 'shim-client';
const CLIENT_SECRET = 'shim-client-secret-0123456789';

interface TokenCall {
  method: string | undefined;
  headers: IncomingHttpHeaders;
  body: string;
}

interface TokenServer {
  url: string;
  calls: TokenCall[];
  close(): Promise<void>;
}

/** A real OAuth 2.0 token endpoint on loopback; `answer` decides the Nth (0-based) reply. */
async function startTokenServer(
  answer: (index: number) => { status: number; body: unknown } = (index) => ({
    status: 200,
    body: { access_token: `token-${index + 1}`, token_type: 'Bearer', expires_in: 3600 },
  }),
): Promise<TokenServer> {
  const calls: TokenCall[] = [];
  const server: Server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => {
      const { status, body } = answer(calls.length);
      calls.push({
        method: req.method,
        headers: req.headers,
        body: Buffer.concat(chunks).toString('utf8'),
      });
      res.writeHead(status, { 'content-type': 'application/json' });
      res.end(typeof body === 'string' ? body : JSON.stringify(body));
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/oauth/token`,
    calls,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}

/**
 * The id and secret of a Basic Authorization header, read as RFC 6749 §2.3.1 says a token
 * endpoint reads them: base64, split at the first colon, each form-urlencoded.
 */
function basicCredentials(header: string | undefined): [string, string] | undefined {
  const match = /^Basic ([A-Za-z0-9+/]+={0,2})$/.exec(header ?? '');
  if (!match?.[1]) return undefined;
  const decoded = Buffer.from(match[1], 'base64').toString('utf8');
  const colon = decoded.indexOf(':');
  const form = (text: string) => decodeURIComponent(text.replace(/\+/g, ' '));
  return [form(decoded.slice(0, colon)), form(decoded.slice(colon + 1))];
}

const closers: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const close of closers.splice(0).reverse()) await close();
});

async function callbackServer(respond?: Parameters<typeof startCallbackServer>[0]) {
  const server = await startCallbackServer(respond);
  closers.push(() => server.close());
  return server;
}

async function tokenServer(answer?: Parameters<typeof startTokenServer>[0]) {
  const server = await startTokenServer(answer);
  closers.push(() => server.close());
  return server;
}

function client(
  callback: CallbackServer,
  extra: Partial<Parameters<typeof createCallbackClient>[0]> = {},
) {
  const c = createCallbackClient({
    url: callback.url,
    timeoutMs: 5_000,
    headers: {},
    connections: 2,
    ...extra,
  });
  closers.push(() => c.close());
  return c;
}

const tokensFrom = (server: TokenServer) =>
  createCallbackTokens({
    tokenUrl: server.url,
    clientId: CLIENT_ID,
    clientSecret: CLIENT_SECRET,
    timeoutMs: 5_000,
  });

function item(customerId = 'c1'): OutboxItem {
  return {
    eventId: randomUUID(),
    source: 'legacy',
    body: Buffer.from(JSON.stringify({ customerId, faceMatch: true, overallStatus: 'PASS' })),
    attempts: 0,
  };
}

/** The headers of a received call as plain strings, the way a webhook library reads them. */
const plain = (headers: IncomingHttpHeaders): Record<string, string> =>
  Object.fromEntries(
    Object.entries(headers).map(([name, value]) => [
      name,
      Array.isArray(value) ? value.join(', ') : String(value),
    ]),
  );

describe('OAuth 2.0 client credentials towards the callback', () => {
  it('fetches a token with Basic client authentication and sends it as a bearer', async () => {
    const tokens = await tokenServer();
    const callback = await callbackServer();
    const outcome = await client(callback, { tokens: tokensFrom(tokens) }).send(item());

    expect(outcome).toMatchObject({ ok: true, statusCode: 200, error: null });
    expect(tokens.calls).toHaveLength(1);
    const [request] = tokens.calls;
    expect(request?.method).toBe('POST');
    expect(basicCredentials(request?.headers.authorization)).toEqual([CLIENT_ID, CLIENT_SECRET]);
    expect(request?.headers['content-type']).toMatch(/^application\/x-www-form-urlencoded/);
    const form = new URLSearchParams(request?.body);
    expect(form.get('grant_type')).toBe('client_credentials');
    // The secret travels in the header only.
    expect(request?.body).not.toContain(CLIENT_SECRET);

    expect(callback.calls).toHaveLength(1);
    expect(callback.calls[0]?.headers.authorization).toBe('Bearer token-1');
  });

  it('client_secret_post: the id and secret travel form-encoded in the body, with no Authorization header', async () => {
    const secret = 'post+secret%2B:/=&';
    const tokens = await tokenServer();
    const callback = await callbackServer();
    const outcome = await client(callback, {
      tokens: createCallbackTokens({
        tokenUrl: tokens.url,
        clientId: 'shim:post',
        clientSecret: secret,
        authMethod: 'client_secret_post',
        timeoutMs: 5_000,
      }),
    }).send(item());
    expect(outcome.ok).toBe(true);
    const [request] = tokens.calls;
    expect(request?.headers.authorization).toBeUndefined();
    const form = new URLSearchParams(request?.body);
    expect(Object.fromEntries(form)).toEqual({
      grant_type: 'client_credentials',
      client_id: 'shim:post',
      client_secret: secret,
    });
    expect(callback.calls[0]?.headers.authorization).toBe('Bearer token-1');
  });

  it('a token endpoint that does not answer within the timeout fails the attempt', async () => {
    const server = createServer(() => {});
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    closers.push(
      () =>
        new Promise<void>((resolve) => {
          server.close(() => resolve());
          server.closeAllConnections();
        }),
    );
    const tokens = createCallbackTokens({
      tokenUrl: `http://127.0.0.1:${(server.address() as AddressInfo).port}/oauth/token`,
      clientId: CLIENT_ID,
      clientSecret: CLIENT_SECRET,
      timeoutMs: 300,
    });
    const callback = await callbackServer();
    const outcome = await client(callback, { tokens }).send(item());
    expect(outcome).toMatchObject({ ok: false, statusCode: null, abandoned: false });
    expect(outcome.error).toBe('token endpoint: TimeoutError');
    expect(callback.calls).toHaveLength(0);
  });

  it('reuses the cached token for later sends', async () => {
    const tokens = await tokenServer();
    const callback = await callbackServer();
    const c = client(callback, { tokens: tokensFrom(tokens) });
    for (const customer of ['c1', 'c2', 'c3']) {
      expect((await c.send(item(customer))).ok).toBe(true);
    }
    expect(tokens.calls).toHaveLength(1);
    expect(callback.calls.map((call) => call.headers.authorization)).toEqual([
      'Bearer token-1',
      'Bearer token-1',
      'Bearer token-1',
    ]);
  });

  it('fetches the token once for sends running at the same time', async () => {
    const tokens = await tokenServer();
    const callback = await callbackServer();
    const c = client(callback, { tokens: tokensFrom(tokens) });
    const outcomes = await Promise.all([
      c.send(item('c1')),
      c.send(item('c2')),
      c.send(item('c3')),
    ]);
    expect(outcomes.map((o) => o.ok)).toEqual([true, true, true]);
    expect(tokens.calls).toHaveLength(1);
  });

  it('fetches a new token once the previous one has expired', async () => {
    const tokens = await tokenServer((index) => ({
      status: 200,
      body: { access_token: `short-${index + 1}`, token_type: 'Bearer', expires_in: 1 },
    }));
    const callback = await callbackServer();
    const c = client(callback, { tokens: tokensFrom(tokens) });
    expect((await c.send(item('c1'))).ok).toBe(true);
    await new Promise((resolve) => setTimeout(resolve, 1_100));
    expect((await c.send(item('c2'))).ok).toBe(true);
    expect(tokens.calls).toHaveLength(2);
    expect(callback.calls.map((call) => call.headers.authorization)).toEqual([
      'Bearer short-1',
      'Bearer short-2',
    ]);
  });

  it('on a 401 from the callback, fetches a new token and retries at once, within the same send', async () => {
    const tokens = await tokenServer();
    const callback = await callbackServer((_call, index) => ({ status: index === 0 ? 401 : 200 }));
    const e = item();
    const outcome = await client(callback, { tokens: tokensFrom(tokens) }).send(e);

    expect(outcome).toMatchObject({ ok: true, statusCode: 200, error: null });
    expect(tokens.calls).toHaveLength(2);
    expect(callback.calls.map((call) => call.headers.authorization)).toEqual([
      'Bearer token-1',
      'Bearer token-2',
    ]);
    // The same event both times.
    expect(callback.calls.map((call) => call.headers['x-faceauth-event-id'])).toEqual([
      e.eventId,
      e.eventId,
    ]);
  });

  it('refreshes only once per send: a callback that keeps answering 401 fails the attempt', async () => {
    const tokens = await tokenServer();
    const callback = await callbackServer(() => ({ status: 401 }));
    const outcome = await client(callback, { tokens: tokensFrom(tokens) }).send(item());
    expect(outcome).toMatchObject({ ok: false, statusCode: 401 });
    expect(callback.calls).toHaveLength(2);
    expect(tokens.calls).toHaveLength(2);
  });

  it('a 401 without OAuth configured is a plain failed attempt (no retry)', async () => {
    const callback = await callbackServer(() => ({ status: 401 }));
    const outcome = await client(callback).send(item());
    expect(outcome).toMatchObject({ ok: false, statusCode: 401 });
    expect(callback.calls).toHaveLength(1);
    expect(callback.calls[0]?.headers.authorization).toBeUndefined();
  });

  it.each([
    [
      'answers 500',
      { status: 500, body: { error: 'server_error' } },
      'token endpoint answered 500 server_error',
    ],
    [
      'answers 401 invalid_client',
      {
        status: 401,
        body: { error: 'invalid_client', error_description: 'client authentication failed' },
      },
      'token endpoint answered 401 invalid_client (client authentication failed)',
    ],
    [
      'answers 400 unauthorized_client',
      { status: 400, body: { error: 'unauthorized_client' } },
      'token endpoint answered 400 unauthorized_client',
    ],
    ['answers 403 without a body', { status: 403, body: '' }, 'token endpoint answered 403'],
    [
      'answers 302 (a redirect is not followed)',
      { status: 302, body: '' },
      'token endpoint answered 302',
    ],
    [
      'answers no access_token',
      { status: 200, body: { token_type: 'Bearer', expires_in: 3600 } },
      'token endpoint answered no valid access_token',
    ],
    [
      'answers an empty access_token',
      { status: 200, body: { access_token: '', token_type: 'Bearer', expires_in: 60 } },
      'token endpoint answered no valid access_token',
    ],
    [
      'answers a token_type that is no string',
      { status: 200, body: { access_token: 't', token_type: 1, expires_in: 60 } },
      'token endpoint answered no valid token_type',
    ],
    [
      'answers a DPoP-bound token (this client sends Bearer tokens only)',
      { status: 200, body: { access_token: 't', token_type: 'DPoP', expires_in: 60 } },
      'token endpoint answered a token_type other than Bearer',
    ],
    [
      'answers a token_type other than Bearer',
      { status: 200, body: { access_token: 't', token_type: 'mac', expires_in: 60 } },
      'token endpoint answered a token_type other than Bearer',
    ],
    [
      'answers something other than JSON',
      { status: 200, body: '<html>login</html>' },
      'token endpoint answered no JSON',
    ],
  ])(
    'when the token endpoint %s, the attempt fails saying so; nothing is sent',
    async (_name, answer, error) => {
      const tokens = await tokenServer(() => answer);
      const callback = await callbackServer();
      const outcome = await client(callback, { tokens: tokensFrom(tokens) }).send(item());
      expect(outcome.ok).toBe(false);
      expect(outcome.statusCode).toBeNull();
      expect(outcome.error).toBe(error);
      expect(outcome.abandoned).toBe(false);
      expect(callback.calls).toHaveLength(0);
    },
  );

  it('a token answer without token_type (RFC 6749 §5.1 requires it) is taken as Bearer, as before', async () => {
    const tokens = await tokenServer(() => ({
      status: 200,
      body: { access_token: 'untyped', expires_in: 3600 },
    }));
    const callback = await callbackServer();
    const outcome = await client(callback, { tokens: tokensFrom(tokens) }).send(item());
    expect(outcome).toMatchObject({ ok: true, statusCode: 200, error: null });
    expect(callback.calls[0]?.headers.authorization).toBe('Bearer untyped');
  });

  it('an error answer that quotes the secret back, or holds line breaks, is not written as is', async () => {
    const tokens = await tokenServer(() => ({
      status: 401,
      body: {
        error: 'invalid_client',
        error_description: `secret ${CLIENT_SECRET} is wrong\nsecond line`,
      },
    }));
    const callback = await callbackServer();
    const outcome = await client(callback, { tokens: tokensFrom(tokens) }).send(item());
    expect(outcome.error).toBe(
      'token endpoint answered 401 invalid_client (secret *** is wrong second line)',
    );
  });

  it('a 401 with a WWW-Authenticate challenge names the error code of the challenge', async () => {
    const server = createServer((_req, res) => {
      res.writeHead(401, {
        'www-authenticate': 'Basic realm="token", error="invalid_client"',
        'content-type': 'application/json',
      });
      res.end('{"error":"invalid_client"}');
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    closers.push(
      () =>
        new Promise<void>((resolve) => {
          server.close(() => resolve());
          server.closeAllConnections();
        }),
    );
    const tokens = createCallbackTokens({
      tokenUrl: `http://127.0.0.1:${(server.address() as AddressInfo).port}/oauth/token`,
      clientId: CLIENT_ID,
      clientSecret: CLIENT_SECRET,
      timeoutMs: 5_000,
    });
    const callback = await callbackServer();
    const outcome = await client(callback, { tokens }).send(item());
    expect(outcome).toMatchObject({ ok: false, statusCode: null });
    expect(outcome.error).toBe('token endpoint answered 401 invalid_client');
  });

  it(`a token answer over TOKEN_ANSWER_LIMIT (${TOKEN_ANSWER_LIMIT} bytes) fails the attempt; one at the limit is read`, async () => {
    // A valid answer, padded to a given size with an extra field.
    const answerOf = (size: number) => {
      const start = JSON.stringify({
        access_token: 'padded',
        token_type: 'Bearer',
        expires_in: 3600,
        pad: '',
      });
      return `${start.slice(0, -2)}${'x'.repeat(size - start.length)}"}`;
    };
    expect(Buffer.byteLength(answerOf(TOKEN_ANSWER_LIMIT))).toBe(TOKEN_ANSWER_LIMIT);
    const tokens = await tokenServer((index) => ({
      status: 200,
      body: answerOf(index === 0 ? TOKEN_ANSWER_LIMIT + 1 : TOKEN_ANSWER_LIMIT),
    }));
    const callback = await callbackServer();
    const c = client(callback, { tokens: tokensFrom(tokens) });
    const refused = await c.send(item());
    expect(refused).toMatchObject({ ok: false, statusCode: null });
    expect(refused.error).toMatch(/token endpoint answered more than 65536 bytes/);
    expect(callback.calls).toHaveLength(0);
    const accepted = await c.send(item());
    expect(accepted.ok).toBe(true);
    expect(callback.calls[0]?.headers.authorization).toBe('Bearer padded');
  });

  it('a token answer streamed without Content-Length is not read past the limit', async () => {
    // Up to 64 MiB, written only as fast as the client reads it.
    const chunk = Buffer.alloc(16 * 1024, 'x');
    const progress = { written: 0, total: 4096 * chunk.length };
    const server = createServer((_req, res) => {
      res.writeHead(200, { 'content-type': 'application/json' });
      res.write('{"access_token":"t","pad":"');
      let closed = false;
      res.on('close', () => {
        closed = true;
      });
      const pump = () => {
        while (!closed && progress.written < progress.total) {
          progress.written += chunk.length;
          if (!res.write(chunk)) {
            res.once('drain', pump);
            return;
          }
        }
        if (!closed) res.end('"}');
      };
      pump();
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    closers.push(
      () =>
        new Promise<void>((resolve) => {
          server.close(() => resolve());
          server.closeAllConnections();
        }),
    );
    const tokens = createCallbackTokens({
      tokenUrl: `http://127.0.0.1:${(server.address() as AddressInfo).port}/oauth/token`,
      clientId: CLIENT_ID,
      clientSecret: CLIENT_SECRET,
      timeoutMs: 5_000,
    });
    const callback = await callbackServer();
    const outcome = await client(callback, { tokens }).send(item());
    expect(outcome).toMatchObject({ ok: false, statusCode: null });
    expect(outcome.error).toMatch(/token endpoint answered more than 65536 bytes/);
    expect(callback.calls).toHaveLength(0);
    // Socket buffers hold some more, but nowhere near the whole answer.
    expect(progress.written).toBeLessThan(progress.total / 4);
  });

  it('when the token endpoint cannot be reached, the attempt fails naming the token endpoint', async () => {
    const tokens = await startTokenServer();
    await tokens.close();
    const callback = await callbackServer();
    const outcome = await client(callback, { tokens: tokensFrom(tokens) }).send(item());
    expect(outcome).toMatchObject({ ok: false, statusCode: null });
    expect(outcome.error).toMatch(/token endpoint/i);
    expect(callback.calls).toHaveLength(0);
  });

  it('a failed token request is not cached: the next send asks again', async () => {
    const tokens = await tokenServer((index) =>
      index === 0
        ? { status: 503, body: { error: 'temporarily_unavailable' } }
        : {
            status: 200,
            body: { access_token: 'recovered', token_type: 'Bearer', expires_in: 3600 },
          },
    );
    const callback = await callbackServer();
    const c = client(callback, { tokens: tokensFrom(tokens) });
    expect((await c.send(item('c1'))).ok).toBe(false);
    expect(await c.send(item('c2'))).toMatchObject({ ok: true, statusCode: 200 });
    expect(tokens.calls).toHaveLength(2);
    expect(callback.calls[0]?.headers.authorization).toBe('Bearer recovered');
  });

  it('keeps the static CALLBACK_HEADERS next to the bearer', async () => {
    const tokens = await tokenServer();
    const callback = await callbackServer();
    await client(callback, { tokens: tokensFrom(tokens), headers: { 'x-api-key': 'k1' } }).send(
      item(),
    );
    expect(callback.calls[0]?.headers).toMatchObject({
      'x-api-key': 'k1',
      authorization: 'Bearer token-1',
    });
  });
});

describe('Standard Webhooks signatures', () => {
  const secret = () => `whsec_${randomBytes(32).toString('base64')}`;

  it('adds headers that the standardwebhooks library verifies', async () => {
    const key = secret();
    const callback = await callbackServer();
    const e = item();
    const before = Math.floor(Date.now() / 1000);
    const outcome = await client(callback, { signer: createSigner(key) }).send(e);
    expect(outcome.ok).toBe(true);

    const [call] = callback.calls;
    if (!call) throw new Error('the callback got nothing');
    const headers = plain(call.headers);
    expect(headers['webhook-id']).toBe(e.eventId);
    expect(headers['webhook-id']).toBe(headers['x-faceauth-event-id']);
    expect(headers['webhook-signature']).toMatch(/^v1,[A-Za-z0-9+/]+={0,2}$/);
    const timestamp = Number(headers['webhook-timestamp']);
    expect(timestamp).toBeGreaterThanOrEqual(before);
    expect(timestamp).toBeLessThanOrEqual(Math.floor(Date.now() / 1000));

    const body = call.body.toString('utf8');
    expect(body).toBe(Buffer.from(e.body).toString('utf8'));
    expect(new Webhook(key).verify(body, headers)).toEqual(JSON.parse(body));
  });

  it('a tampered body, id or timestamp, or another secret, fails verification', async () => {
    const key = secret();
    const callback = await callbackServer();
    await client(callback, { signer: createSigner(key) }).send(item());
    const [call] = callback.calls;
    if (!call) throw new Error('the callback got nothing');
    const headers = plain(call.headers);
    const body = call.body.toString('utf8');
    const webhook = new Webhook(key);

    const tampered = body.replace('"PASS"', '"FAIL"');
    expect(tampered).not.toBe(body);
    expect(() => webhook.verify(tampered, headers)).toThrow(WebhookVerificationError);
    expect(() => webhook.verify(`${body} `, headers)).toThrow(WebhookVerificationError);
    expect(() => webhook.verify(body, { ...headers, 'webhook-id': randomUUID() })).toThrow(
      WebhookVerificationError,
    );
    const earlier = String(Number(headers['webhook-timestamp']) - 1);
    expect(() => webhook.verify(body, { ...headers, 'webhook-timestamp': earlier })).toThrow(
      WebhookVerificationError,
    );
    expect(() => new Webhook(secret()).verify(body, headers)).toThrow(WebhookVerificationError);
  });

  it('signs every attempt of an event with the same webhook-id, and each body of its own', async () => {
    const key = secret();
    const callback = await callbackServer();
    const c = client(callback, { signer: createSigner(key) });
    const e = item('c1');
    const other = item('c2');
    await c.send(e);
    await c.send(e);
    await c.send(other);
    const webhook = new Webhook(key);
    for (const call of callback.calls) {
      expect(() => webhook.verify(call.body.toString('utf8'), plain(call.headers))).not.toThrow();
    }
    expect(callback.calls.map((call) => call.headers['webhook-id'])).toEqual([
      e.eventId,
      e.eventId,
      other.eventId,
    ]);
  });

  it('signs alongside the OAuth bearer, and the retry after a 401 is signed too', async () => {
    const key = secret();
    const tokens = await tokenServer();
    const callback = await callbackServer((_call, index) => ({ status: index === 0 ? 401 : 200 }));
    const outcome = await client(callback, {
      tokens: tokensFrom(tokens),
      signer: createSigner(key),
    }).send(item());
    expect(outcome.ok).toBe(true);
    expect(callback.calls).toHaveLength(2);
    const webhook = new Webhook(key);
    for (const call of callback.calls) {
      expect(() => webhook.verify(call.body.toString('utf8'), plain(call.headers))).not.toThrow();
    }
    expect(callback.calls[1]?.headers.authorization).toBe('Bearer token-2');
  });

  it('sends no signature headers without a signing secret', async () => {
    const callback = await callbackServer();
    await client(callback).send(item());
    const headers = callback.calls[0]?.headers ?? {};
    expect(headers['webhook-id']).toBeUndefined();
    expect(headers['webhook-signature']).toBeUndefined();
    expect(headers['webhook-timestamp']).toBeUndefined();
  });
});
