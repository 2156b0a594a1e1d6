import type { Hono } from 'hono';
import { delay, HttpResponse, http } from 'msw';
import { setupServer } from 'msw/node';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { createApp } from '../../src/app.js';
import { loadConfig } from '../../src/config/config.js';
import { createEnrichWorker, type ScoreSource } from '../../src/enrich/enrich-worker.js';
import { createIncodeClient, type IncodeClient } from '../../src/incode/incode-client.js';
import { ROUTE_OF } from '../../src/intake/webhook-kinds.js';
import { loadMappings } from '../../src/normalize/load-mappings.js';
import type { Mappings } from '../../src/normalize/tables.js';
import { createLogger } from '../../src/ops/logger.js';
import { createMetrics, type Metrics } from '../../src/ops/metrics.js';
import type { EventSummary } from '../../src/store/admin-types.js';
import { openStore } from '../../src/store/open-store.js';
import type { Store } from '../../src/store/store.js';
import { readExpected, readFixtureBytes, readFixtureJson } from '../helpers/fixtures.js';
import { until } from '../helpers/until.js';

// The enrichment worker with the real Incode client, the real app (so webhook-routes decides
// which events wait for their score) and a real SQLite store. Incode's API is msw, behaving
// like Incode: an admin token from POST /executive/log-in, the score behind it, Spring's
// error bodies, and the ways a call goes wrong.

const BASE = 'https://incode.test';
const API_KEY = 'incode-api-key-1111';
const EMAIL = 'admin@example.test';
const PASSWORD = 'admin-password-2222';
const ADMIN = 'admin-token-enrich-0123456789';
const INBOUND = { name: 'x-incode-webhook-key', value: 'inbound-secret-enrich' };
const SCORE = readFixtureJson('incode/score-face-authentication.json') as Record<string, unknown>;
const IDENTITY = '6655e5f1c0ffee0123456789';

const FACE = ROUTE_OF['face-authentication'];
const SESSION = ROUTE_OF.session;
const ONBOARDING = ROUTE_OF['onboarding-status'];
const LEGACY = ROUTE_OF.legacy;

const PASS_BODY = readFixtureBytes('workflows/pass.json');
const PASS = JSON.parse(PASS_BODY.toString('utf8')) as Record<string, string>;
/** What the callback gets for pass.json without a score (the mapping's own expectation). */
const UNSCORED_PASS = readExpected('workflows', 'pass').legacy as Record<string, unknown>;
/** ...and with the fixture's score: authentication 89.2, liveness 100.0. */
const SCORED_PASS = {
  ...UNSCORED_PASS,
  spoofConfidence: 0,
  recognitionConfidence: { confidence: 0.892 },
  overallScore: 0.892,
};

const server = setupServer();
beforeAll(() => server.listen({ onUnhandledFrame: 'error' }));
afterAll(() => server.close());

const cleanups: (() => Promise<void> | void)[] = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
  server.resetHandlers();
});

let mappings: Mappings;
beforeAll(async () => {
  mappings = await loadMappings();
});

/** Incode's error body, as Spring writes it. */
function incodeError(status: number, error: string, message: string, path = '/omni/get/score') {
  return HttpResponse.json(
    { timestamp: '2026-12-01T00:00:00.000+00:00', status, error, message, path },
    { status },
  );
}

type Answered = Response | 'score';
type Answer = (interviewId: string, n: number) => Answered | Promise<Answered>;

interface FakeIncode {
  logins: number;
  scores: { interviewId: string; token: string | null }[];
  /** How the score call answers; 'score': the fixture, for a valid token. */
  answer: Answer;
  /** Incode forgets a token it issued (expired or revoked early). */
  revoke(token: string): void;
}

/** Incode: log-in issues admin-token-1, -2...; the score wants a live token and the API key. */
function fakeIncode(answer: Answer = () => 'score'): FakeIncode {
  const live = new Set<string>();
  const fake: FakeIncode = {
    logins: 0,
    scores: [],
    answer,
    revoke: (token) => void live.delete(token),
  };
  server.use(
    http.post(`${BASE}/executive/log-in`, async ({ request }) => {
      const body = (await request.json()) as { email?: string; password?: string };
      fake.logins++;
      if (body.email !== EMAIL || body.password !== PASSWORD) {
        return incodeError(401, 'Unauthorized', 'Bad credentials', '/executive/log-in');
      }
      const token = `admin-token-${fake.logins}`;
      live.add(token);
      return HttpResponse.json({ token, refreshToken: 'unused' });
    }),
    http.get(`${BASE}/omni/get/score`, async ({ request }) => {
      const interviewId = new URL(request.url).searchParams.get('id') ?? '';
      const token = request.headers.get('x-incode-hardware-id');
      fake.scores.push({ interviewId, token });
      if (
        request.headers.get('x-api-key') !== API_KEY ||
        request.headers.get('api-version') !== '1.0'
      ) {
        return incodeError(403, 'Forbidden', 'Invalid API key');
      }
      if (token === null || !live.has(token)) {
        return incodeError(401, 'Unauthorized', 'Invalid or expired token');
      }
      const answered = await fake.answer(interviewId, fake.scores.length);
      return answered === 'score' ? HttpResponse.json(SCORE) : answered;
    }),
  );
  return fake;
}

