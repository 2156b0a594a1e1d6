import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { delay, HttpResponse, http, passthrough } from 'msw';
import { setupServer } from 'msw/node';
import { pino } from 'pino';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { ADMIN_TOKEN_RENEW_AFTER_MS, LOGIN_REFUSED_HOLD_MS } from '../../src/incode/admin-token.js';
import {
  createIncodeClient,
  type IncodeClient,
  type IncodeClientOptions,
  type ScoreOutcome,
} from '../../src/incode/incode-client.js';
import { readFixtureJson } from '../helpers/fixtures.js';
import { until } from '../helpers/until.js';

// The client against an msw stand-in that behaves like Incode's API: the score of an
// interview behind an API key and an admin token from POST /executive/log-in, Spring's error
// bodies, and the ways a call goes wrong. Every secret holds "SECRET": no log line may.

const BASE = 'https://incode.test/api';
/** The headers fetch (undici) sends on its own, whatever the caller asks. */
const FETCH_DEFAULT_HEADERS = new Set([
  'accept-encoding',
  'accept-language',
  'connection',
  'host',
  'sec-fetch-mode',
  'user-agent',
]);
const API_KEY = 'api-key-SECRET-1111';
const EMAIL = 'admin-SECRET@example.test';
const PASSWORD = 'password-SECRET-2222';
const STATIC_TOKEN = 'static-token-SECRET-3333';
const adminToken = (n: number) => `admin-token-SECRET-${n}`;
const INTERVIEW = '6655e5f1c0ffee0000000001';
const SCORE = readFixtureJson('incode/score-face-authentication.json') as Record<string, unknown>;
const START = Date.parse('2026-12-01T00:00:00.000Z');

const server = setupServer();
beforeAll(() => server.listen({ onUnhandledFrame: 'error' }));
afterAll(() => server.close());

let lines: string[] = [];
const clients: IncodeClient[] = [];
afterEach(async () => {
  server.resetHandlers();
  for (const client of clients.splice(0)) await client.close();
  const written = lines;
  lines = [];
  for (const line of written) expect(line).not.toContain('SECRET');
});

const logs = () => lines.map((line) => JSON.parse(line) as Record<string, unknown>);

function client(overrides: Partial<IncodeClientOptions> = {}): IncodeClient {
  const created = createIncodeClient({
    baseUrl: BASE,
    apiKey: API_KEY,
    auth: { email: EMAIL, password: PASSWORD },
    timeoutMs: 2_000,
    logger: pino({ level: 'trace' }, { write: (line: string) => void lines.push(line) }),
    ...overrides,
  });
  clients.push(created);
  return created;
}

/** Incode's error body, as Spring writes it. */
function incodeError(status: number, error: string, message: string, path: string) {
  return HttpResponse.json(
    { timestamp: '2026-12-01T00:00:00.000+00:00', status, error, message, path },
    { status },
  );
}

interface Calls {
  logins: { headers: Headers; body: unknown }[];
  scores: { url: string; headers: Headers; token: string | null }[];
}

/**
 * Incode: log-in answers token 1, 2... to the right email and password; the score answers
 * `score(request, n)` or, by default, the fixture to any token it issued.
 */
function fakeIncode(
  answers: {
    login?: (n: number) => Response | Promise<Response>;
    score?: (token: string | null, n: number) => Response | Promise<Response>;
  } = {},
): Calls {
  const calls: Calls = { logins: [], scores: [] };
  const issued = new Set<string>();
  server.use(
    http.post(`${BASE}/executive/log-in`, async ({ request }) => {
      const body = (await request.json()) as { email?: string; password?: string };
      calls.logins.push({ headers: request.headers, body });
      const n = calls.logins.length;
      if (answers.login) return answers.login(n);
      if (body.email !== EMAIL || body.password !== PASSWORD) {
        return incodeError(401, 'Unauthorized', 'Bad credentials', '/executive/log-in');
      }
      issued.add(adminToken(n));
      await delay(20);
      return HttpResponse.json({ token: adminToken(n), refreshToken: 'unused' });
    }),
    http.get(`${BASE}/omni/get/score`, ({ request }) => {
      const token = request.headers.get('x-incode-hardware-id');
      calls.scores.push({ url: request.url, headers: request.headers, token });
      if (answers.score) return answers.score(token, calls.scores.length);
      if (token === null || (!issued.has(token) && token !== STATIC_TOKEN)) {
        return incodeError(401, 'Unauthorized', 'Invalid token', '/omni/get/score');
      }
      return HttpResponse.json(SCORE);
    }),
  );
  return calls;
}

