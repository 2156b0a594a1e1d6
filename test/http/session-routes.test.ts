import { describe, expect, it } from 'vitest';
import type { EventSummary } from '../../src/store/admin-types.js';
import { readFixtureBytes } from '../helpers/fixtures.js';
import { PAIRING } from '../helpers/new-event.js';
import {
  ONBOARDING_INTERVIEW_ID,
  ONBOARDING_STATUSES,
  onboardingFile,
  SESSION_CASES,
  sessionFile,
} from '../helpers/session-fixtures.js';
import { ADMIN_TOKEN, makeTestApp, type TestApp } from '../helpers/test-app.js';

const SESSION = '/webhooks/workflows/session';
const ONBOARDING = '/webhooks/workflows/onboarding-status';
const FACE_AUTHENTICATION = '/webhooks/workflows/face-authentication';

const INTERVIEW = '6489a1c3f2b0e40012a7c0de';
const IDENTITY = '6489a0b2f2b0e40012a7b111';

const RESULTS = SESSION_CASES.filter((c) => c.meaning === 'PASS' || c.meaning === 'FAIL');
const INFORMATIONAL = SESSION_CASES.filter((c) => c.meaning === 'none');

/** A Face Authentication webhook body of the interview of session-succeeded.json. */
const faceAuthentication = (
  status: 'PASS' | 'FAIL',
  interviewId = INTERVIEW,
  remaining = 2,
): string =>
  JSON.stringify({
    interviewId,
    customerId: IDENTITY,
    overallStatus: status,
    hint: 'maria.lopez@example.com',
    attemptCounterState: { max: 3, remaining },
    ...(status === 'FAIL'
      ? { error: { name: 'USER_IS_NOT_RECOGNIZED', message: 'User is not recognized' } }
      : {}),
  });

const workflowsApp = () => makeTestApp({ forwardSource: 'workflows' });

async function expectAccepted(response: Response) {
  expect(response.status).toBe(200);
  expect(await response.json()).toEqual({ success: true });
}

/** Every stored event, oldest first. */
async function events(t: TestApp, status?: EventSummary['status']): Promise<EventSummary[]> {
  const { items } = await t.store.listEvents({ limit: 100, ...(status ? { status } : {}) });
  // The store lists newest first (by arrival order, not by the millisecond, which events
  // posted in one test share): reversed, oldest first.
  return [...items].reverse();
}

/**
 * Every outbox entry in delivery order, their bodies parsed: claims, and records each as
 * delivered so the next entry of the same customer becomes due (one at a time per customer).
 */
async function outbox(t: TestApp) {
  const all = [];
  for (;;) {
    const items = await t.store.claimDue(Date.now() + 1000, 100, 60_000);
    if (items.length === 0) break;
    for (const item of items) {
      all.push({
        ...item,
        json: JSON.parse(Buffer.from(item.body).toString('utf8')) as Record<string, unknown>,
      });
      await t.store.recordDelivered(item.eventId, {
        at: Date.now(),
        durationMs: 1,
        statusCode: 200,
        error: null,
      });
    }
  }
  return all;
}

async function adminEvents(t: TestApp, query: string) {
  const response = await t.admin(`/admin/events${query}`);
  expect(response.status).toBe(200);
  return ((await response.json()) as { events: EventSummary[] }).events;
}