interface Harness {
  store: Store;
  app: Hono;
  metrics: Metrics;
  /** The enrichment worker's calls of onForward: one per completion. */
  forwarded: number;
  /** The worker's reads of the waiting events so far (each turn reads at least once). */
  claims: number;
  post(route: string, body: string | Uint8Array): Promise<Response>;
  admin(path: string, method?: 'GET' | 'POST'): Promise<Response>;
  event(id: string): Promise<EventSummary & { normalized: Record<string, unknown> | null }>;
  /** The one event's id (for tests that send one). */
  onlyEventId(): Promise<string>;
  /** Outbox entries due now (leased for a minute), as parsed JSON bodies by event id. */
  due(): Promise<Map<string, Record<string, unknown>>>;
  start(): Promise<void>;
}

interface HarnessOptions {
  maxWait?: string;
  forwardSource?: 'legacy' | 'workflows' | 'both';
  timeoutMs?: number;
  /** Instead of the real Incode client. */
  scores?: ScoreSource;
  /** The app without INCODE_API_URL (nothing waits for a score). */
  noApi?: boolean;
  /** Start the worker at once (default true). */
  start?: boolean;
  /** The worker's first delay before asking again (default 20 ms). */
  retryBaseMs?: number;
}

async function harness(options: HarnessOptions = {}): Promise<Harness> {
  const store = await openStore({ kind: 'sqlite', path: ':memory:' });
  const claimEnrichment = store.claimEnrichment.bind(store);
  store.claimEnrichment = async (...args) => {
    const items = await claimEnrichment(...args);
    h.claims++;
    return items;
  };
  const metrics = createMetrics(store);
  const logger = createLogger({ level: 'silent' });
  const config = loadConfig({
    CALLBACK_URL: 'http://127.0.0.1:9/callback',
    INBOUND_HEADER_NAME: INBOUND.name,
    INBOUND_HEADER_VALUE: INBOUND.value,
    ADMIN_TOKEN: ADMIN,
    // Parsed, not opened: the app gets its store (in memory) from the test.
    DATABASE_URL: 'sqlite:not-opened.db',
    FORWARD_SOURCE: options.forwardSource ?? 'workflows',
    ENRICH_MAX_WAIT: options.maxWait ?? '10s',
    ...(options.noApi
      ? {}
      : {
          INCODE_API_URL: BASE,
          INCODE_API_KEY: API_KEY,
          INCODE_ADMIN_EMAIL: EMAIL,
          INCODE_ADMIN_PASSWORD: PASSWORD,
          INCODE_TIMEOUT_MS: String(options.timeoutMs ?? 2_000),
        }),
  });
  let client: IncodeClient | undefined;
  let scores = options.scores;
  if (!scores) {
    client = createIncodeClient({
      baseUrl: BASE,
      apiKey: API_KEY,
      auth: { email: EMAIL, password: PASSWORD },
      timeoutMs: options.timeoutMs ?? 2_000,
      logger,
    });
    scores = client;
  }
  const worker = createEnrichWorker({
    store,
    scores,
    mappings,
    forwardFormat: config.forwardFormat,
    compareWindowMs: config.compareWindowMs,
    retryBaseMs: options.retryBaseMs ?? 20,
    maxRetryDelayMs: Math.max(60, options.retryBaseMs ?? 0),
    pollIntervalMs: 25,
    leaseMs: 10_000,
    logger,
    metrics,
    onForward: () => {
      h.forwarded++;
    },
  });
  const app = createApp({
    config,
    store,
    mappings,
    logger,
    metrics,
    onEnrich: worker.wake,
  });
  const h: Harness = {
    store,
    app,
    metrics,
    forwarded: 0,
    claims: 0,
    post: async (route, body) =>
      app.request(route, {
        method: 'POST',
        body,
        headers: { 'content-type': 'application/json', [INBOUND.name]: INBOUND.value },
      }),
    admin: async (path, method = 'GET') =>
      app.request(path, { method, headers: { authorization: `Bearer ${ADMIN}` } }),
    async event(id) {
      const response = await h.admin(`/admin/events/${id}`);
      expect(response.status).toBe(200);
      return (await response.json()) as EventSummary & {
        normalized: Record<string, unknown> | null;
      };
    },
    async onlyEventId() {
      const { items } = await store.listEvents({ limit: 10 });
      expect(items).toHaveLength(1);
      return (items[0] as EventSummary).id;
    },
    async due() {
      const items = await store.claimDue(Date.now(), 50, 60_000);
      return new Map(
        items.map((item) => [
          item.eventId,
          JSON.parse(Buffer.from(item.body).toString('utf8')) as Record<string, unknown>,
        ]),
      );
    },
    start: () => worker.start(),
  };
  cleanups.push(async () => {
    await worker.stop(1_000);
    await client?.close();
    await store.close();
  });
  if (options.start !== false) await worker.start();
  return h;
}