function failed(outcome: ScoreOutcome) {
  if (outcome.ok) throw new Error('expected a failed outcome');
  expect(outcome.error).not.toContain('SECRET');
  return outcome;
}

describe('getScore', () => {
  it('parses the score, keeping the string numbers and the unknown parts', async () => {
    fakeIncode();
    const outcome = await client().getScore(INTERVIEW);
    expect(outcome).toEqual({ ok: true, score: SCORE });
    if (!outcome.ok) return;
    expect(outcome.score.authentication?.overall).toEqual({ value: '89.2', status: 'OK' });
    expect(outcome.score.authentication?.identityId).toBe('6655e5f1c0ffee0123456789');
    expect(outcome.score.liveness?.spoofDetectionMethod).toBe('SF');
    expect(outcome.score.overall?.value).toBe('94.6');
    expect(outcome.score.deviceRisk?.overall).toEqual({ status: 'UNKNOWN' });
    expect(logs().filter((line) => (line.level as number) >= 40)).toEqual([]);
  });

  it('accepts an unknown status, nulls and a plain number without failing the answer', async () => {
    fakeIncode({
      score: () =>
        HttpResponse.json({
          overall: { value: 71, status: 'MANUAL_ESCALATED' },
          authentication: null,
          liveness: { overall: { value: null, status: 'MANUAL_PENDING' } },
        }),
    });
    const outcome = await client().getScore(INTERVIEW);
    expect(outcome).toEqual({
      ok: true,
      score: {
        overall: { value: '71', status: 'MANUAL_ESCALATED' },
        authentication: null,
        liveness: { overall: { value: null, status: 'MANUAL_PENDING' } },
      },
    });
  });

  it('sends the headers Incode asks for and the interview id URL-encoded', async () => {
    const calls = fakeIncode();
    const id = 'a b/c?d&id=e#f+g%';
    const outcome = await client({ baseUrl: `${BASE}/` }).getScore(id);
    expect(outcome.ok).toBe(true);
    const [call] = calls.scores;
    expect(call?.url).toBe(`${BASE}/omni/get/score?id=a%20b%2Fc%3Fd%26id%3De%23f%2Bg%25`);
    expect(new URL(call?.url ?? '').searchParams.getAll('id')).toEqual([id]);
    // fetch adds its own (host, connection, user-agent, accept-encoding ...): every header
    // that is not one of those is one the client chose, and these are all of them.
    const own = Object.fromEntries(
      [...(call?.headers ?? [])].filter(([name]) => !FETCH_DEFAULT_HEADERS.has(name)),
    );
    expect(own).toEqual({
      'api-version': '1.0',
      'x-api-key': API_KEY,
      'x-incode-hardware-id': adminToken(1),
      accept: 'application/json',
    });
  });

  it('uses a given token as is, without logging in', async () => {
    const calls = fakeIncode();
    const incode = client({ auth: { token: STATIC_TOKEN } });
    expect((await incode.getScore(INTERVIEW)).ok).toBe(true);
    expect((await incode.getScore(INTERVIEW)).ok).toBe(true);
    expect(calls.logins).toEqual([]);
    expect(calls.scores.map((call) => call.token)).toEqual([STATIC_TOKEN, STATIC_TOKEN]);
  });

  it('refuses a missing interview id without a request', async () => {
    const calls = fakeIncode();
    const outcome = failed(await client().getScore(''));
    expect(outcome).toEqual({
      ok: false,
      retryable: false,
      error: 'no interviewId to fetch the score of',
    });
    expect(calls.logins.length + calls.scores.length).toBe(0);
  });
});

