import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { HttpResponse, http, passthrough } from 'msw';
import { setupServer } from 'msw/node';
import { pino } from 'pino';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/config/config.js';
import { type RunningService, startService } from '../../src/service.js';
import type { EventSummary } from '../../src/store/admin-types.js';
import { type CallbackServer, startCallbackServer } from '../helpers/callback-server.js';
import { readExpected, readFixtureBytes, readFixtureJson } from '../helpers/fixtures.js';
import { until } from '../helpers/until.js';

// The real service in this process (so msw answers its calls to Incode's API), listening on
// loopback, delivering to a real callback server. Incode's API is msw: an admin token from
// POST /executive/log-in and the score behind it.

const BASE = 'https://incode.test';
const API_KEY = 'e2e-incode-api-key-SECRET';
const EMAIL = 'e2e-admin@example.test';
const PASSWORD = 'e2e-admin-password-SECRET';
const ADMIN = 'e2e-admin-token-0123456789';
const KEY = { name: 'X-Incode-Key', value: 'e2e-inbound-secret' };
const FACE = '/webhooks/workflows/face-authentication';
const SESSION = '/webhooks/workflows/session';

const SCORE = readFixtureJson('incode/score-face-authentication.json') as Record<string, unknown>;
const PASS_BODY = readFixtureBytes('workflows/pass.json');
const PASS = JSON.parse(PASS_BODY.toString('utf8')) as Record<string, string>;
const UNSCORED_PASS = readExpected('workflows', 'pass').legacy as Record<string, unknown>;

// Loopback (webhooks to the service, the admin API) goes through untouched; anything else
// the tests did not describe is an error.
const server = setupServer(http.all(/^http:\/\/127\.0\.0\.1:\d+\//, () => passthrough()));
beforeAll(() => server.listen({ onUnhandledFrame: 'error' }));
afterAll(() => server.close());

const cleanups: (() => Promise<void> | void)[] = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
  server.resetHandlers();
});

interface FakeIncode {
  logins: number;
  scores: string[];
}

/** Incode's API: `score()` answers GET /omni/get/score for a token it issued. */
function fakeIncode(score: () => Response): FakeIncode {
  const fake: FakeIncode = { logins: 0, scores: [] };
  server.use(
    http.post(`${BASE}/executive/log-in`, async ({ request }) => {
      const body = (await request.json()) as { email?: string; password?: string };
      fake.logins++;
      if (request.headers.get('x-api-key') !== API_KEY) {
        return HttpResponse.json({ status: 403, error: 'Forbidden' }, { status: 403 });
      }
      if (body.email !== EMAIL || body.password !== PASSWORD) {
        return HttpResponse.json({ status: 401, error: 'Unauthorized' }, { status: 401 });
      }
      return HttpResponse.json({ token: `e2e-admin-token-${fake.logins}` });
    }),
    http.get(`${BASE}/omni/get/score`, ({ request }) => {
      fake.scores.push(new URL(request.url).searchParams.get('id') ?? '');
      if (!request.headers.get('x-incode-hardware-id')?.startsWith('e2e-admin-token-')) {
        return HttpResponse.json({ status: 401, error: 'Unauthorized' }, { status: 401 });
      }
      return score();
    }),
  );
  return fake;
}

interface Shim {
  service: RunningService;
  callback: CallbackServer;
  logs: string[];
  send(route: string, body: string | Uint8Array): Promise<Response>;
  admin(path: string): Promise<Response>;
  events(query?: string): Promise<EventSummary[]>;
}