describe('session webhooks with FORWARD_SOURCE=workflows', () => {
  it.each(SESSION_CASES.map((c) => c.file))('%s: 200 {"success":true}', async (file) => {
    const t = await workflowsApp();
    await expectAccepted(await t.post(SESSION, readFixtureBytes(sessionFile(file))));
  });

  it.each(RESULTS)(
    '$file: forwarded as a legacy 1:1 body, pending, event $eventName',
    async (c) => {
      const t = await workflowsApp();
      await expectAccepted(await t.post(SESSION, readFixtureBytes(sessionFile(c.file))));
      expect(t.wakes).toBe(1);

      // Listed before the outbox is read (reading it records a delivery).
      const [stored] = await events(t);
      expect(stored).toMatchObject({
        source: 'workflows',
        route: SESSION,
        status: 'pending',
        event: c.eventName,
        note: null,
        forwardFormat: 'legacy',
        result: {
          status: c.meaning,
          customerId: c.customerId,
          interviewId: c.interviewId,
        },
      });
      expect(await adminEvents(t, '?status=pending')).toEqual([stored]);

      const items = await outbox(t);
      expect(items).toHaveLength(1);
      const [item] = items;
      expect(item?.eventId).toBe(stored?.id);
      expect(item?.source).toBe('workflows');
      expect(item?.json).toMatchObject({
        customerId: c.customerId,
        interviewId: c.interviewId,
        overallStatus: c.meaning,
        faceMatch: c.meaning === 'PASS',
        spoofAttempt: false,
        hasFaceMask: false,
        hasLenses: false,
      });
      const recognition = item?.json.recognitionConfidence as Record<string, unknown>;
      expect(recognition).not.toHaveProperty('confidence');
      expect(item?.json).not.toHaveProperty('spoofConfidence');
      if (c.meaning === 'PASS') expect(item?.json).not.toHaveProperty('overallScore');
      else expect(item?.json.overallScore).toBe(0);
    },
  );

  it('SESSION_SUCCEEDED: exactly the legacy body, unknown fields passed on', async () => {
    const t = await workflowsApp();
    await expectAccepted(await t.post(SESSION, readFixtureBytes(sessionFile('session-succeeded'))));
    const [item] = await outbox(t);
    expect(item?.json).toEqual({
      customerId: IDENTITY,
      interviewId: INTERVIEW,
      faceMatch: true,
      spoofAttempt: false,
      hasFaceMask: false,
      hasLenses: false,
      recognitionConfidence: {},
      overallStatus: 'PASS',
      hint: 'maria.lopez@example.com',
      flowId: '6480f0e1a2b3c4d5e6f70809',
      clientId: 'acme-bank',
      timestamp: '2026-11-25T11:59:32.005Z',
    });
  });

  it('SESSION_FAILED with USER_IS_NOT_RECOGNIZED: the legacy 4015 error', async () => {
    const t = await workflowsApp();
    await expectAccepted(await t.post(SESSION, readFixtureBytes(sessionFile('session-failed'))));
    const [item] = await outbox(t);
    expect(item?.json).toMatchObject({
      overallStatus: 'FAIL',
      faceMatch: false,
      error: 'User is not recognized',
      errorCode: 4015,
    });
    const [stored] = await events(t);
    expect(stored?.result.reason).toBe('USER_IS_NOT_RECOGNIZED');
  });

  it('SESSION_FAILED without an error: UNKNOWN_ERROR', async () => {
    const t = await workflowsApp();
    const raw = readFixtureBytes(sessionFile('session-failed-without-error'));
    await expectAccepted(await t.post(SESSION, raw));
    const [stored] = await events(t);
    expect(stored?.result).toMatchObject({ status: 'FAIL', reason: 'UNKNOWN_ERROR' });
  });

  it('FORWARD_FORMAT=normalized: the normalized result with its trigger', async () => {
    const t = await makeTestApp({ forwardSource: 'workflows', forwardFormat: 'normalized' });
    await expectAccepted(await t.post(SESSION, readFixtureBytes(sessionFile('session-succeeded'))));
    const [item] = await outbox(t);
    expect(item?.json).toMatchObject({
      status: 'PASS',
      trigger: { webhook: 'session', event: 'SESSION_SUCCEEDED' },
      ids: { customerId: IDENTITY, interviewId: INTERVIEW },
      enrichment: { state: 'none', scoreStatus: null },
      overallScore: null,
    });
  });

  it.each(INFORMATIONAL)('$file: informational with a note, nothing in the outbox', async (c) => {
    const t = await workflowsApp();
    await expectAccepted(await t.post(SESSION, readFixtureBytes(sessionFile(c.file))));
    expect(t.wakes).toBe(0);
    expect(await outbox(t)).toEqual([]);
    const [stored] = await events(t);
    expect(stored).toMatchObject({
      route: SESSION,
      status: 'informational',
      event: c.eventName,
      forwardFormat: null,
      result: {
        status: null,
        reason: null,
        customerId: c.customerId,
        interviewId: c.interviewId,
      },
    });
    expect(stored?.note).toContain('not forwarded');
    expect(stored?.note).toContain(c.eventName ?? 'names no event type');
    expect(await adminEvents(t, '?status=informational')).toEqual([stored]);
  });

  it('an informational event stays informational when redelivered: 200 duplicate', async () => {
    const t = await workflowsApp();
    const raw = readFixtureBytes(sessionFile('session-started'));
    await expectAccepted(await t.post(SESSION, raw));
    const again = await t.post(SESSION, raw);
    expect(again.status).toBe(200);
    expect(await again.json()).toEqual({ success: true, duplicate: true });
    expect(await events(t)).toHaveLength(1);
  });

  it('a whole session: only SESSION_SUCCEEDED reaches the outbox', async () => {
    const t = await workflowsApp();
    for (const file of ['session-started', 'session-progress', 'session-succeeded']) {
      await expectAccepted(await t.post(SESSION, readFixtureBytes(sessionFile(file))));
    }
    const stored = await events(t);
    expect(stored.map((e) => [e.event, e.status])).toEqual([
      ['SESSION_STARTED', 'informational'],
      ['SESSION_PROGRESS', 'informational'],
      ['SESSION_SUCCEEDED', 'pending'],
    ]);
    const items = await outbox(t);
    expect(items.map((i) => i.json.overallStatus)).toEqual(['PASS']);
  });

  it('422 naming the body for a session webhook without interviewId, kept in quarantine', async () => {
    const t = await workflowsApp();
    const response = await t.post(SESSION, JSON.stringify({ eventType: 'SESSION_SUCCEEDED' }));
    expect(response.status).toBe(422);
    const body = (await response.json()) as { error: { code: string; message: string } };
    expect(body.error.code).toBe('invalid_payload');
    expect(body.error.message).toContain('a Flows/Workflows session webhook body');
    expect(body.error.message).toContain('interviewId');
    const quarantine = (await (await t.admin('/admin/quarantine')).json()) as {
      items: { route: string }[];
    };
    expect(quarantine.items.map((q) => q.route)).toEqual([SESSION]);
  });
});