describe('the admin token', () => {
  it('logs in with the email and password, then keeps the token for later calls', async () => {
    const calls = fakeIncode();
    const incode = client();
    for (let i = 0; i < 3; i++) expect((await incode.getScore(INTERVIEW)).ok).toBe(true);
    expect(calls.logins).toHaveLength(1);
    const [login] = calls.logins;
    expect(login?.body).toEqual({ email: EMAIL, password: PASSWORD });
    expect(login?.headers.get('api-version')).toBe('1.0');
    expect(login?.headers.get('x-api-key')).toBe(API_KEY);
    expect(login?.headers.get('content-type')).toBe('application/json');
    expect(calls.scores.map((call) => call.token)).toEqual([1, 1, 1].map(adminToken));
  });

  it('shares one log-in among concurrent callers', async () => {
    const calls = fakeIncode();
    const incode = client();
    const outcomes = await Promise.all(
      Array.from({ length: 5 }, (_, i) => incode.getScore(`${INTERVIEW}-${i}`)),
    );
    expect(outcomes.every((outcome) => outcome.ok)).toBe(true);
    expect(calls.logins).toHaveLength(1);
    expect(new Set(calls.scores.map((call) => call.token))).toEqual(new Set([adminToken(1)]));
  });

  it('takes adminToken when the log-in answer has no token', async () => {
    const calls = fakeIncode({
      login: () => HttpResponse.json({ adminToken: STATIC_TOKEN }),
    });
    expect((await client().getScore(INTERVIEW)).ok).toBe(true);
    expect(calls.scores[0]?.token).toBe(STATIC_TOKEN);
  });

  it('renews the token once 23 h have passed, never using it in its last hour', async () => {
    const calls = fakeIncode();
    let now = START;
    const incode = client({ clock: () => now });
    await incode.getScore(INTERVIEW);
    now = START + ADMIN_TOKEN_RENEW_AFTER_MS - 1;
    await incode.getScore(INTERVIEW);
    expect(calls.logins).toHaveLength(1);
    now = START + ADMIN_TOKEN_RENEW_AFTER_MS;
    await incode.getScore(INTERVIEW);
    now += ADMIN_TOKEN_RENEW_AFTER_MS - 1;
    await incode.getScore(INTERVIEW);
    expect(ADMIN_TOKEN_RENEW_AFTER_MS).toBe(23 * 3600_000);
    expect(calls.logins).toHaveLength(2);
    expect(calls.scores.map((call) => call.token)).toEqual([1, 1, 2, 2].map(adminToken));
  });

  it('logs in again once when Incode refuses the token, and the call then succeeds', async () => {
    const calls = fakeIncode({
      score: (token) =>
        token === adminToken(2)
          ? HttpResponse.json(SCORE)
          : incodeError(401, 'Unauthorized', 'Token expired', '/omni/get/score'),
    });
    const incode = client();
    expect(await incode.getScore(INTERVIEW)).toEqual({ ok: true, score: SCORE });
    expect(calls.logins).toHaveLength(2);
    expect(calls.scores.map((call) => call.token)).toEqual([1, 2].map(adminToken));
    expect(await incode.getScore(INTERVIEW)).toEqual({ ok: true, score: SCORE });
    expect(calls.logins).toHaveLength(2);
    expect(logs().filter((line) => (line.level as number) >= 40)).toEqual([]);
  });

  it('gives up after one fresh token is refused too: not retryable', async () => {
    const calls = fakeIncode({
      score: () => incodeError(401, 'Unauthorized', 'Invalid token', '/omni/get/score'),
    });
    const outcome = failed(await client().getScore(INTERVIEW));
    expect(outcome).toEqual({
      ok: false,
      retryable: false,
      error:
        'Incode GET /omni/get/score answered 401 Unauthorized: "Invalid token": refused a fresh admin token (check INCODE_API_KEY); not retryable',
    });
    expect(calls.logins).toHaveLength(2);
    expect(calls.scores).toHaveLength(2);
  });

  it('cannot renew a given token: a 401 is final', async () => {
    const calls = fakeIncode({
      score: () => incodeError(401, 'Unauthorized', 'Invalid token', '/omni/get/score'),
    });
    const outcome = failed(await client({ auth: { token: STATIC_TOKEN } }).getScore(INTERVIEW));
    expect(outcome.retryable).toBe(false);
    expect(outcome.error).toBe(
      'Incode GET /omni/get/score answered 401 Unauthorized: "Invalid token": refused INCODE_ADMIN_TOKEN (or INCODE_API_KEY); not retryable',
    );
    expect(calls.logins).toEqual([]);
    expect(calls.scores).toHaveLength(1);
  });

  it('fails on wrong credentials, and tries no new log-in for a while', async () => {
    const calls = fakeIncode({
      login: () =>
        incodeError(401, 'Unauthorized', `Bad credentials for ${EMAIL}`, '/executive/log-in'),
    });
    let now = START;
    const incode = client({ clock: () => now });
    const outcome = failed(await incode.getScore(INTERVIEW));
    expect(outcome).toEqual({
      ok: false,
      retryable: false,
      error:
        'Incode POST /executive/log-in answered 401 Unauthorized: "Bad credentials for [redacted]": wrong INCODE_ADMIN_EMAIL/INCODE_ADMIN_PASSWORD (or INCODE_API_KEY), not retryable',
    });
    expect(calls.scores).toEqual([]);
    const warn = logs().find((line) => line.level === 40);
    expect(warn).toMatchObject({
      interviewId: INTERVIEW,
      call: 'POST /executive/log-in',
      status: 401,
      incodeError: {
        status: 401,
        error: 'Unauthorized',
        message: 'Bad credentials for [redacted]',
        path: '/executive/log-in',
      },
      msg: outcome.error,
    });

    now += LOGIN_REFUSED_HOLD_MS - 1;
    const held = failed(await incode.getScore(INTERVIEW));
    expect(held.retryable).toBe(false);
    expect(held.error).toContain('no new log-in before 2026-12-01T00:05:00.000Z');
    expect(calls.logins).toHaveLength(1);
    now += 1;
    await incode.getScore(INTERVIEW);
    expect(calls.logins).toHaveLength(2);
  });

  it.each([
    [503, true],
    [400, false],
  ])('a log-in answered %i is retryable: %s', async (status, retryable) => {
    fakeIncode({ login: () => incodeError(status, 'Oops', 'Log-in broke', '/executive/log-in') });
    const outcome = failed(await client().getScore(INTERVIEW));
    expect(outcome.retryable).toBe(retryable);
    expect(outcome.error).toMatch(
      new RegExp(`^Incode POST /executive/log-in answered ${status} .*: "Log-in broke"`),
    );
  });

  it('a log-in that fails on the network is retryable, and the next call logs in', async () => {
    const calls = fakeIncode({
      login: (n) => (n === 1 ? HttpResponse.error() : HttpResponse.json({ token: adminToken(n) })),
      score: () => HttpResponse.json(SCORE),
    });
    const incode = client();
    expect(failed(await incode.getScore(INTERVIEW))).toEqual({
      ok: false,
      retryable: true,
      error: 'Incode POST /executive/log-in network error: fetch failed',
    });
    expect((await incode.getScore(INTERVIEW)).ok).toBe(true);
    expect(calls.logins).toHaveLength(2);
  });

  it('a log-in answer without a token is not retryable', async () => {
    fakeIncode({ login: () => HttpResponse.json({ user: 'x' }) });
    expect(failed(await client().getScore(INTERVIEW))).toEqual({
      ok: false,
      retryable: false,
      error: 'Incode POST /executive/log-in answered 200 without a usable token: not retryable',
    });
  });
});