async function startShim(env: Record<string, string> = {}): Promise<Shim> {
  const dir = mkdtempSync(join(tmpdir(), 'faceauth-enrich-e2e-'));
  cleanups.push(() => rmSync(dir, { recursive: true, force: true }));
  const callback = await startCallbackServer();
  cleanups.push(() => callback.close());
  const config = loadConfig({
    HOST: '127.0.0.1',
    PORT: '0',
    CALLBACK_URL: callback.url,
    FORWARD_SOURCE: 'workflows',
    DATABASE_URL: `sqlite:${join(dir, 'shim.db')}`,
    INBOUND_HEADER_NAME: KEY.name,
    INBOUND_HEADER_VALUE: KEY.value,
    ADMIN_TOKEN: ADMIN,
    INCODE_API_URL: BASE,
    INCODE_API_KEY: API_KEY,
    INCODE_ADMIN_EMAIL: EMAIL,
    INCODE_ADMIN_PASSWORD: PASSWORD,
    INCODE_TIMEOUT_MS: '2000',
    LOG_LEVEL: 'silent',
    ...env,
  });
  const logs: string[] = [];
  const logger = pino({ level: 'debug' }, { write: (line: string) => void logs.push(line) });
  const service = await startService(config, logger);
  cleanups.push(() => service.close(1_000));
  const shim: Shim = {
    service,
    callback,
    logs,
    send: (route, body) =>
      fetch(`${service.url}${route}`, {
        method: 'POST',
        body,
        headers: { 'content-type': 'application/json', [KEY.name]: KEY.value },
      }),
    admin: (path) =>
      fetch(`${service.url}${path}`, { headers: { authorization: `Bearer ${ADMIN}` } }),
    async events(query = '') {
      const response = await shim.admin(`/admin/events${query}`);
      expect(response.status).toBe(200);
      return ((await response.json()) as { events: EventSummary[] }).events;
    },
  };
  return shim;
}

function expectNoSecrets(logs: string[]): void {
  expect(logs.length).toBeGreaterThan(0);
  for (const line of logs) {
    expect(line).not.toContain(API_KEY);
    expect(line).not.toContain(PASSWORD);
    expect(line).not.toContain('e2e-admin-token-1');
  }
}

describe('enrichment end to end', () => {
  it('a Face Authentication PASS plus its score reaches the callback once, with the real numbers; the Session Succeeded after it does not', async () => {
    const incode = fakeIncode(() => HttpResponse.json(SCORE));
    const shim = await startShim();

    const response = await shim.send(FACE, PASS_BODY);
    expect(response.status).toBe(200);
    expect(await response.json()).toEqual({ success: true });
    const [call] = await shim.callback.waitForCalls(1, 5_000);
    expect(call?.json).toEqual({
      ...UNSCORED_PASS,
      spoofConfidence: 0,
      recognitionConfidence: { confidence: 0.892 },
      overallScore: 0.892,
    });
    expect(call?.json).toMatchObject({
      overallScore: 0.892,
      recognitionConfidence: { confidence: 0.892 },
      spoofConfidence: 0,
      faceMatch: true,
      overallStatus: 'PASS',
    });
    expect(call?.headers['x-faceauth-source']).toBe('workflows');
    expect(call?.headers['content-type']).toBe('application/json');
    const eventId = call?.headers['x-faceauth-event-id'];
    await until(
      'the event to be delivered',
      async () => (await shim.events('?status=delivered')).length === 1,
    );
    const [delivered] = await shim.events('?status=delivered');
    expect(delivered?.id).toBe(eventId);
    expect(delivered?.enrichment).toMatchObject({ state: 'scored', attempts: 1, lastError: null });

    const sessionBody = JSON.stringify({
      eventType: 'SESSION_SUCCEEDED',
      interviewId: PASS.interviewId,
      identityId: PASS.customerId,
    });
    const second = await shim.send(SESSION, sessionBody);
    expect(second.status).toBe(200);
    expect(await second.json()).toEqual({ success: true });
    const superseded = await shim.events('?status=superseded');
    expect(superseded).toHaveLength(1);
    expect(superseded[0]).toMatchObject({ event: 'SESSION_SUCCEEDED', route: SESSION });
    expect(superseded[0]?.note).toContain(String(eventId));
    // Stored superseded at its arrival: it never waits for a score nor reaches the callback, and
    // the face event is stored delivered. So one callback, and one score call.
    expect(shim.callback.calls).toHaveLength(1);
    expect(incode.scores).toEqual([PASS.interviewId]);
    expect(incode.logins).toBe(1);
    expectNoSecrets(shim.logs);
  });

  it('with the API down, the event waits (enriching), then after ENRICH_MAX_WAIT reaches the callback without the numbers, and the report counts it', async () => {
    const incode = fakeIncode(() =>
      HttpResponse.json(
        {
          timestamp: '2026-12-01T00:00:00.000+00:00',
          status: 503,
          error: 'Service Unavailable',
          message: 'Scoring is down for maintenance',
          path: '/omni/get/score',
        },
        { status: 503 },
      ),
    );
    const shim = await startShim({ ENRICH_MAX_WAIT: '1s' });
    const sentAt = Date.now();
    expect((await shim.send(FACE, PASS_BODY)).status).toBe(200);

    await until('the event to be listed as enriching after a failed call', async () => {
      const waiting = await shim.events('?status=enriching');
      return waiting.length === 1 && (waiting[0]?.enrichment?.attempts ?? 0) >= 1;
    });
    const [waiting] = await shim.events('?status=enriching');
    expect(waiting?.status).toBe('enriching');
    expect(waiting?.enrichment?.state).toBe('waiting');
    expect(waiting?.enrichment?.lastError).toContain('Scoring is down for maintenance');
    expect(shim.callback.calls).toHaveLength(0);

    const [call] = await shim.callback.waitForCalls(1, 5_000);
    expect(Date.now() - sentAt).toBeGreaterThanOrEqual(1_000);
    expect(call?.json).toEqual(UNSCORED_PASS);
    expect(call?.json).not.toHaveProperty('spoofConfidence');
    expect(call?.json).not.toHaveProperty('overallScore');
    expect(call?.json.recognitionConfidence).toEqual({});
    expect(call?.headers['x-faceauth-source']).toBe('workflows');
    expect(incode.scores.length).toBeGreaterThanOrEqual(1);

    await until(
      'the event to be delivered',
      async () => (await shim.events('?status=delivered')).length === 1,
    );
    const report = await shim.admin('/admin/report?format=json');
    expect(report.status).toBe(200);
    const json = (await report.json()) as {
      sources: { workflows: { scores: { scored: number; unavailable: number } } };
    };
    expect(json.sources.workflows.scores).toEqual({ scored: 0, unavailable: 1 });
    // Stored delivered: nothing is sent for it again.
    expect(shim.callback.calls).toHaveLength(1);
    expectNoSecrets(shim.logs);
  });
});