describe('onboarding status webhooks with FORWARD_SOURCE=workflows', () => {
  it.each(ONBOARDING_STATUSES)('%s: 200, informational with a note', async (status) => {
    const t = await workflowsApp();
    await expectAccepted(await t.post(ONBOARDING, readFixtureBytes(onboardingFile(status))));
    expect(t.wakes).toBe(0);
    expect(await outbox(t)).toEqual([]);
    const [stored] = await events(t);
    expect(stored).toMatchObject({
      route: ONBOARDING,
      status: 'informational',
      event: status,
      enrichment: null,
      result: { status: null, customerId: null, interviewId: ONBOARDING_INTERVIEW_ID },
    });
    expect(stored?.note).toContain(status);
  });

  it('ONBOARDING_FINISHED without the Incode API: the note names INCODE_API_URL', async () => {
    const t = await workflowsApp();
    const raw = readFixtureBytes(onboardingFile('ONBOARDING_FINISHED'));
    await expectAccepted(await t.post(ONBOARDING, raw));
    const [stored] = await adminEvents(t, '?status=informational');
    expect(stored?.event).toBe('ONBOARDING_FINISHED');
    expect(stored?.note).toContain('INCODE_API_URL');
  });

  it('422 naming the body when onboardingStatus is missing', async () => {
    const t = await workflowsApp();
    const response = await t.post(
      ONBOARDING,
      JSON.stringify({ interviewId: ONBOARDING_INTERVIEW_ID }),
    );
    expect(response.status).toBe(422);
    const body = (await response.json()) as { error: { message: string } };
    expect(body.error.message).toContain('an onboarding status webhook body');
    expect(body.error.message).toContain('onboardingStatus');
  });
});

