import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { NormalizedResult } from '../../src/normalize/normalized-schema.js';
import type { SqliteStore } from '../../src/store/sqlite/sqlite-store.js';
import { INBOUND, makeTestApp } from '../helpers/test-app.js';

const LEGACY = '/webhooks/legacy/authentication';
const WORKFLOWS = '/webhooks/workflows/face-authentication';

const fixture = (name: string) => readFileSync(new URL(`../fixtures/${name}`, import.meta.url));
const legacySuccess = () => fixture('legacy/success.json');
const workflowsSpoof = JSON.stringify({
  interviewId: '6750aa0f1d2e3f4a5b6c7d8e',
  customerId: '67dda40e4089f4769f3ed2e6',
  overallStatus: 'FAIL',
  hint: '67dda40e4089f4769f3ed2e6',
  error: { name: 'SPOOF_DETECTED', message: 'Spoof attempt detected' },
});

async function errorOf(response: Response) {
  const body = (await response.json()) as {
    success: boolean;
    error: { code: string; message: string; issues?: unknown[] };
  };
  expect(body.success).toBe(false);
  expect(body.error.message.length).toBeGreaterThan(10);
  return body.error;
}

describe('accepted webhooks', () => {
  it('stores a legacy event with its outbox entry before answering 200, and forwards it byte for byte', async () => {
    // The store's write is held until released: no answer may come while it is held.
    let writeStarted!: () => void;
    const started = new Promise<void>((resolve) => {
      writeStarted = resolve;
    });
    let releaseWrite!: () => void;
    const released = new Promise<void>((resolve) => {
      releaseWrite = resolve;
    });
    const t = await makeTestApp(undefined, undefined, undefined, (store) => {
      const accept: SqliteStore['accept'] = async (...args) => {
        writeStarted();
        await released;
        return store.accept(...args);
      };
      // Every other method goes to the store itself.
      return new Proxy(store, {
        get(target, name) {
          if (name === 'accept') return accept;
          const value = Reflect.get(target, name, target);
          return typeof value === 'function' ? value.bind(target) : value;
        },
      });
    });
    const raw = legacySuccess();
    let answered = false;
    const pending = t.post(LEGACY, raw).then((response) => {
      answered = true;
      return response;
    });
    await started;
    // Several turns of the event loop, and some time: nothing answers while the write waits.
    for (let turn = 0; turn < 10; turn++) await new Promise((resolve) => setTimeout(resolve, 5));
    expect(answered).toBe(false);
    expect((await t.store.listEvents({ limit: 10 })).items).toEqual([]);

    releaseWrite();
    const response = await pending;
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toMatch(/^application\/json/);
    expect(await response.json()).toEqual({ success: true });
    expect(t.wakes).toBe(1);

    const [item] = await t.store.claimDue(Date.now(), 10, 60_000);
    expect(item?.source).toBe('legacy');
    expect(Buffer.from(item?.body ?? []).equals(raw)).toBe(true);
    const { items } = await t.store.listEvents({ limit: 10 });
    expect(items).toHaveLength(1);
    expect(items[0]).toMatchObject({
      source: 'legacy',
      status: 'pending',
      forwardFormat: 'legacy',
      result: { status: 'PASS', reason: null, customerId: '67460a9995516d9a553aa95b' },
    });
  });

  it('accepts application/json with parameters and in any case', async () => {
    const t = await makeTestApp();
    const first = await t.post(LEGACY, legacySuccess(), {
      'content-type': 'application/json; charset=utf-8',
    });
    expect(first.status).toBe(200);
    const body = JSON.stringify({ customerId: 'c2', faceMatch: true, overallStatus: 'PASS' });
    expect((await t.post(LEGACY, body, { 'content-type': 'Application/JSON' })).status).toBe(200);
  });

  it('stores a Workflows event as shadowed when FORWARD_SOURCE=legacy: nothing reaches the outbox', async () => {
    const t = await makeTestApp({ forwardSource: 'legacy' });
    expect((await t.post(WORKFLOWS, workflowsSpoof)).status).toBe(200);
    expect(t.wakes).toBe(0);
    expect(await t.store.claimDue(Date.now(), 10, 60_000)).toEqual([]);
    const { items } = await t.store.listEvents({ limit: 10, status: 'shadowed' });
    expect(items.map((e) => [e.source, e.result.reason])).toEqual([
      ['workflows', 'SPOOF_DETECTED'],
    ]);
  });

  it('renders a Workflows event into the legacy body when FORWARD_SOURCE=workflows', async () => {
    const t = await makeTestApp({ forwardSource: 'workflows' });
    expect((await t.post(WORKFLOWS, workflowsSpoof)).status).toBe(200);
    expect((await t.post(LEGACY, legacySuccess())).status).toBe(200);
    const items = await t.store.claimDue(Date.now(), 10, 60_000);
    expect(items).toHaveLength(1);
    expect(JSON.parse(Buffer.from(items[0]?.body ?? []).toString())).toEqual({
      customerId: '67dda40e4089f4769f3ed2e6',
      interviewId: '6750aa0f1d2e3f4a5b6c7d8e',
      faceMatch: false,
      spoofAttempt: true,
      hasFaceMask: false,
      hasLenses: false,
      recognitionConfidence: {},
      overallScore: 0,
      overallStatus: 'FAIL',
      hint: '67dda40e4089f4769f3ed2e6',
      error: 'Spoof attempt detected',
      errorCode: 4005,
      errorMessage: 'Spoof attempt detected',
    });
  });

  it('forwards every event of either source with FORWARD_SOURCE=both', async () => {
    const t = await makeTestApp({ forwardSource: 'both' });
    await t.post(WORKFLOWS, workflowsSpoof);
    await t.post(LEGACY, legacySuccess());
    const items = await t.store.claimDue(Date.now(), 10, 60_000);
    expect(items.map((i) => i.source).sort()).toEqual(['legacy', 'workflows']);
  });

  it('forwards the normalized result with FORWARD_FORMAT=normalized', async () => {
    const t = await makeTestApp({ forwardFormat: 'normalized' });
    await t.post(LEGACY, legacySuccess());
    const [item] = await t.store.claimDue(Date.now(), 10, 60_000);
    const forwarded = NormalizedResult.parse(JSON.parse(Buffer.from(item?.body ?? []).toString()));
    expect(forwarded).toMatchObject({
      source: 'legacy',
      status: 'PASS',
      overallScore: 0.93098663,
      eventId: item?.eventId,
    });
  });

  it('keeps unknown fields: stored in the normalized result and forwarded as sent', async () => {
    const t = await makeTestApp();
    const raw = JSON.stringify({
      customerId: 'c1',
      faceMatch: true,
      overallStatus: 'PASS',
      deviceRisk: { score: 3 },
    });
    expect((await t.post(LEGACY, raw)).status).toBe(200);
    const [item] = await t.store.claimDue(Date.now(), 10, 60_000);
    expect(Buffer.from(item?.body ?? []).toString()).toBe(raw);
    const event = await t.store.getEvent(item?.eventId ?? '');
    expect(event?.normalized?.unknownFields).toEqual({ deviceRisk: { score: 3 } });
  });
});