describe('shutdown while a score is asked for', () => {
  /** A score call that answers only when the request is abandoned (or after 4 s). */
  function hangingScore() {
    const state = { arrived: 0, abandoned: 0 };
    server.use(
      http.post(`${BASE}/executive/log-in`, () =>
        HttpResponse.json({ token: 'e2e-admin-token-1' }),
      ),
      http.get(`${BASE}/omni/get/score`, async ({ request }) => {
        state.arrived++;
        await new Promise<void>((resolve) => {
          request.signal.addEventListener('abort', () => resolve());
          setTimeout(resolve, 4_000).unref();
        });
        if (request.signal.aborted) state.abandoned++;
        return HttpResponse.json(SCORE);
      }),
    );
    return state;
  }

  it('close() abandons the Incode request under way (IncodeClient.close)', async () => {
    const state = hangingScore();
    const shim = await startShim({ INCODE_TIMEOUT_MS: '5000' });
    expect((await shim.send(FACE, PASS_BODY)).status).toBe(200);
    await until('the score call', () => state.arrived === 1);
    await shim.service.close(100);
    await until('the score call to be abandoned', () => state.abandoned === 1, 1_000);
  });

  it('after a restart, an event whose score call was cut by the stop is asked for again at once', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'faceauth-enrich-restart-'));
    cleanups.push(() => rmSync(dir, { recursive: true, force: true }));
    const db = `sqlite:${join(dir, 'shim.db')}`;
    const state = hangingScore();
    const first = await startShim({ DATABASE_URL: db, INCODE_TIMEOUT_MS: '5000' });
    expect((await first.send(FACE, PASS_BODY)).status).toBe(200);
    await until('the score call', () => state.arrived === 1);
    await first.service.close(100);

    server.resetHandlers();
    fakeIncode(() => HttpResponse.json(SCORE));
    const second = await startShim({ DATABASE_URL: db, INCODE_TIMEOUT_MS: '5000' });
    // The lease the first run took lasts 3 x INCODE_TIMEOUT_MS + 30 s.
    const [call] = await second.callback.waitForCalls(1, 2_000);
    expect(call?.json).toMatchObject({ overallScore: 0.892 });
  });
});