describe('one authentication, one callback', () => {
  it('a Face Authentication event, then SESSION_SUCCEEDED of its interview: the session result is superseded', async () => {
    const t = await workflowsApp();
    await expectAccepted(await t.post(FACE_AUTHENTICATION, faceAuthentication('PASS')));
    await expectAccepted(await t.post(SESSION, readFixtureBytes(sessionFile('session-succeeded'))));

    const [first, second] = await events(t);
    expect(first).toMatchObject({ route: FACE_AUTHENTICATION, status: 'pending' });
    expect(second).toMatchObject({
      route: SESSION,
      status: 'superseded',
      event: 'SESSION_SUCCEEDED',
    });
    expect(second?.note).toContain(first?.id as string);
    const items = await outbox(t);
    expect(items.map((i) => i.eventId)).toEqual([first?.id]);
    expect(await adminEvents(t, '?status=superseded')).toHaveLength(1);
  });

  it('SESSION_SUCCEEDED, then a Face Authentication event of its interview: the Face Authentication one is superseded', async () => {
    const t = await workflowsApp();
    await expectAccepted(await t.post(SESSION, readFixtureBytes(sessionFile('session-succeeded'))));
    await expectAccepted(await t.post(FACE_AUTHENTICATION, faceAuthentication('PASS')));

    const [first, second] = await events(t);
    expect(first).toMatchObject({ route: SESSION, status: 'pending' });
    expect(second).toMatchObject({ route: FACE_AUTHENTICATION, status: 'superseded' });
    expect(second?.note).toContain(first?.id as string);
    expect((await outbox(t)).map((i) => i.eventId)).toEqual([first?.id]);
  });

  it('a Face Authentication FAIL, then SESSION_FAILED: one callback', async () => {
    const t = await workflowsApp();
    const failed = readFixtureBytes(sessionFile('session-failed'));
    const interviewId = '6489a1c3f2b0e40012a7c0e1';
    await expectAccepted(
      await t.post(FACE_AUTHENTICATION, faceAuthentication('FAIL', interviewId, 0)),
    );
    await expectAccepted(await t.post(SESSION, failed));
    expect((await events(t)).map((e) => e.status)).toEqual(['pending', 'superseded']);
    expect(await outbox(t)).toHaveLength(1);
  });

  it('two Face Authentication attempts of one interview (FAIL, then PASS) are both forwarded', async () => {
    const t = await workflowsApp();
    await expectAccepted(
      await t.post(FACE_AUTHENTICATION, faceAuthentication('FAIL', INTERVIEW, 2)),
    );
    await expectAccepted(
      await t.post(FACE_AUTHENTICATION, faceAuthentication('PASS', INTERVIEW, 1)),
    );
    expect((await events(t)).map((e) => [e.result.status, e.status])).toEqual([
      ['FAIL', 'pending'],
      ['PASS', 'pending'],
    ]);
    expect((await outbox(t)).map((i) => i.json.overallStatus)).toEqual(['FAIL', 'PASS']);
  });

  it('two attempts, then SESSION_SUCCEEDED: the attempts are forwarded, the session result superseded', async () => {
    const t = await workflowsApp();
    await expectAccepted(
      await t.post(FACE_AUTHENTICATION, faceAuthentication('FAIL', INTERVIEW, 2)),
    );
    await expectAccepted(
      await t.post(FACE_AUTHENTICATION, faceAuthentication('PASS', INTERVIEW, 1)),
    );
    await expectAccepted(await t.post(SESSION, readFixtureBytes(sessionFile('session-succeeded'))));
    const stored = await events(t);
    expect(stored.map((e) => e.status)).toEqual(['pending', 'pending', 'superseded']);
    // The first Workflows result of the interview is the one named.
    expect(stored[2]?.note).toContain(stored[0]?.id as string);
    expect(await outbox(t)).toHaveLength(2);
  });

  it('a session result of a different interview is forwarded', async () => {
    const t = await workflowsApp();
    await expectAccepted(
      await t.post(FACE_AUTHENTICATION, faceAuthentication('PASS', '6489a1c3f2b0e40012a7ffff')),
    );
    await expectAccepted(await t.post(SESSION, readFixtureBytes(sessionFile('session-succeeded'))));
    expect((await events(t)).map((e) => e.status)).toEqual(['pending', 'pending']);
    expect(await outbox(t)).toHaveLength(2);
  });

  it('informational events of the interview supersede nothing', async () => {
    const t = await workflowsApp();
    await expectAccepted(await t.post(SESSION, readFixtureBytes(sessionFile('session-started'))));
    await expectAccepted(await t.post(SESSION, readFixtureBytes(sessionFile('session-progress'))));
    await expectAccepted(await t.post(FACE_AUTHENTICATION, faceAuthentication('PASS')));
    await expectAccepted(
      await t.post(SESSION, readFixtureBytes(sessionFile('session-pending-review'))),
    );
    expect((await events(t)).map((e) => e.status)).toEqual([
      'informational',
      'informational',
      'pending',
      'informational',
    ]);
    expect(await outbox(t)).toHaveLength(1);
  });

  it('an informational ONBOARDING_FINISHED supersedes nothing', async () => {
    const t = await workflowsApp();
    await expectAccepted(
      await t.post(ONBOARDING, readFixtureBytes(onboardingFile('ONBOARDING_FINISHED'))),
    );
    await expectAccepted(
      await t.post(FACE_AUTHENTICATION, faceAuthentication('PASS', ONBOARDING_INTERVIEW_ID)),
    );
    expect((await events(t)).map((e) => e.status)).toEqual(['informational', 'pending']);
  });

  it('a legacy event is never superseded by a Workflows one: under both it is the same login, shadowed and paired', async () => {
    const t = await makeTestApp({ forwardSource: 'both' });
    await expectAccepted(await t.post(SESSION, readFixtureBytes(sessionFile('session-succeeded'))));
    const legacy = JSON.stringify({
      customerId: IDENTITY,
      interviewId: INTERVIEW,
      faceMatch: true,
      overallStatus: 'PASS',
    });
    await expectAccepted(await t.post('/webhooks/legacy/authentication', legacy));
    const [session, legacyEvent] = await events(t);
    expect([session, legacyEvent].map((e) => [e?.source, e?.status, e?.note])).toEqual([
      ['workflows', 'pending', null],
      ['legacy', 'shadowed', null],
    ]);
  });
});