describe('redeliveries from Incode', () => {
  it('answers the same body on the same route with duplicate:true and does not forward it again', async () => {
    const t = await makeTestApp();
    expect(await (await t.post(LEGACY, legacySuccess())).json()).toEqual({ success: true });
    const again = await t.post(LEGACY, legacySuccess());
    expect(again.status).toBe(200);
    expect(await again.json()).toEqual({ success: true, duplicate: true });
    expect(await t.store.claimDue(Date.now(), 10, 60_000)).toHaveLength(1);
    const { items } = await t.store.listEvents({ limit: 10 });
    expect(items).toHaveLength(1);
    expect(items[0]?.duplicates).toBe(1);
  });

  it('treats the same body on another route, or after DEDUP_WINDOW, as a new event', async () => {
    const both = JSON.stringify({
      customerId: 'c1',
      interviewId: 'i1',
      faceMatch: true,
      overallStatus: 'PASS',
    });
    const t = await makeTestApp({ forwardSource: 'both' });
    expect(await (await t.post(LEGACY, both)).json()).toEqual({ success: true });
    expect(await (await t.post(WORKFLOWS, both)).json()).toEqual({ success: true });

    const noWindow = await makeTestApp({ dedupWindowMs: 0 });
    await noWindow.post(LEGACY, both);
    expect(await (await noWindow.post(LEGACY, both)).json()).toEqual({ success: true });
    expect((await noWindow.store.listEvents({ limit: 10 })).items).toHaveLength(2);
  });

  it('counts as a redelivery inside DEDUP_WINDOW only', async () => {
    let now = Date.parse('2026-11-25T12:00:00Z');
    const t = await makeTestApp({ dedupWindowMs: 60_000 }, undefined, () => now);
    expect(await (await t.post(LEGACY, legacySuccess())).json()).toEqual({ success: true });
    now += 59_000;
    expect(await (await t.post(LEGACY, legacySuccess())).json()).toEqual({
      success: true,
      duplicate: true,
    });
    now += 2_000;
    expect(await (await t.post(LEGACY, legacySuccess())).json()).toEqual({ success: true });
    expect((await t.store.listEvents({ limit: 10 })).items).toHaveLength(2);
  });

  it('DEDUP_WINDOW edge: 1 ms before it a redelivery, at exactly DEDUP_WINDOW after the first a new event', async () => {
    const first = Date.parse('2026-11-25T12:00:00Z');
    let now = first;
    const t = await makeTestApp({ dedupWindowMs: 60_000 }, undefined, () => now);
    expect(await (await t.post(LEGACY, legacySuccess())).json()).toEqual({ success: true });
    now = first + 60_000 - 1;
    expect(await (await t.post(LEGACY, legacySuccess())).json()).toEqual({
      success: true,
      duplicate: true,
    });
    now = first + 60_000;
    expect(await (await t.post(LEGACY, legacySuccess())).json()).toEqual({ success: true });
    const { items } = await t.store.listEvents({ limit: 10 });
    // Both are queued for the callback: the second is forwarded as a new event.
    expect(items.map((e) => [e.status, e.duplicates])).toEqual([
      ['pending', 0],
      ['pending', 1],
    ]);
  });

  it('a body that differs by one byte is not a redelivery', async () => {
    const t = await makeTestApp();
    await t.post(LEGACY, legacySuccess());
    const changed = Buffer.concat([legacySuccess(), Buffer.from('\n')]);
    expect(await (await t.post(LEGACY, changed)).json()).toEqual({ success: true });
  });
});