/** Resolves once the worker has begun a turn after this call and finished it (it polls every 25 ms). */
async function aTurnLater(h: Harness): Promise<void> {
  const before = h.claims;
  await until('a whole turn of the worker', () => h.claims >= before + 2);
}

async function statusOf(h: Harness, id: string): Promise<string | undefined> {
  return (await h.store.getEvent(id))?.status;
}

async function accepted(h: Harness, route: string, body: string | Uint8Array): Promise<void> {
  const response = await h.post(route, body);
  expect(response.status).toBe(200);
  expect(await response.json()).toEqual({ success: true });
}

const session = (eventType: string, interviewId: string, extra: Record<string, unknown> = {}) =>
  JSON.stringify({ eventType, interviewId, identityId: PASS.customerId, ...extra });

const onboarding = (interviewId: string, status = 'ONBOARDING_FINISHED') =>
  JSON.stringify({
    interviewId,
    onboardingStatus: status,
    externalId: 'crm-000777',
    clientId: 'client-1',
    flowId: 'flow-1',
  });

const faceAuth = (interviewId: string, extra: Record<string, unknown> = {}) =>
  JSON.stringify({ ...PASS, interviewId, ...extra });

describe('a Face Authentication event with the score', () => {
  it('is forwarded as a legacy body with the real numbers, and its summary says scored', async () => {
    const incode = fakeIncode();
    const h = await harness();
    await accepted(h, FACE, PASS_BODY);
    const id = await h.onlyEventId();
    await until('the event to be forwarded', async () => (await statusOf(h, id)) === 'pending');

    const event = await h.event(id);
    expect(event.enrichment).toEqual({
      state: 'scored',
      attempts: 1,
      lastError: null,
      deadline: null,
    });
    expect(event.result).toMatchObject({ status: 'PASS', customerId: PASS.customerId });
    expect(event.normalized).toMatchObject({
      overallScore: 0.892,
      recognition: { confidence: 0.892 },
      spoof: { attempt: false, confidence: 0 },
      enrichment: { state: 'scored', scoreStatus: 'OK' },
    });
    const due = await h.due();
    expect([...due.keys()]).toEqual([id]);
    expect(due.get(id)).toEqual(SCORED_PASS);
    expect(h.forwarded).toBe(1);
    expect(incode.logins).toBe(1);
    expect(incode.scores).toEqual([{ interviewId: PASS.interviewId, token: 'admin-token-1' }]);
  });

  it('while it waits, the outbox holds it: nothing is due until the score came', async () => {
    let release: (() => void) | undefined;
    const gate = new Promise<void>((resolve) => {
      release = resolve;
    });
    fakeIncode(async (): Promise<Answered> => {
      await gate;
      return 'score';
    });
    const h = await harness();
    await accepted(h, FACE, PASS_BODY);
    const id = await h.onlyEventId();
    expect(await statusOf(h, id)).toBe('enriching');
    expect((await h.due()).size).toBe(0);
    release?.();
    await until('the event to be forwarded', async () => (await statusOf(h, id)) === 'pending');
    expect((await h.due()).get(id)).toEqual(SCORED_PASS);
  });

  it('keeps the numbers it cannot read out: a score that is not a number in range invents none', async () => {
    fakeIncode(() =>
      HttpResponse.json({
        authentication: { overall: { value: 'N/A', status: 'OK' }, identityId: IDENTITY },
        liveness: { overall: { value: '180.5', status: 'UNKNOWN' } },
        overall: { value: '', status: 'OK' },
      }),
    );
    const h = await harness();
    await accepted(h, FACE, PASS_BODY);
    const id = await h.onlyEventId();
    await until('the event to be forwarded', async () => (await statusOf(h, id)) === 'pending');
    const body = (await h.due()).get(id);
    expect(body).toEqual(UNSCORED_PASS);
    expect(body).not.toHaveProperty('spoofConfidence');
    expect(body).not.toHaveProperty('overallScore');
    expect((await h.event(id)).enrichment?.state).toBe('scored');
  });
});