describe('FORWARD_SOURCE=legacy', () => {
  it('a session result is shadowed: stored, not forwarded', async () => {
    const t = await makeTestApp({ forwardSource: 'legacy' });
    await expectAccepted(await t.post(SESSION, readFixtureBytes(sessionFile('session-succeeded'))));
    expect(t.wakes).toBe(0);
    expect(await outbox(t)).toEqual([]);
    const [stored] = await adminEvents(t, '?status=shadowed');
    expect(stored).toMatchObject({
      route: SESSION,
      event: 'SESSION_SUCCEEDED',
      result: { status: 'PASS', customerId: IDENTITY },
    });
  });

  it('an event that says nothing is informational, not shadowed', async () => {
    const t = await makeTestApp({ forwardSource: 'legacy' });
    await expectAccepted(await t.post(SESSION, readFixtureBytes(sessionFile('session-started'))));
    expect((await events(t)).map((e) => e.status)).toEqual(['informational']);
  });

  it('a shadowed Face Authentication event still supersedes the session result', async () => {
    const t = await makeTestApp({ forwardSource: 'legacy' });
    await expectAccepted(await t.post(FACE_AUTHENTICATION, faceAuthentication('PASS')));
    await expectAccepted(await t.post(SESSION, readFixtureBytes(sessionFile('session-succeeded'))));
    expect((await events(t)).map((e) => e.status)).toEqual(['shadowed', 'superseded']);
  });
});