describe('failures', () => {
  it('turns a 500 with its error body into a retryable error line, logged', async () => {
    fakeIncode({
      score: () => incodeError(500, 'Internal Server Error', 'Score not ready', '/omni/get/score'),
    });
    const outcome = failed(await client().getScore(INTERVIEW));
    expect(outcome).toEqual({
      ok: false,
      retryable: true,
      error: 'Incode GET /omni/get/score answered 500 Internal Server Error: "Score not ready"',
    });
    const warns = logs().filter((line) => line.level === 40);
    expect(warns).toHaveLength(1);
    expect(warns[0]).toMatchObject({
      interviewId: INTERVIEW,
      call: 'GET /omni/get/score',
      status: 500,
      retryable: true,
      incodeError: {
        status: 500,
        error: 'Internal Server Error',
        message: 'Score not ready',
        path: '/omni/get/score',
      },
      msg: outcome.error,
    });
  });

  it('a 404 is not retryable', async () => {
    fakeIncode({
      score: () => incodeError(404, 'Not Found', 'Interview not found', '/omni/get/score'),
    });
    expect(failed(await client().getScore(INTERVIEW))).toEqual({
      ok: false,
      retryable: false,
      error:
        'Incode GET /omni/get/score answered 404 Not Found: "Interview not found": not retryable',
    });
  });

  it.each([408, 429, 502, 503, 504])('a %i is retryable', async (status) => {
    fakeIncode({ score: () => new HttpResponse('busy', { status }) });
    const outcome = failed(await client().getScore(INTERVIEW));
    expect(outcome.retryable).toBe(true);
    expect(outcome.error).toMatch(new RegExp(`^Incode GET /omni/get/score answered ${status} \\w`));
  });

  it('a 403 is not retryable and gets no new token', async () => {
    const calls = fakeIncode({
      score: () => incodeError(403, 'Forbidden', 'Access denied', '/omni/get/score'),
    });
    const outcome = failed(await client().getScore(INTERVIEW));
    expect(outcome.retryable).toBe(false);
    expect(outcome.error).toContain('answered 403 Forbidden: "Access denied"');
    expect(calls.logins).toHaveLength(1);
  });

  it('does not follow a redirect (the key and token would go along)', async () => {
    let followed = 0;
    server.use(
      http.get('https://elsewhere.test/*', () => {
        followed++;
        return HttpResponse.json(SCORE);
      }),
    );
    fakeIncode({
      score: () =>
        new HttpResponse(null, { status: 302, headers: { location: 'https://elsewhere.test/x' } }),
    });
    const outcome = failed(await client().getScore(INTERVIEW));
    expect(outcome.retryable).toBe(false);
    expect(outcome.error).toBe(
      'Incode GET /omni/get/score answered 302 Found: a redirect, not followed (check INCODE_API_URL); not retryable',
    );
    expect(followed).toBe(0);
  });

  it('a timeout is retryable', async () => {
    fakeIncode({
      score: async () => {
        await delay('infinite');
        return HttpResponse.json(SCORE);
      },
    });
    const started = Date.now();
    const outcome = failed(await client({ timeoutMs: 200 }).getScore(INTERVIEW));
    expect(outcome).toEqual({
      ok: false,
      retryable: true,
      error: 'Incode GET /omni/get/score timed out after 200 ms',
    });
    expect(Date.now() - started).toBeLessThan(2_000);
    expect(logs().find((line) => line.level === 40)).toMatchObject({ status: null });
  });

  it('a network error is retryable', async () => {
    fakeIncode({ score: () => HttpResponse.error() });
    expect(failed(await client().getScore(INTERVIEW))).toEqual({
      ok: false,
      retryable: true,
      error: 'Incode GET /omni/get/score network error: fetch failed',
    });
  });

  it('a refused connection is retryable and named', async () => {
    const closed = createServer();
    await new Promise<void>((resolve) => closed.listen(0, '127.0.0.1', resolve));
    const { port } = closed.address() as AddressInfo;
    await new Promise((resolve) => closed.close(resolve));
    const base = `http://127.0.0.1:${port}`;
    server.use(http.all(`${base}/*`, () => passthrough()));
    const outcome = failed(
      await client({ baseUrl: base, auth: { token: STATIC_TOKEN } }).getScore(INTERVIEW),
    );
    expect(outcome).toEqual({
      ok: false,
      retryable: true,
      error: 'Incode GET /omni/get/score cannot connect: ECONNREFUSED',
    });
  });

  it.each([
    [
      'not JSON',
      () => new HttpResponse('<html>ok</html>', { status: 200 }),
      'with a body that is not JSON',
    ],
    ['empty', () => new HttpResponse(null, { status: 200 }), 'with a body that is not JSON'],
    ['an array', () => HttpResponse.json([SCORE]), 'with an array, not an object'],
    ['null', () => HttpResponse.json(null), 'with null, not an object'],
  ])('an answer %s is not retryable', async (_, answer, expected) => {
    fakeIncode({ score: answer });
    const outcome = failed(await client().getScore(INTERVIEW));
    expect(outcome.retryable).toBe(false);
    expect(outcome.error).toContain(`Incode GET /omni/get/score answered 200 ${expected}`);
  });

  it('a part of another type reads as missing: the rest of the score is used', async () => {
    const authentication = SCORE.authentication as { overall: { value: string } };
    fakeIncode({
      score: () =>
        HttpResponse.json({
          ...SCORE,
          reasonMsg: { unexpected: true },
          overall: { value: { deep: 1 }, status: 'OK' },
          authentication: { ...authentication, identityId: 123 },
        }),
    });
    const outcome = await client().getScore(INTERVIEW);
    if (!outcome.ok) throw new Error(outcome.error);
    expect(outcome.score.reasonMsg).toBeUndefined();
    expect(outcome.score.overall).toEqual({ value: undefined, status: 'OK' });
    expect(outcome.score.authentication?.identityId).toBeUndefined();
    expect(outcome.score.authentication?.overall?.value).toBe(authentication.overall.value);
  });

  it('does not read an answer past 1 MiB', async () => {
    const big = JSON.stringify({ reasonMsg: 'x'.repeat(1024 * 1024) });
    fakeIncode({
      score: () =>
        new HttpResponse(
          new ReadableStream({
            start(controller) {
              controller.enqueue(new TextEncoder().encode(big));
              controller.close();
            },
          }),
          { headers: { 'content-type': 'application/json' } },
        ),
    });
    expect(failed(await client().getScore(INTERVIEW))).toEqual({
      ok: false,
      retryable: false,
      error: 'Incode GET /omni/get/score answered 200 with more than 1048576 bytes: not retryable',
    });
  });

  it('close() abandons a call under way as retryable', async () => {
    let arrived = false;
    fakeIncode({
      score: async () => {
        arrived = true;
        await delay('infinite');
        return HttpResponse.json(SCORE);
      },
    });
    const incode = client();
    const pending = incode.getScore(INTERVIEW);
    // Under way: Incode has the request.
    await until('the score call to arrive', () => arrived);
    await incode.close();
    expect(failed(await pending)).toEqual({
      ok: false,
      retryable: true,
      error: 'Incode GET /omni/get/score abandoned: the Incode client was closed',
    });
  });
});

describe('createIncodeClient', () => {
  it.each([
    [{ baseUrl: 'incode.test' }, 'is not a URL'],
    [{ baseUrl: 'ftp://incode.test' }, 'must be an http(s) URL'],
    [{ baseUrl: 'https://user:pw@incode.test' }, 'must have no user, password, query'],
    [{ apiKey: '' }, 'apiKey (INCODE_API_KEY) is empty'],
    [{ auth: { token: 'a b' } }, 'auth.token (INCODE_ADMIN_TOKEN)'],
    [{ auth: { email: EMAIL, password: '' } }, 'must both be set'],
    [{ timeoutMs: 0 }, 'timeoutMs (INCODE_TIMEOUT_MS)'],
  ] as [Partial<IncodeClientOptions>, string][])('refuses %o', (overrides, message) => {
    expect(() => client(overrides)).toThrow(message);
  });
});