describe('while the Incode API fails', () => {
  it('a 500 with Incode’s error body keeps the event enriching, listed with the error, until the score comes', async () => {
    let failing = true;
    fakeIncode(() =>
      failing
        ? incodeError(500, 'Internal Server Error', 'Score service is down for maintenance')
        : 'score',
    );
    const h = await harness();
    await accepted(h, FACE, PASS_BODY);
    const id = await h.onlyEventId();
    await until('two failed calls', async () => {
      const event = await h.store.getEvent(id);
      return (event?.enrichment?.attempts ?? 0) >= 2;
    });

    const response = await h.admin('/admin/events?status=enriching');
    expect(response.status).toBe(200);
    const { events } = (await response.json()) as { events: EventSummary[] };
    expect(events.map((e) => e.id)).toEqual([id]);
    const [waiting] = events;
    expect(waiting?.status).toBe('enriching');
    expect(waiting?.enrichment?.state).toBe('waiting');
    expect(waiting?.enrichment?.attempts).toBeGreaterThanOrEqual(2);
    expect(waiting?.enrichment?.lastError).toContain('500');
    expect(waiting?.enrichment?.lastError).toContain('Score service is down for maintenance');
    expect(waiting?.enrichment?.deadline).toMatch(/^\d{4}-\d\d-\d\dT/);
    expect((await h.due()).size).toBe(0);
    expect(h.forwarded).toBe(0);

    failing = false;
    await until('the event to be forwarded', async () => (await statusOf(h, id)) === 'pending');
    expect((await h.due()).get(id)).toEqual(SCORED_PASS);
    const event = await h.event(id);
    expect(event.enrichment?.state).toBe('scored');
    expect(event.enrichment?.lastError).toBeNull();
    expect(event.enrichment?.attempts).toBeGreaterThanOrEqual(3);
    const listed = (await (await h.admin('/admin/events?status=enriching')).json()) as {
      events: unknown[];
    };
    expect(listed.events).toEqual([]);
  });

  it('a 404 (not retryable) forwards it at once without the numbers, enrichment unavailable', async () => {
    const incode = fakeIncode(() => incodeError(404, 'Not Found', 'Session not found'));
    const h = await harness();
    await accepted(h, FACE, PASS_BODY);
    const id = await h.onlyEventId();
    await until('the event to be forwarded', async () => (await statusOf(h, id)) === 'pending');
    expect(incode.scores).toHaveLength(1);

    const event = await h.event(id);
    expect(event.enrichment).toMatchObject({ state: 'unavailable', attempts: 1 });
    expect(event.enrichment?.lastError).toContain('404');
    expect(event.enrichment?.lastError).toContain('Session not found');
    expect(event.normalized).toMatchObject({
      enrichment: { state: 'unavailable', scoreStatus: null },
      overallScore: null,
      recognition: { confidence: null },
      spoof: { confidence: null },
    });
    const body = (await h.due()).get(id);
    expect(body).toEqual(UNSCORED_PASS);
  });

  it.each([
    ['unreachable (network error)', () => HttpResponse.error(), /network error|connect/i],
    [
      'too slow (timeout)',
      async (): Promise<Answered> => {
        await delay(1_000);
        return 'score';
      },
      /timed out after 100 ms/,
    ],
    [
      'busy (503 with the error body)',
      () => incodeError(503, 'Service Unavailable', 'Try again later'),
      /503.*Try again later/,
    ],
  ])(
    '%s until ENRICH_MAX_WAIT: forwarded without the numbers, none invented',
    async (_name, answer, error) => {
      const incode = fakeIncode(answer);
      const h = await harness({ maxWait: '500ms', timeoutMs: 100 });
      await accepted(h, FACE, PASS_BODY);
      const id = await h.onlyEventId();
      let waiting: EventSummary | undefined;
      await until('a failed call while the event waits', async () => {
        const event = await h.store.getEvent(id);
        if (event?.status === 'enriching' && event.enrichment?.attempts) waiting = event;
        return waiting !== undefined || event?.status !== 'enriching';
      });
      expect(waiting?.enrichment?.state).toBe('waiting');
      expect(waiting?.enrichment?.lastError).toMatch(error);

      await until('the event to be forwarded', async () => (await statusOf(h, id)) === 'pending');
      const event = await h.event(id);
      expect(Date.parse(event.receivedAt) + 500).toBeLessThanOrEqual(Date.now());
      expect(event.enrichment?.state).toBe('unavailable');
      expect(event.enrichment?.lastError).toContain('ENRICH_MAX_WAIT');
      expect(event.normalized).toMatchObject({
        enrichment: { state: 'unavailable', scoreStatus: null },
      });
      const body = (await h.due()).get(id) as Record<string, unknown>;
      expect(body).toEqual(UNSCORED_PASS);
      expect(body).not.toHaveProperty('spoofConfidence');
      expect(body).not.toHaveProperty('overallScore');
      expect(body.recognitionConfidence).toEqual({});
      expect(incode.scores.length).toBeGreaterThanOrEqual(1);
      const metric = await h.metrics.enrichment.get();
      const unavailable = metric.values.find((v) => v.labels.outcome === 'unavailable');
      expect(unavailable?.value).toBe(1);
    },
  );

  it('a FAIL forwarded without the numbers keeps the legacy overallScore 0 and no confidences', async () => {
    fakeIncode(() => HttpResponse.error());
    const h = await harness({ maxWait: '200ms' });
    const fail = readFixtureBytes('workflows/fail-spoof-detected.json');
    await accepted(h, FACE, fail);
    const id = await h.onlyEventId();
    await until('the event to be forwarded', async () => (await statusOf(h, id)) === 'pending');
    const body = (await h.due()).get(id);
    expect(body).toEqual(readExpected('workflows', 'fail-spoof-detected').legacy);
    expect(body).not.toHaveProperty('spoofConfidence');
  });
});

