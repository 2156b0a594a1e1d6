import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { describe, expect, it } from 'vitest';
import { createApp } from '../../src/app.js';
import { DEFAULT_RETRY_SCHEDULE, loadConfig } from '../../src/config/config.js';
import { loadForwardSource } from '../../src/cutover/switch.js';
import { loadMappings } from '../../src/normalize/load-mappings.js';
import { createLogger } from '../../src/ops/logger.js';
import { createMetrics } from '../../src/ops/metrics.js';
import { SqliteStore } from '../../src/store/sqlite/sqlite-store.js';
import type { EventStatus } from '../../src/store/store.js';
import { ADMIN_TOKEN, INBOUND, makeTestApp, type TestApp } from '../helpers/test-app.js';

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

  it.each(['bearer', 'BEARER', 'BeArEr'])(
    'accepts the scheme spelled %s (RFC 7235: case-insensitive), as the webhook routes do',
    async (scheme) => {
      const t = await makeTestApp();
      const response = await t.app.request('/admin/events', {
        headers: { authorization: `${scheme} ${ADMIN_TOKEN}` },
      });
      expect(response.status).toBe(200);
      expect(await response.json()).toEqual({ events: [], next: null });
      const wrong = await t.app.request('/admin/events', {
        headers: { authorization: `${scheme} ${ADMIN_TOKEN}x` },
      });
      expect(wrong.status).toBe(401);
    },
  );

  it.each([
    ['Basic', `Basic ${ADMIN_TOKEN}`],
    ['no space', `Bearer${ADMIN_TOKEN}`],
    ['the token alone', ADMIN_TOKEN],
  ])('401 for the right token with %s', async (_name, authorization) => {
    const t = await makeTestApp();
    expect((await t.app.request('/admin/events', { headers: { authorization } })).status).toBe(401);
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

describe('admin API: replay, forward-source switch, config', () => {
  type Json = Record<string, unknown>;

  async function send(
    t: TestApp,
    method: 'POST' | 'PUT',
    path: string,
    body?: string,
    contentType = 'application/json',
  ): Promise<Response> {
    return t.app.request(path, {
      method,
      headers: {
        authorization: `Bearer ${ADMIN_TOKEN}`,
        ...(body === undefined ? {} : { 'content-type': contentType }),
      },
      ...(body === undefined ? {} : { body }),
    });
  }

  async function eventIds(t: TestApp, status: EventStatus): Promise<string[]> {
    const { items } = await t.store.listEvents({ limit: 100, status });
    return items.map((e) => e.id);
  }

  it('shows a shadowed event with the legacy body the callback would get after a switch', async () => {
    const t = await makeTestApp({ forwardSource: 'legacy' });
    const body = JSON.stringify({ interviewId: 'i1', customerId: 'c9', overallStatus: 'PASS' });
    await t.post(WORKFLOWS, body);
    const [id] = await eventIds(t, 'shadowed');
    const event = (await (await t.admin(`/admin/events/${id}`)).json()) as {
      status: string;
      body: string;
      callback: { format: string; body: string };
    };
    expect(event.status).toBe('shadowed');
    expect(event.body).toBe(body);
    expect(event.callback.format).toBe('legacy');
    expect(JSON.parse(event.callback.body)).toMatchObject({
      customerId: 'c9',
      interviewId: 'i1',
      overallStatus: 'PASS',
    });
  });

  it('shows a forwarded legacy event with the body the callback gets: its own bytes', async () => {
    const t = await makeTestApp({ forwardSource: 'legacy' });
    await t.post(LEGACY, pass('c1'));
    const [id] = await eventIds(t, 'pending');
    const event = (await (await t.admin(`/admin/events/${id}`)).json()) as {
      body: string;
      callback: { format: string; body: string };
    };
    expect(event.callback).toEqual({ format: 'legacy', body: event.body });
  });

  /** Posts a legacy event and lets its only delivery attempt fail for good. */
  async function deadEvent(t: TestApp, customerId: string): Promise<string> {
    expect((await t.post(LEGACY, pass(customerId))).status).toBe(200);
    const [id] = await eventIds(t, 'pending');
    if (!id) throw new Error('no pending event');
    const items = await t.store.claimDue(Date.now() + 1000, 10, 60_000);
    expect(items.map((i) => i.eventId)).toEqual([id]);
    await t.store.recordFailed(
      id,
      { at: Date.now(), durationMs: 5, statusCode: 410, error: null },
      'dead',
    );
    return id;
  }

  it('POST /admin/events/:id/replay puts a dead event back in the outbox with its id', async () => {
    const t = await makeTestApp();
    const id = await deadEvent(t, 'c1');
    const wakes = t.wakes;
    const response = await send(t, 'POST', `/admin/events/${id}/replay`);
    expect(response.status).toBe(200);
    expect(await response.json()).toEqual({ success: true, eventId: id, status: 'pending' });
    expect(t.wakes).toBe(wakes + 1);
    const detail = (await (await t.admin(`/admin/events/${id}`)).json()) as Json;
    expect(detail).toMatchObject({ id, status: 'pending' });
    expect(detail.attemptHistory).toEqual([expect.objectContaining({ statusCode: 410 })]);
    const items = await t.store.claimDue(Date.now() + 1000, 10, 60_000);
    expect(items.map((i) => i.eventId)).toEqual([id]);
    expect(Buffer.from(items[0]?.body ?? []).toString()).toBe(pass('c1'));
  });

  it('replaying one event: 404 when unknown, 409 when pending or shadowed', async () => {
    const t = await makeTestApp({ forwardSource: 'legacy' });
    const unknown = await send(t, 'POST', '/admin/events/no-such-event/replay');
    expect(unknown.status).toBe(404);
    expect(await unknown.json()).toMatchObject({ success: false, error: { code: 'not_found' } });

    await t.post(LEGACY, pass('c1'));
    const [pending] = await eventIds(t, 'pending');
    const conflict = await send(t, 'POST', `/admin/events/${pending}/replay`);
    expect(conflict.status).toBe(409);
    expect(await conflict.json()).toMatchObject({ success: false, error: { code: 'conflict' } });

    await t.post(
      WORKFLOWS,
      JSON.stringify({ interviewId: 'i1', customerId: 'c2', overallStatus: 'PASS' }),
    );
    const [shadowed] = await eventIds(t, 'shadowed');
    const notForwarded = await send(t, 'POST', `/admin/events/${shadowed}/replay`);
    expect(notForwarded.status).toBe(409);
    expect(await notForwarded.json()).toMatchObject({
      success: false,
      error: { code: 'conflict', message: expect.stringContaining('shadowed') },
    });
    expect((await t.store.getEvent(shadowed as string))?.status).toBe('shadowed');
  });

  it('POST /admin/replay?status=dead replays every dead event', async () => {
    const t = await makeTestApp();
    const first = await deadEvent(t, 'c1');
    const second = await deadEvent(t, 'c2');
    await t.post(LEGACY, pass('c3'));
    const response = await send(t, 'POST', '/admin/replay?status=dead');
    expect(response.status).toBe(200);
    expect(await response.json()).toEqual({ success: true, replayed: 2 });
    expect(await t.store.countByStatus()).toMatchObject({ dead: 0, pending: 3 });
    const items = await t.store.claimDue(Date.now() + 1000, 10, 60_000);
    expect(items.map((i) => i.eventId)).toEqual(expect.arrayContaining([first, second]));

    const none = await send(t, 'POST', '/admin/replay?status=dead');
    expect(await none.json()).toEqual({ success: true, replayed: 0 });
  });

  it.each(['/admin/replay?status=pending', '/admin/replay?status=shadowed', '/admin/replay'])(
    'POST %s is refused with 400',
    async (path) => {
      const t = await makeTestApp();
      const response = await send(t, 'POST', path);
      expect(response.status).toBe(400);
      expect(await response.json()).toMatchObject({
        success: false,
        error: { code: 'invalid_query', message: expect.stringContaining('status') },
      });
    },
  );

  it('replay routes need the admin token', async () => {
    const t = await makeTestApp();
    const id = await deadEvent(t, 'c1');
    const one = await t.app.request(`/admin/events/${id}/replay`, { method: 'POST' });
    expect(one.status).toBe(401);
    const all = await t.app.request('/admin/replay?status=dead', { method: 'POST' });
    expect(all.status).toBe(401);
    const put = await t.app.request('/admin/forward-source', {
      method: 'PUT',
      headers: { 'content-type': 'application/json' },
      body: '{"source":"workflows"}',
    });
    expect(put.status).toBe(401);
    expect((await t.store.getEvent(id))?.status).toBe('dead');
    expect(await t.store.getSetting('forward_source')).toBeUndefined();
  });

  it('PUT /admin/forward-source switches what new events do, and the switch is stored', async () => {
    const t = await makeTestApp({ forwardSource: 'legacy' });
    const workflowsBody = (interviewId: string) =>
      JSON.stringify({ interviewId, customerId: 'c1', overallStatus: 'PASS' });
    await t.post(WORKFLOWS, workflowsBody('before'));
    expect(await t.store.countByStatus()).toMatchObject({ shadowed: 1, pending: 0 });

    const response = await send(t, 'PUT', '/admin/forward-source', '{"source":"workflows"}');
    expect(response.status).toBe(200);
    expect(await response.json()).toMatchObject({
      success: true,
      source: 'workflows',
      previous: 'legacy',
      status: { source: 'workflows', share: '100%', plan: null },
    });

    await t.post(WORKFLOWS, workflowsBody('after'));
    await t.post(LEGACY, pass('c1'));
    const { items } = await t.store.listEvents({ limit: 10 });
    expect(items.map((e) => [e.source, e.status])).toEqual([
      ['legacy', 'shadowed'],
      ['workflows', 'pending'],
      ['workflows', 'shadowed'],
    ]);

    const stored = await t.store.getSetting('forward_source');
    expect(stored?.value).toBe('workflows');
    const restarted = await loadForwardSource(
      t.store,
      { value: 'legacy', explicit: false },
      createLogger({ level: 'silent' }),
    );
    expect(restarted.get()).toBe('workflows');
    expect(restarted.origin()).toMatchObject({ from: 'switch' });

    const again = await send(t, 'PUT', '/admin/forward-source', '{"source":"both"}');
    expect(await again.json()).toMatchObject({
      success: true,
      source: 'both',
      previous: 'workflows',
    });
  });

  it.each([
    ['an unknown source', '{"source":"new"}'],
    ['no source', '{}'],
    ['an extra field', '{"source":"workflows","force":true}'],
    ['a source that is not a string', '{"source":1}'],
    ['an array', '["workflows"]'],
  ])('PUT /admin/forward-source refuses %s with 422 and changes nothing', async (_name, body) => {
    const t = await makeTestApp({ forwardSource: 'legacy' });
    const response = await send(t, 'PUT', '/admin/forward-source', body);
    expect(response.status).toBe(422);
    expect(await response.json()).toMatchObject({
      success: false,
      error: { code: 'invalid_payload' },
    });
    expect(await t.store.getSetting('forward_source')).toBeUndefined();
  });

  it('PUT /admin/forward-source refuses a body over 8 KiB with 413, unread', async () => {
    const t = await makeTestApp({ forwardSource: 'legacy' });
    const body = JSON.stringify({ source: 'workflows', pad: 'x'.repeat(10_000) });
    const response = await send(t, 'PUT', '/admin/forward-source', body);
    expect(response.status).toBe(413);
    expect(await response.json()).toMatchObject({ error: { code: 'payload_too_large' } });
    expect(await t.store.getSetting('forward_source')).toBeUndefined();
  });

  it('PUT /admin/forward-source refuses a body that is not JSON with 400', async () => {
    const t = await makeTestApp({ forwardSource: 'legacy' });
    const response = await send(t, 'PUT', '/admin/forward-source', 'source=workflows');
    expect(response.status).toBe(400);
    expect(await response.json()).toMatchObject({
      success: false,
      error: { code: 'invalid_json' },
    });
    expect(await t.store.getSetting('forward_source')).toBeUndefined();
  });

  it('GET /admin/config shows the settings in force with every secret masked', async () => {
    const secrets = {
      header: 'callback-header-secret-1',
      apiKey: 'callback-api-key-secret-2',
      urlToken: 'url-query-secret-3',
      urlSig: 'url-query-secret-4',
    };
    const t = await makeTestApp({
      callbackUrl: `https://client.example/hook?token=${secrets.urlToken}&sig=${secrets.urlSig}`,
      callbackHeaders: { authorization: `Bearer ${secrets.header}`, 'x-api-key': secrets.apiKey },
      retryScheduleMs: [5_000, 30_000, 120_000],
      forwardFormat: 'normalized',
    });
    await send(t, 'PUT', '/admin/forward-source', '{"source":"both"}');
    const response = await t.admin('/admin/config');
    expect(response.status).toBe(200);
    const raw = await response.text();
    for (const secret of [INBOUND.value, ADMIN_TOKEN, ...Object.values(secrets)]) {
      expect(raw).not.toContain(secret);
    }
    const config = JSON.parse(raw) as Json;
    expect(config).toMatchObject({
      forwardFormat: 'normalized',
      deliveryRetrySchedule: '5s,30s,2m',
      forwardSource: { value: 'both', from: 'switch' },
      inboundAuth: { header: { name: INBOUND.name }, none: false },
      callbackHeaders: { authorization: expect.any(String), 'x-api-key': expect.any(String) },
    });
    expect(config.callbackUrl).toBe('https://client.example/********?token=********&sig=********');
    expect(config.adminToken).toEqual(expect.any(String));
  });

  it('GET /admin/config masks every URL setting alike: path, query values, user info; and the Incode login', async () => {
    const secrets = {
      callbackPath: 'T0KEN123-callback-path',
      callbackQuery: 'callback-query-secret',
      bareParameter: 'bare-parameter-secret',
      tokenPath: 'token-url-path-secret',
      tokenQuery: 'token-url-query-secret',
      tokenUser: 'token-url-user',
      tokenPassword: 'token-url-password',
      incodePath: 'incode-tenant-path-secret',
      email: 'ops-admin@client.example',
      password: 'incode-password-secret',
      fragment: 'fragment-secret',
    };
    const t = await makeTestApp({
      callbackUrl: `https://hooks.example.com:8443/${secrets.callbackPath}/callback?token=${secrets.callbackQuery}&${secrets.bareParameter}#${secrets.fragment}`,
      callbackOAuth: {
        tokenUrl: `https://${secrets.tokenUser}:${secrets.tokenPassword}@auth.example.com/oauth2/${secrets.tokenPath}/token?audience=${secrets.tokenQuery}`,
        clientId: 'shim-client',
        clientSecret: 'callback-client-secret-0123',
        authMethod: 'client_secret_post',
      },
      incodeApi: {
        url: `https://demo-api.incodesmile.com/${secrets.incodePath}`,
        apiKey: 'incode-api-key-secret',
        auth: { email: secrets.email, password: secrets.password },
        timeoutMs: 10_000,
      },
    });
    const response = await t.admin('/admin/config');
    expect(response.status).toBe(200);
    const raw = await response.text();
    for (const secret of Object.values(secrets)) expect(raw).not.toContain(secret);
    const config = JSON.parse(raw) as Json;
    expect(config.callbackUrl).toBe(
      'https://hooks.example.com:8443/********?token=********&********#********',
    );
    expect(config.callbackOAuth).toEqual({
      tokenUrl: 'https://********@auth.example.com/********?audience=********',
      clientId: 'shim-client',
      clientSecret: '********',
      authMethod: 'client_secret_post',
    });
    expect(config.incodeApi).toMatchObject({
      url: 'https://demo-api.incodesmile.com/********',
      apiKey: '********',
      auth: { email: '********', password: '********' },
    });
  });

  it('GET /admin/config shows a URL without path or query as is', async () => {
    const t = await makeTestApp({
      callbackUrl: 'http://127.0.0.1:9/',
      incodeApi: {
        url: 'https://demo-api.incodesmile.com',
        apiKey: 'incode-api-key-secret',
        auth: { token: 'incode-admin-token-secret' },
        timeoutMs: 10_000,
      },
    });
    const config = (await (await t.admin('/admin/config')).json()) as Json;
    expect(config.callbackUrl).toBe('http://127.0.0.1:9/');
    expect(config.incodeApi).toMatchObject({
      url: 'https://demo-api.incodesmile.com/',
      auth: { adminToken: '********' },
    });
  });

  it('GET /admin/config shows the default retry schedule and the environment source', async () => {
    const t = await makeTestApp({ forwardSource: 'legacy' });
    const config = (await (await t.admin('/admin/config')).json()) as Json;
    expect(config).toMatchObject({
      forwardFormat: 'legacy',
      deliveryRetrySchedule: DEFAULT_RETRY_SCHEDULE,
      forwardSource: { value: 'legacy', from: 'environment' },
    });
  });
});

describe('admin API: a store that cannot work', () => {
  it('answers 503 unavailable (the error body of the contract), not a 500', async () => {
    const t = await makeTestApp();
    await t.store.close();
    const response = await t.admin('/admin/events');
    expect(response.status).toBe(503);
    expect(await response.json()).toEqual({
      success: false,
      error: { code: 'unavailable', message: 'the store is unavailable; try again later' },
    });
  });
});

describe('webhook: a store that cannot write', () => {
  it('answers 503 unavailable and stores nothing while the database is locked', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'faceauth-locked-'));
    const path = join(dir, 'locked.db');
    const store = SqliteStore.open(path, { busyTimeoutMs: 50 });
    const locker = new Database(path);
    try {
      const config = loadConfig({
        CALLBACK_URL: 'http://127.0.0.1:9/callback',
        INBOUND_HEADER_NAME: INBOUND.name,
        INBOUND_HEADER_VALUE: INBOUND.value,
        ADMIN_TOKEN,
        DATABASE_URL: `sqlite:${path}`,
      });
      let wakes = 0;
      const app = createApp({
        config,
        store,
        mappings: await loadMappings(),
        logger: createLogger({ level: 'silent' }),
        metrics: createMetrics(store),
        onAccepted: () => {
          wakes++;
        },
      });
      locker.exec('BEGIN EXCLUSIVE');
      const response = await app.request(LEGACY, {
        method: 'POST',
        body: pass('c1'),
        headers: { 'content-type': 'application/json', [INBOUND.name]: INBOUND.value },
      });
      expect(response.status).toBe(503);
      expect(response.headers.get('content-type')).toMatch(/^application\/json/);
      expect(await response.json()).toMatchObject({
        success: false,
        error: { code: 'unavailable', message: expect.any(String) },
      });
      expect(wakes).toBe(0);
      locker.exec('ROLLBACK');
      expect(await store.countByStatus()).toMatchObject({
        pending: 0,
        delivered: 0,
        dead: 0,
        shadowed: 0,
      });
      expect(await store.claimDue(Date.now() + 1000, 10, 60_000)).toEqual([]);
    } finally {
      if (locker.inTransaction) locker.exec('ROLLBACK');
      locker.close();
      await store.close();
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