describe('admin and metrics', () => {
  const replay = (t: TestApp, id: string) =>
    t.app.request(`/admin/events/${id}/replay`, {
      method: 'POST',
      headers: { authorization: `Bearer ${ADMIN_TOKEN}` },
    });

  it('replaying an informational event answers 409 with a clear message', async () => {
    const t = await workflowsApp();
    await expectAccepted(await t.post(SESSION, readFixtureBytes(sessionFile('session-started'))));
    const [stored] = await events(t);
    const response = await replay(t, stored?.id as string);
    expect(response.status).toBe(409);
    const body = (await response.json()) as {
      success: boolean;
      error: { code: string; message: string };
    };
    expect(body.success).toBe(false);
    expect(body.error.code).toBe('conflict');
    expect(body.error.message).toContain(stored?.id as string);
    expect(body.error.message).toContain('nothing to forward');
    expect(await outbox(t)).toEqual([]);
    expect((await events(t))[0]?.status).toBe('informational');
  });

  it('replaying a superseded event answers 409', async () => {
    const t = await workflowsApp();
    await t.post(FACE_AUTHENTICATION, faceAuthentication('PASS'));
    await t.post(SESSION, readFixtureBytes(sessionFile('session-succeeded')));
    const [, superseded] = await events(t);
    const response = await replay(t, superseded?.id as string);
    expect(response.status).toBe(409);
    const body = (await response.json()) as { error: { message: string } };
    expect(body.error.message).toContain('superseded');
  });

  it('GET /admin/events/:id shows an informational event with its raw body and no result', async () => {
    const t = await workflowsApp();
    const raw = readFixtureBytes(sessionFile('session-progress'));
    await t.post(SESSION, raw);
    const [stored] = await events(t);
    const response = await t.admin(`/admin/events/${stored?.id}`);
    expect(response.status).toBe(200);
    const detail = (await response.json()) as Record<string, unknown>;
    expect(detail).toMatchObject({ status: 'informational', event: 'SESSION_PROGRESS' });
    expect(detail.normalized).toBeNull();
    expect(detail.body).toBe(raw.toString('utf8'));
  });

  it('GET /metrics counts informational and superseded events', async () => {
    const t = await workflowsApp();
    await t.post(SESSION, readFixtureBytes(sessionFile('session-started')));
    await t.post(SESSION, readFixtureBytes(sessionFile('session-progress')));
    await t.post(FACE_AUTHENTICATION, faceAuthentication('PASS'));
    await t.post(SESSION, readFixtureBytes(sessionFile('session-succeeded')));
    await t.post(ONBOARDING, readFixtureBytes(onboardingFile('ONBOARDING_FINISHED')));
    const text = await (await t.app.request('/metrics')).text();
    expect(text).toContain('faceauth_events{status="informational"} 3');
    expect(text).toContain('faceauth_events{status="superseded"} 1');
    expect(text).toContain('faceauth_events{status="pending"} 1');
    expect(text).toContain(
      'faceauth_webhooks_total{route="/webhooks/workflows/session",outcome="accepted"} 3',
    );
    expect(text).toContain(
      'faceauth_webhooks_total{route="/webhooks/workflows/onboarding-status",outcome="accepted"} 1',
    );
  });
});