describe('the admin token', () => {
  it('a 401 for a stale token: one new log-in, then the score', async () => {
    const incode = fakeIncode();
    const h = await harness();
    await accepted(h, FACE, faceAuth('interview-1'));
    await until('the first event to be scored', async () => h.forwarded === 1);
    incode.revoke('admin-token-1');
    await accepted(h, FACE, faceAuth('interview-2'));
    await until('the second event to be scored', async () => h.forwarded === 2);

    expect(incode.logins).toBe(2);
    expect(incode.scores).toEqual([
      { interviewId: 'interview-1', token: 'admin-token-1' },
      { interviewId: 'interview-2', token: 'admin-token-1' },
      { interviewId: 'interview-2', token: 'admin-token-2' },
    ]);
    const due = await h.due();
    expect(due.size).toBe(1); // one customer: the second waits for the first's delivery
    const { items } = await h.store.listEvents({ limit: 10 });
    for (const item of items) {
      expect(item.status).toBe('pending');
      expect(item.enrichment).toMatchObject({ state: 'scored', attempts: 1, lastError: null });
    }
  });

  it('a fresh token refused too (wrong API key): forwarded without the numbers, not asked again', async () => {
    const incode = fakeIncode(() =>
      incodeError(401, 'Unauthorized', 'API key not valid for this token'),
    );
    const h = await harness();
    await accepted(h, FACE, PASS_BODY);
    const id = await h.onlyEventId();
    await until('the event to be forwarded', async () => (await statusOf(h, id)) === 'pending');
    expect(incode.logins).toBe(2);
    expect(incode.scores).toHaveLength(2);
    const event = await h.event(id);
    expect(event.enrichment?.state).toBe('unavailable');
    expect(event.enrichment?.lastError).toContain('401');
    expect((await h.due()).get(id)).toEqual(UNSCORED_PASS);
  });
});