describe('bad input', () => {
  it('401 without credentials or with the wrong value, before the body is looked at; nothing stored', async () => {
    const t = await makeTestApp();
    const missing = await t.app.request(LEGACY, {
      method: 'POST',
      body: 'not even json',
      headers: { 'content-type': 'text/plain' },
    });
    expect(missing.status).toBe(401);
    expect((await errorOf(missing)).code).toBe('unauthorized');
    const wrong = await t.post(LEGACY, legacySuccess(), { [INBOUND.name]: 'inbound-secret-valuE' });
    expect(wrong.status).toBe(401);
    expect((await t.store.listQuarantine({ limit: 10 })).items).toEqual([]);
    expect((await t.store.listEvents({ limit: 10 })).items).toEqual([]);
  });

  it('415 for a body that is not JSON, kept in quarantine', async () => {
    const t = await makeTestApp();
    const response = await t.post(LEGACY, 'customerId=1', {
      'content-type': 'application/x-www-form-urlencoded',
    });
    expect(response.status).toBe(415);
    expect((await errorOf(response)).code).toBe('unsupported_media_type');
    const noType = await t.app.request(LEGACY, {
      method: 'POST',
      body: '{}',
      headers: { [INBOUND.name]: INBOUND.value },
    });
    expect(noType.status).toBe(415);
    const { items } = await t.store.listQuarantine({ limit: 10 });
    expect(items.map((q) => [q.httpStatus, q.code])).toEqual([
      [415, 'unsupported_media_type'],
      [415, 'unsupported_media_type'],
    ]);
    expect(Buffer.from(items[1]?.body ?? []).toString()).toBe('customerId=1');
  });

  it('413 over MAX_BODY_BYTES, by Content-Length or by the bytes read; nothing stored', async () => {
    const t = await makeTestApp({ maxBodyBytes: 100 });
    const big = JSON.stringify({
      customerId: 'x'.repeat(200),
      faceMatch: true,
      overallStatus: 'PASS',
    });
    const response = await t.post(LEGACY, big);
    expect(response.status).toBe(413);
    expect((await errorOf(response)).code).toBe('payload_too_large');
    const stream = new ReadableStream({
      start(controller) {
        controller.enqueue(new TextEncoder().encode(big));
        controller.close();
      },
    });
    const streamed = await t.app.request(LEGACY, {
      method: 'POST',
      body: stream,
      headers: { 'content-type': 'application/json', [INBOUND.name]: INBOUND.value },
      duplex: 'half',
    });
    expect(streamed.status).toBe(413);
    expect((await t.store.listQuarantine({ limit: 10 })).items).toEqual([]);
    expect((await t.store.listEvents({ limit: 10 })).items).toEqual([]);
  });

  it('415 comes before 413', async () => {
    const t = await makeTestApp({ maxBodyBytes: 10 });
    expect((await t.post(LEGACY, 'x'.repeat(100), { 'content-type': 'text/plain' })).status).toBe(
      415,
    );
  });

  it("400 for the seed's trailing-comma sample and for an empty body, kept in quarantine", async () => {
    const t = await makeTestApp();
    const raw = fixture('legacy/4003-blacklisted-trailing-comma.txt');
    const response = await t.post(LEGACY, raw);
    expect(response.status).toBe(400);
    expect((await errorOf(response)).code).toBe('invalid_json');
    const empty = await t.post(LEGACY, '');
    expect(empty.status).toBe(400);
    expect((await errorOf(empty)).message).toMatch(/empty/);
    const { items } = await t.store.listQuarantine({ limit: 10 });
    expect(items).toHaveLength(2);
    expect(Buffer.from(items[1]?.body ?? []).equals(raw)).toBe(true);
    expect((await t.store.listEvents({ limit: 10 })).items).toEqual([]);
  });

  it('422 for JSON of the wrong shape, listing path and problem; never forwarded', async () => {
    const t = await makeTestApp({ forwardSource: 'both' });
    const wrongType = await t.post(
      LEGACY,
      JSON.stringify({ customerId: 'c', faceMatch: 'true', overallStatus: 'PASS' }),
    );
    expect(wrongType.status).toBe(422);
    const error = await errorOf(wrongType);
    expect(error.code).toBe('invalid_payload');
    expect(error.issues).toEqual([
      { path: 'faceMatch', message: expect.stringContaining('boolean') },
    ]);

    const missing = await t.post(WORKFLOWS, JSON.stringify({ overallStatus: 'PASS' }));
    expect(missing.status).toBe(422);
    expect((await errorOf(missing)).issues).toEqual([
      { path: 'interviewId', message: expect.any(String) },
    ]);

    const notObject = await t.post(LEGACY, '[1,2]');
    expect(notObject.status).toBe(422);

    const { items } = await t.store.listQuarantine({ limit: 10 });
    expect(items.map((q) => q.code)).toEqual([
      'invalid_payload',
      'invalid_payload',
      'invalid_payload',
    ]);
    expect(items[2]?.issues).toEqual([{ path: 'faceMatch', message: expect.any(String) }]);
    expect(await t.store.claimDue(Date.now(), 10, 60_000)).toEqual([]);
  });

  it('keeps JSON parser messages (which quote the body, tokens included) out of the answer', async () => {
    const t = await makeTestApp();
    const response = await t.post(LEGACY, '{"customerId":"c","token":SECRETSECRETSECRET}');
    const error = await errorOf(response);
    expect(error.message).not.toContain('SECRET');
    expect(error.message).toMatch(/^the body is not valid JSON/);
  });

  it('422 for JSON nested too deeply, instead of a crash', async () => {
    const t = await makeTestApp();
    const deep = `{"customerId":"c","faceMatch":true,"overallStatus":"PASS","x":${'['.repeat(5000)}${']'.repeat(5000)}}`;
    const response = await t.post(LEGACY, deep);
    expect(response.status).toBe(422);
    expect((await errorOf(response)).issues).toEqual([
      { path: '(body)', message: 'nested deeper than 32 levels' },
    ]);
  });

  it('accepts unknown fields named like Object properties, and keeps them', async () => {
    const t = await makeTestApp({ forwardSource: 'both' });
    const legacy =
      '{"customerId":"c","faceMatch":true,"overallStatus":"PASS","constructor":{"a":1},"toString":"x","__proto__":{"p":1}}';
    expect((await t.post(LEGACY, legacy)).status).toBe(200);
    const workflows = JSON.stringify({
      interviewId: 'i',
      overallStatus: 'FAIL',
      error: { name: 'FACE_TOO_DARK', constructor: {} },
    });
    expect((await t.post(WORKFLOWS, workflows)).status).toBe(200);
    const { items } = await t.store.listEvents({ limit: 10, source: 'legacy' });
    const event = await t.store.getEvent(items[0]?.id ?? '');
    expect(JSON.stringify(event?.normalized?.unknownFields)).toBe(
      '{"constructor":{"a":1},"toString":"x","__proto__":{"p":1}}',
    );
  });

  it('never gives the legacy error text the shape of a Workflows error object', async () => {
    const t = await makeTestApp({ forwardSource: 'workflows' });
    const body = JSON.stringify({
      interviewId: 'i',
      overallStatus: 'PASS',
      error: { name: 'NONE', traceId: 't-1' },
    });
    expect((await t.post(WORKFLOWS, body)).status).toBe(200);
    const [item] = await t.store.claimDue(Date.now(), 10, 60_000);
    const forwarded = JSON.parse(Buffer.from(item?.body ?? []).toString()) as Record<
      string,
      unknown
    >;
    expect(forwarded.error).toBeUndefined();
    expect(forwarded.overallStatus).toBe('PASS');
  });

  it('404 with a JSON body for a route that does not exist', async () => {
    const t = await makeTestApp();
    const response = await t.post('/webhooks/legacy/other', legacySuccess());
    expect(response.status).toBe(404);
    expect((await errorOf(response)).code).toBe('not_found');
  });

  it('503 when the store cannot write: Incode retries, and no 200 is sent for an event not stored', async () => {
    const t = await makeTestApp();
    await t.store.close();
    const response = await t.post(LEGACY, legacySuccess());
    expect(response.status).toBe(503);
    expect((await errorOf(response)).code).toBe('unavailable');
  });

  it('counts every outcome in /metrics', async () => {
    const t = await makeTestApp();
    await t.post(LEGACY, legacySuccess());
    await t.post(LEGACY, legacySuccess());
    await t.post(LEGACY, '{', {});
    await t.post(LEGACY, '{}', { [INBOUND.name]: 'wrong' });
    const text = await (await t.app.request('/metrics')).text();
    expect(text).toContain(
      'faceauth_webhooks_total{route="/webhooks/legacy/authentication",outcome="accepted"} 1',
    );
    expect(text).toContain(
      'faceauth_webhooks_total{route="/webhooks/legacy/authentication",outcome="duplicate"} 1',
    );
    expect(text).toContain(
      'faceauth_webhooks_total{route="/webhooks/legacy/authentication",outcome="invalid_json"} 1',
    );
    expect(text).toContain(
      'faceauth_webhooks_total{route="/webhooks/legacy/authentication",outcome="unauthorized"} 1',
    );
    expect(text).toContain('faceauth_events{status="pending"} 1');
  });
});

describe('INBOUND_AUTH=none', () => {
  it('accepts webhooks without credentials', async () => {
    const t = await makeTestApp({ inboundHeader: undefined });
    const response = await t.app.request(LEGACY, {
      method: 'POST',
      body: legacySuccess(),
      headers: { 'content-type': 'application/json' },
    });
    expect(response.status).toBe(200);
  });
});