describe('with the Incode API configured (no worker runs here)', () => {
  const apiApp = () =>
    makeTestApp({
      forwardSource: 'workflows',
      incodeApi: {
        url: 'http://127.0.0.1:9',
        apiKey: 'test-api-key',
        auth: { token: 'test-admin-token' },
        timeoutMs: 1000,
      },
    });

  it('SESSION_SUCCEEDED and ONBOARDING_FINISHED wait for their score; informational events do not', async () => {
    const t = await apiApp();
    await expectAccepted(await t.post(SESSION, readFixtureBytes(sessionFile('session-started'))));
    await expectAccepted(await t.post(SESSION, readFixtureBytes(sessionFile('session-succeeded'))));
    await expectAccepted(
      await t.post(ONBOARDING, readFixtureBytes(onboardingFile('ONBOARDING_FINISHED'))),
    );
    const stored = await events(t);
    expect(stored.map((e) => [e.event, e.status])).toEqual([
      ['SESSION_STARTED', 'informational'],
      ['SESSION_SUCCEEDED', 'enriching'],
      ['ONBOARDING_FINISHED', 'enriching'],
    ]);
    expect(stored[2]?.note).toBeNull();
    // Held until the score comes.
    expect(await outbox(t)).toEqual([]);
  });

  it('an ONBOARDING_FINISHED still waiting for its score supersedes nothing: the Face Authentication result of its interview is not lost when the score gives no outcome', async () => {
    const t = await apiApp();
    await expectAccepted(
      await t.post(ONBOARDING, readFixtureBytes(onboardingFile('ONBOARDING_FINISHED'))),
    );
    await expectAccepted(
      await t.post(FACE_AUTHENTICATION, faceAuthentication('PASS', ONBOARDING_INTERVIEW_ID)),
    );
    const [onboardingEvent, faceEvent] = await events(t);
    expect(onboardingEvent?.status).toBe('enriching');
    expect(faceEvent?.status).toBe('enriching');
    // The score says MANUAL_PENDING: the enrichment worker ends the wait like this.
    await t.store.completeEnrichment(
      onboardingEvent?.id as string,
      {
        state: 'scored',
        status: 'informational',
        note: "the score's overall.status (MANUAL_PENDING) gives no outcome: stored, not forwarded",
        error: null,
        called: true,
      },
      Date.now(),
    );
    // The Face Authentication event carried its own outcome: it still waits for its own score.
    expect((await t.store.getEvent(faceEvent?.id as string))?.status).toBe('enriching');
  });

  it('an ONBOARDING_FINISHED whose score arrives after the Face Authentication result of its interview is superseded then', async () => {
    const t = await apiApp();
    await expectAccepted(
      await t.post(ONBOARDING, readFixtureBytes(onboardingFile('ONBOARDING_FINISHED'))),
    );
    await expectAccepted(
      await t.post(FACE_AUTHENTICATION, faceAuthentication('PASS', ONBOARDING_INTERVIEW_ID)),
    );
    const [onboardingEvent, faceEvent] = await events(t);
    const normalized = (await t.store.getEvent(faceEvent?.id as string))?.normalized;
    if (!normalized) throw new Error('the Face Authentication event has a result');
    const status = await t.store.completeEnrichment(
      onboardingEvent?.id as string,
      {
        state: 'scored',
        normalized: { ...normalized, eventId: onboardingEvent?.id as string },
        forward: { format: 'legacy', body: new TextEncoder().encode('{}') },
        legacyFields: [],
        error: null,
        called: true,
        pairing: PAIRING,
        supersededBy: {
          interviewId: ONBOARDING_INTERVIEW_ID,
          routes: [FACE_AUTHENTICATION, SESSION, ONBOARDING],
        },
      },
      Date.now(),
    );
    expect(status).toBe('superseded');
    const stored = await t.store.getEvent(onboardingEvent?.id as string);
    expect(stored?.note).toContain(faceEvent?.id as string);
    expect(await outbox(t)).toEqual([]);
  });
});