describe('ONBOARDING_FINISHED', () => {
  it('score OK: forwarded as a PASS legacy body with the numbers and the identity as customer', async () => {
    fakeIncode();
    const h = await harness();
    await accepted(h, ONBOARDING, onboarding('onb-1'));
    const id = await h.onlyEventId();
    expect((await h.event(id)).status).toBe('enriching');
    await until('the event to be forwarded', async () => (await statusOf(h, id)) === 'pending');
    const event = await h.event(id);
    expect(event.event).toBe('ONBOARDING_FINISHED');
    expect(event.result).toMatchObject({
      status: 'PASS',
      customerId: IDENTITY,
      interviewId: 'onb-1',
    });
    // clientId and flowId: whether they pass through is the onboarding schema's business.
    const { clientId: _clientId, flowId: _flowId, ...body } = (await h.due()).get(id) ?? {};
    expect(body).toEqual({
      customerId: IDENTITY,
      interviewId: 'onb-1',
      faceMatch: true,
      spoofAttempt: false,
      hasFaceMask: false,
      hasLenses: false,
      spoofConfidence: 0,
      recognitionConfidence: { confidence: 0.892 },
      overallScore: 0.892,
      overallStatus: 'PASS',
      externalCustomerId: 'crm-000777',
    });
  });

  it('score FAIL with a failed liveness: a FAIL legacy body, spoof error, real numbers', async () => {
    fakeIncode(() =>
      HttpResponse.json({
        authentication: { overall: { value: '12.5', status: 'FAIL' }, identityId: IDENTITY },
        liveness: { overall: { value: '3.0', status: 'FAIL' } },
        overall: { value: '7.0', status: 'FAIL' },
      }),
    );
    const h = await harness();
    await accepted(h, ONBOARDING, onboarding('onb-2'));
    const id = await h.onlyEventId();
    await until('the event to be forwarded', async () => (await statusOf(h, id)) === 'pending');
    const body = (await h.due()).get(id);
    expect(body).toMatchObject({
      customerId: IDENTITY,
      faceMatch: false,
      spoofAttempt: true,
      spoofConfidence: 0.97,
      recognitionConfidence: { confidence: 0.125 },
      overallScore: 0.125,
      overallStatus: 'FAIL',
      error: 'Spoof attempt detected',
      errorCode: 4005,
    });
    expect((await h.event(id)).result.reason).toBe('SPOOF_DETECTED');
  });

  it('score MANUAL_PENDING: informational, nothing forwarded', async () => {
    fakeIncode(() =>
      HttpResponse.json({ ...SCORE, overall: { value: '50.0', status: 'MANUAL_PENDING' } }),
    );
    const h = await harness();
    await accepted(h, ONBOARDING, onboarding('onb-3'));
    const id = await h.onlyEventId();
    await until('the event to be settled', async () => (await statusOf(h, id)) === 'informational');
    const event = await h.event(id);
    expect(event.note).toContain('MANUAL_PENDING');
    expect(event.enrichment?.state).toBe('scored');
    expect(event.result.status).toBeNull();
    expect((await h.due()).size).toBe(0);
  });

  it('no score until the deadline: dead, saying why; a replay asks again and forwards it', async () => {
    let down = true;
    fakeIncode(() =>
      down ? incodeError(503, 'Service Unavailable', 'Maintenance window') : 'score',
    );
    const h = await harness({ maxWait: '400ms' });
    await accepted(h, ONBOARDING, onboarding('onb-4'));
    const id = await h.onlyEventId();
    await until('the event to be dead', async () => (await statusOf(h, id)) === 'dead');
    const dead = await h.event(id);
    expect(dead.lastError).toMatch(/no outcome/);
    expect(dead.lastError).toContain('ONBOARDING_FINISHED');
    expect(dead.enrichment?.state).toBe('unavailable');
    expect(dead.result.status).toBeNull();
    expect((await h.due()).size).toBe(0);

    down = false;
    const replay = await h.admin(`/admin/events/${id}/replay`, 'POST');
    expect(replay.status).toBe(200);
    expect(await replay.json()).toEqual({ success: true, eventId: id, status: 'enriching' });
    await until('the event to be forwarded', async () => (await statusOf(h, id)) === 'pending');
    const event = await h.event(id);
    expect(event.enrichment?.state).toBe('scored');
    expect(event.lastError).toBeNull();
    expect((await h.due()).get(id)).toMatchObject({
      customerId: IDENTITY,
      interviewId: 'onb-4',
      overallStatus: 'PASS',
      overallScore: 0.892,
      spoofConfidence: 0,
      recognitionConfidence: { confidence: 0.892 },
    });
  });

  it("dead without a score: its login's waiting legacy report is released at once, and the delivery worker is woken for it", async () => {
    fakeIncode(() => incodeError(503, 'Service Unavailable', 'Maintenance window'));
    const h = await harness({ maxWait: '400ms' });
    const legacy = {
      ...(readFixtureJson('legacy/success.json') as Record<string, unknown>),
      customerId: IDENTITY,
      interviewId: 'onb-7',
    };
    // Under FORWARD_SOURCE=workflows the legacy report waits (SHADOW_FALLBACK_AFTER, 10 s) for
    // its login's Workflows report, which waits for a score that never comes.
    await accepted(h, LEGACY, JSON.stringify(legacy));
    await accepted(h, ONBOARDING, onboarding('onb-7'));
    const { items } = await h.store.listEvents({ limit: 10 });
    const onb = items.find((e) => e.source === 'workflows');
    const old = items.find((e) => e.source === 'legacy');
    expect(await statusOf(h, old?.id as string)).toBe('shadowed');
    const wakesBefore = h.forwarded;
    await until(
      'the onboarding to be dead',
      async () => (await statusOf(h, onb?.id as string)) === 'dead',
    );
    // Released in the dead event's transaction, long before its own fallback time ...
    expect(await statusOf(h, old?.id as string)).toBe('pending');
    expect([...(await h.due()).keys()]).toEqual([old?.id]);
    // ... and the delivery worker told, rather than left to its next poll.
    expect(h.forwarded).toBeGreaterThan(wakesBefore);
  });

  it('another onboarding status is informational and never asks Incode', async () => {
    const incode = fakeIncode();
    const h = await harness();
    await accepted(h, ONBOARDING, onboarding('onb-5', 'ID_VALIDATION_FINISHED'));
    const id = await h.onlyEventId();
    // Stored as informational, not waiting for a score: the worker reads only waiting events.
    expect(await h.event(id)).toMatchObject({ status: 'informational', enrichment: null });
    await aTurnLater(h);
    expect(incode.scores).toEqual([]);
  });
});

describe('sessions and one authentication per interview', () => {
  it('a Session Succeeded alone is completed with the score and forwarded as a PASS', async () => {
    fakeIncode();
    const h = await harness();
    await accepted(h, SESSION, session('SESSION_SUCCEEDED', 'sess-1', { loginHint: 'hint-1' }));
    const id = await h.onlyEventId();
    await until('the event to be forwarded', async () => (await statusOf(h, id)) === 'pending');
    expect((await h.due()).get(id)).toMatchObject({
      customerId: PASS.customerId,
      interviewId: 'sess-1',
      overallStatus: 'PASS',
      faceMatch: true,
      overallScore: 0.892,
      recognitionConfidence: { confidence: 0.892 },
      spoofConfidence: 0,
    });
  });

  it('a Session Succeeded for an interview whose Face Authentication event is still waiting is superseded', async () => {
    let release: (() => void) | undefined;
    const gate = new Promise<void>((resolve) => {
      release = resolve;
    });
    const incode = fakeIncode(async (): Promise<Answered> => {
      await gate;
      return 'score';
    });
    const h = await harness();
    await accepted(h, FACE, PASS_BODY);
    await accepted(h, SESSION, session('SESSION_SUCCEEDED', PASS.interviewId as string));
    const { items } = await h.store.listEvents({ limit: 10 });
    const [sessionEvent, faceEvent] = items;
    expect(faceEvent?.status).toBe('enriching');
    expect(sessionEvent?.status).toBe('superseded');
    expect(sessionEvent?.note).toContain(faceEvent?.id);
    release?.();
    await until('the face event to be forwarded', async () => h.forwarded === 1);
    // The session event stays superseded (never forwarded), also after the worker's next turn.
    await aTurnLater(h);
    expect(await statusOf(h, sessionEvent?.id as string)).toBe('superseded');
    const due = await h.due();
    expect([...due.keys()]).toEqual([faceEvent?.id]);
    expect(incode.scores.map((s) => s.interviewId)).toEqual([PASS.interviewId]);
    expect(h.forwarded).toBe(1);
  });

  it('a Face Authentication event arriving while ONBOARDING_FINISHED waits for its score is forwarded, even when the score gives no outcome', async () => {
    // Incode retries a Face Authentication webhook (30 s, x2.5): it can arrive after the
    // session's ONBOARDING_FINISHED, which has no outcome until its score comes.
    let release: (() => void) | undefined;
    const gate = new Promise<void>((resolve) => {
      release = resolve;
    });
    fakeIncode(async (interviewId): Promise<Answered> => {
      await gate;
      return interviewId === PASS.interviewId
        ? HttpResponse.json({ ...SCORE, overall: { value: '50.0', status: 'MANUAL_PENDING' } })
        : 'score';
    });
    const h = await harness();
    await accepted(h, ONBOARDING, onboarding(PASS.interviewId as string));
    await accepted(h, FACE, PASS_BODY);
    const { items } = await h.store.listEvents({ limit: 10 });
    const [face, onb] = items;
    expect(face?.status).toBe('enriching');
    release?.();
    await until('both to be settled', async () => {
      const statuses = [
        await statusOf(h, face?.id as string),
        await statusOf(h, onb?.id as string),
      ];
      return !statuses.includes('enriching');
    });
    expect(await statusOf(h, onb?.id as string)).toBe('informational');
    expect(await statusOf(h, face?.id as string)).toBe('pending');
    // The authentication's own PASS, with the numbers: one callback for it, not none.
    const due = await h.due();
    expect([...due.keys()]).toEqual([face?.id]);
    expect(due.get(face?.id as string)).toEqual(SCORED_PASS);
  });

  it('ONBOARDING_FINISHED scored after a Face Authentication event of its interview arrived is superseded: one callback', async () => {
    let release: (() => void) | undefined;
    const gate = new Promise<void>((resolve) => {
      release = resolve;
    });
    const incode = fakeIncode(async (): Promise<Answered> => {
      await gate;
      return 'score';
    });
    const h = await harness();
    await accepted(h, ONBOARDING, onboarding(PASS.interviewId as string));
    await accepted(h, FACE, PASS_BODY);
    const { items } = await h.store.listEvents({ limit: 10 });
    const [face, onb] = items;
    release?.();
    await until('both to be settled', async () => {
      const statuses = [
        await statusOf(h, face?.id as string),
        await statusOf(h, onb?.id as string),
      ];
      return !statuses.includes('enriching');
    });
    expect(await statusOf(h, face?.id as string)).toBe('pending');
    const onboardingEvent = await h.event(onb?.id as string);
    expect(onboardingEvent.status).toBe('superseded');
    expect(onboardingEvent.note).toContain(face?.id);
    expect([...(await h.due()).keys()]).toEqual([face?.id]);
    expect(incode.scores).toHaveLength(2);
  });
});

describe('per-customer order', () => {
  it('a later legacy event of the customer is not claimable while an earlier one waits for its score', async () => {
    let release: (() => void) | undefined;
    const gate = new Promise<void>((resolve) => {
      release = resolve;
    });
    fakeIncode(async (): Promise<Answered> => {
      await gate;
      return 'score';
    });
    const h = await harness({ forwardSource: 'both' });
    await accepted(h, FACE, PASS_BODY);
    const legacy = JSON.stringify({
      ...(readFixtureJson('legacy/success.json') as Record<string, unknown>),
      customerId: PASS.customerId,
    });
    await accepted(h, LEGACY, legacy);
    const { items } = await h.store.listEvents({ limit: 10 });
    const [b, a] = items;
    expect(a?.status).toBe('enriching');
    expect(b?.status).toBe('pending');
    expect(await h.store.claimDue(Date.now(), 10, 60_000)).toEqual([]);

    release?.();
    await until(
      'A to be forwarded',
      async () => (await statusOf(h, a?.id as string)) === 'pending',
    );
    const first = await h.store.claimDue(Date.now(), 10, 60_000);
    expect(first.map((item) => item.eventId)).toEqual([a?.id]);
    await h.store.recordDelivered(a?.id as string, {
      at: Date.now(),
      durationMs: 1,
      statusCode: 200,
      error: null,
    });
    const second = await h.store.claimDue(Date.now(), 10, 60_000);
    expect(second.map((item) => item.eventId)).toEqual([b?.id]);
  });

  it('a later Face Authentication event of the customer scored first still waits for the earlier one', async () => {
    let aFails = true;
    fakeIncode((interviewId) =>
      interviewId === 'interview-a' && aFails
        ? incodeError(500, 'Internal Server Error', 'Score not ready')
        : 'score',
    );
    const h = await harness();
    await accepted(h, FACE, faceAuth('interview-a'));
    await accepted(h, FACE, faceAuth('interview-b'));
    const { items } = await h.store.listEvents({ limit: 10 });
    const [b, a] = items;
    await until('B to be scored', async () => (await statusOf(h, b?.id as string)) === 'pending');
    expect(await statusOf(h, a?.id as string)).toBe('enriching');
    expect(await h.store.claimDue(Date.now(), 10, 60_000)).toEqual([]);

    aFails = false;
    await until('A to be scored', async () => (await statusOf(h, a?.id as string)) === 'pending');
    const first = await h.store.claimDue(Date.now(), 10, 60_000);
    expect(first.map((item) => item.eventId)).toEqual([a?.id]);
  });
});

describe('without the Incode API', () => {
  const notConfigured: ScoreSource = {
    getScore: async () => ({
      ok: false,
      retryable: false,
      error: 'the Incode API is not configured (INCODE_API_URL)',
    }),
  };

  it('a worker whose ScoreSource is "not configured" forwards leftover events without the numbers', async () => {
    // A run with the API stored them waiting...
    fakeIncode();
    const before = await harness({ start: false });
    await accepted(before, FACE, PASS_BODY);
    await accepted(before, ONBOARDING, onboarding('onb-left'));
    const { items } = await before.store.listEvents({ limit: 10 });
    const [onb, face] = items;
    expect(face?.status).toBe('enriching');
    expect(onb?.status).toBe('enriching');

    // ...and this worker, as service.ts builds it without INCODE_API_URL, settles them.
    const worker = createEnrichWorker({
      store: before.store,
      scores: notConfigured,
      mappings,
      forwardFormat: 'legacy',
      compareWindowMs: 300_000,
      leaseMs: 10_000,
      pollIntervalMs: 25,
      logger: createLogger({ level: 'silent' }),
      metrics: before.metrics,
      onForward: () => undefined,
    });
    cleanups.push(() => worker.stop(500));
    await worker.start();
    await until(
      'the face event to be forwarded',
      async () => (await statusOf(before, face?.id as string)) === 'pending',
    );
    await until(
      'the onboarding event to be settled',
      async () => (await statusOf(before, onb?.id as string)) === 'dead',
    );
    const event = await before.event(face?.id as string);
    expect(event.enrichment?.state).toBe('unavailable');
    expect(event.enrichment?.lastError).toContain('INCODE_API_URL');
    expect((await before.due()).get(face?.id as string)).toEqual(UNSCORED_PASS);
  });

  it('an app without INCODE_API_URL forwards at once and stores ONBOARDING_FINISHED as informational', async () => {
    const h = await harness({ noApi: true, scores: notConfigured });
    await accepted(h, FACE, PASS_BODY);
    await accepted(h, ONBOARDING, onboarding('onb-no-api'));
    const { items } = await h.store.listEvents({ limit: 10 });
    const [onb, face] = items;
    expect(face?.status).toBe('pending');
    expect(face?.enrichment).toBeNull();
    expect(onb?.status).toBe('informational');
    expect(onb?.note).toContain('INCODE_API_URL');
    expect((await h.due()).get(face?.id as string)).toEqual(UNSCORED_PASS);
  });
});

// Known bugs: each test states what should happen and fails until src/ is fixed.
describe('known bugs', () => {
  it('a second replay of a dead ONBOARDING_FINISHED waits ENRICH_MAX_WAIT again, not longer', async () => {
    fakeIncode(() => incodeError(503, 'Service Unavailable', 'Maintenance window'));
    const h = await harness({ maxWait: '200ms' });
    await accepted(h, ONBOARDING, onboarding('onb-twice'));
    const id = await h.onlyEventId();
    const waits: number[] = [];
    for (let replay = 0; replay < 2; replay++) {
      await until('the event to be dead', async () => (await statusOf(h, id)) === 'dead');
      await new Promise((resolve) => setTimeout(resolve, 400));
      const at = Date.now();
      const response = await h.admin(`/admin/events/${id}/replay`, 'POST');
      expect(await response.json()).toMatchObject({ status: 'enriching' });
      const deadline = (await h.event(id)).enrichment?.deadline;
      waits.push(Date.parse(deadline as string) - at);
    }
    // Each replay waits as long as the first wait (200 ms); the second waits ~200 ms plus the
    // time between the event's arrival and the first replay.
    for (const wait of waits) expect(wait).toBeLessThanOrEqual(250);
  });

  it('enrichment.attempts counts the calls made to the Incode API, not the deadline passing', async () => {
    const incode = fakeIncode(() => incodeError(503, 'Service Unavailable', 'Try again later'));
    // The first retry would come after the deadline: exactly one call is made.
    const h = await harness({ maxWait: '150ms', retryBaseMs: 10_000 });
    await accepted(h, FACE, PASS_BODY);
    const id = await h.onlyEventId();
    await until('the event to be forwarded', async () => (await statusOf(h, id)) === 'pending');
    expect(incode.scores).toHaveLength(1);
    expect((await h.event(id)).enrichment?.attempts).toBe(1);
  });
});
