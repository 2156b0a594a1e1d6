import { describe, expect, it } from 'vitest';
import { ComparisonReport } from '../../src/compare/report-schema.js';
import type { ComparedEvent, StoredPair } from '../../src/store/figure-types.js';
import { readFixtureJson } from '../helpers/fixtures.js';
import { ADMIN_TOKEN, makeTestApp, type TestApp, type TestAppConfig } from '../helpers/test-app.js';

/** The verdict's time left (tested on its own in the cut-over tests and below). */
const ANY_TIME = { daysLeft: expect.any(Number), timeLeft: expect.any(String) };

const LEGACY = '/webhooks/legacy/authentication';
const WORKFLOWS = '/webhooks/workflows/face-authentication';
const T0 = Date.parse('2026-11-25T12:00:00.000Z');
const SECOND = 1000;
const MINUTE = 60 * SECOND;
const HOUR = 60 * MINUTE;
const STATUS_PASS_FAIL = 'status: legacy PASS, workflows FAIL';

/** The real app, forwarding both sources, on a clock the test moves. */
async function appAt(overrides: Partial<TestAppConfig> = {}) {
  const clock = { now: T0 };
  const t = await makeTestApp({ forwardSource: 'both', ...overrides }, undefined, () => clock.now);
  /** Posts `body` to `route` as received at T0 + offsetMs; expects the 200. */
  const send = async (route: string, offsetMs: number, body: unknown) => {
    clock.now = T0 + offsetMs;
    const response = await t.post(route, JSON.stringify(body));
    expect(response.status, await response.clone().text()).toBe(200);
    expect(await response.json()).toEqual({ success: true });
  };
  return { t, send };
}

const withCustomer = (
  fixture: string,
  customerId: string,
  extra: Record<string, unknown> = {},
) => ({
  ...(readFixtureJson(fixture) as Record<string, unknown>),
  customerId,
  ...extra,
});

const legacyPass = (
  customerId: string,
  transactionId: string,
  extra: Record<string, unknown> = {},
) => ({
  customerId,
  transactionId,
  faceMatch: true,
  overallStatus: 'PASS',
  ...extra,
});
const workflowsPass = (customerId: string, interviewId: string) => ({
  interviewId,
  customerId,
  overallStatus: 'PASS',
});

async function compared(t: TestApp) {
  return t.store.comparisonData(T0 - HOUR, T0 + HOUR);
}
const byCustomer = (events: ComparedEvent[], customerId: string) =>
  events.filter((e) => e.customerId === customerId);
const pairOf = (pairs: StoredPair[], customerId: string) =>
  pairs.filter((p) => p.legacy.customerId === customerId);

describe('pairing when the second event of an authentication arrives', () => {
  it('a legacy 4005 and a Workflows SPOOF_DETECTED of the same customer pair and agree', async () => {
    const { t, send } = await appAt();
    await send(LEGACY, 0, withCustomer('legacy/4005-spoof.json', 'cust-spoof'));
    await send(
      WORKFLOWS,
      20 * SECOND,
      withCustomer('workflows/fail-spoof-detected.json', 'cust-spoof'),
    );

    const { events, pairs } = await compared(t);
    expect(events.map((e) => [e.source, e.status, e.reason, e.paired])).toEqual([
      ['legacy', 'FAIL', 'SPOOF_DETECTED', true],
      ['workflows', 'FAIL', 'SPOOF_DETECTED', true],
    ]);
    expect(pairs).toHaveLength(1);
    const [pair] = pairs;
    expect(pair?.legacy.eventId).toBe(events[0]?.eventId);
    expect(pair?.workflows.eventId).toBe(events[1]?.eventId);
    expect(pair).toMatchObject({
      statusAgrees: true,
      reasonAgrees: true,
      kind: null,
      differences: [],
    });
  });

  it('the Workflows event first: the legacy one pairs with it when it arrives', async () => {
    const { t, send } = await appAt();
    await send(WORKFLOWS, 0, withCustomer('workflows/fail-spoof-detected.json', 'cust-spoof'));
    const before = await compared(t);
    expect(before.pairs).toEqual([]);
    expect(before.events.map((e) => e.paired)).toEqual([false]);

    await send(LEGACY, 90 * SECOND, withCustomer('legacy/4005-spoof.json', 'cust-spoof'));
    const { pairs } = await compared(t);
    expect(pairs.map((p) => [p.legacy.source, p.workflows.source, p.kind])).toEqual([
      ['legacy', 'workflows', null],
    ]);
  });

  it('a legacy PASS and a Workflows FAIL of the same customer and interview pair and disagree on status', async () => {
    const { t, send } = await appAt();
    const success = readFixtureJson('legacy/success.json') as {
      customerId: string;
      interviewId: string;
    };
    await send(LEGACY, 0, success);
    await send(WORKFLOWS, 5 * SECOND, {
      interviewId: success.interviewId,
      customerId: success.customerId,
      overallStatus: 'FAIL',
      error: { name: 'SPOOF_DETECTED', message: 'Spoof attempt detected' },
    });

    const { pairs } = await compared(t);
    expect(pairs).toHaveLength(1);
    expect(pairs[0]).toMatchObject({
      legacy: { customerId: success.customerId, interviewId: success.interviewId, status: 'PASS' },
      workflows: { customerId: success.customerId, status: 'FAIL', reason: 'SPOOF_DETECTED' },
      statusAgrees: false,
      reasonAgrees: false,
      kind: STATUS_PASS_FAIL,
    });
    expect(pairs[0]?.differences).toEqual(
      expect.arrayContaining([
        { field: 'status', legacy: 'PASS', workflows: 'FAIL' },
        { field: 'reason', legacy: null, workflows: 'SPOOF_DETECTED' },
      ]),
    );
  });

  it('a legacy 4003 (USER_BLACKLISTED) has no Workflows counterpart and stays unpaired', async () => {
    const { t, send } = await appAt();
    const blacklisted = readFixtureJson('legacy/4003-blacklisted.json') as { customerId: string };
    await send(LEGACY, 0, blacklisted);
    // A Workflows event of another customer meanwhile.
    await send(WORKFLOWS, 10 * SECOND, workflowsPass('someone-else', 'i-else'));

    const { events, pairs } = await compared(t);
    expect(pairs).toEqual([]);
    expect(byCustomer(events, blacklisted.customerId)).toMatchObject([
      { source: 'legacy', status: 'FAIL', reason: 'USER_BLACKLISTED', paired: false },
    ]);
  });

  it('events further apart than COMPARE_WINDOW do not pair; at the window they do', async () => {
    const { t, send } = await appAt({ compareWindowMs: MINUTE });
    await send(LEGACY, 0, legacyPass('far', 't-far'));
    await send(WORKFLOWS, MINUTE + 1, workflowsPass('far', 'i-far'));
    await send(LEGACY, 0, legacyPass('edge', 't-edge'));
    await send(WORKFLOWS, MINUTE, workflowsPass('edge', 'i-edge'));

    const { events, pairs } = await compared(t);
    expect(pairs.map((p) => p.legacy.customerId)).toEqual(['edge']);
    expect(byCustomer(events, 'far').map((e) => e.paired)).toEqual([false, false]);
    expect(byCustomer(events, 'edge').map((e) => e.paired)).toEqual([true, true]);
  });

  it('events of the same customer with different interviews do not pair', async () => {
    const { t, send } = await appAt();
    await send(LEGACY, 0, legacyPass('c-int', 't-1', { interviewId: 'interview-a' }));
    await send(WORKFLOWS, 5 * SECOND, workflowsPass('c-int', 'interview-b'));
    expect((await compared(t)).pairs).toEqual([]);
  });

  it('each event pairs at most once: two legacy attempts, then two Workflows ones, make 2 pairs', async () => {
    const { t, send } = await appAt();
    await send(LEGACY, 0, legacyPass('c-many', 't-1'));
    await send(LEGACY, 60 * SECOND, legacyPass('c-many', 't-2'));
    await send(WORKFLOWS, 61 * SECOND, workflowsPass('c-many', 'i-1'));
    await send(WORKFLOWS, 62 * SECOND, workflowsPass('c-many', 'i-2'));
    // A third Workflows attempt finds no legacy event left.
    await send(WORKFLOWS, 63 * SECOND, workflowsPass('c-many', 'i-3'));

    const { events, pairs } = await compared(t);
    expect(pairs).toHaveLength(2);
    const ids = pairs.flatMap((p) => [p.legacy.eventId, p.workflows.eventId]);
    expect(new Set(ids).size).toBe(4);
    // Each arrival takes the nearest unpaired counterpart: the first Workflows attempt the
    // second legacy one, the second Workflows attempt the first legacy one.
    const offsets = (p: StoredPair) => [p.legacy.receivedAt - T0, p.workflows.receivedAt - T0];
    expect(pairs.map(offsets).sort((a, b) => (a[1] ?? 0) - (b[1] ?? 0))).toEqual([
      [60 * SECOND, 61 * SECOND],
      [0, 62 * SECOND],
    ]);
    expect(events.filter((e) => !e.paired).map((e) => [e.source, e.receivedAt - T0])).toEqual([
      ['workflows', 63 * SECOND],
    ]);
  });

  it('attempts answered by both sources in turn pair attempt by attempt', async () => {
    const { t, send } = await appAt();
    await send(LEGACY, 0, legacyPass('c-turns', 't-1'));
    await send(WORKFLOWS, 2 * SECOND, workflowsPass('c-turns', 'i-1'));
    await send(LEGACY, 60 * SECOND, legacyPass('c-turns', 't-2'));
    await send(WORKFLOWS, 61 * SECOND, workflowsPass('c-turns', 'i-2'));

    const { pairs } = await compared(t);
    expect(
      pairOf(pairs, 'c-turns')
        .map((p) => [p.legacy.receivedAt - T0, p.workflows.receivedAt - T0])
        .sort((a, b) => (a[0] ?? 0) - (b[0] ?? 0)),
    ).toEqual([
      [0, 2 * SECOND],
      [60 * SECOND, 61 * SECOND],
    ]);
  });

  it('a redelivered webhook is not a second attempt and pairs with nothing', async () => {
    const { t, send } = await appAt();
    const body = JSON.stringify(legacyPass('c-dup', 't-dup'));
    await send(LEGACY, 0, JSON.parse(body));
    await send(WORKFLOWS, 5 * SECOND, workflowsPass('c-dup', 'i-dup'));
    const again = await t.post(LEGACY, body);
    expect(await again.json()).toEqual({ success: true, duplicate: true });
    const { events, pairs } = await compared(t);
    expect(events).toHaveLength(2);
    expect(pairs).toHaveLength(1);
  });
});

describe('GET /admin/report', () => {
  /** Three legacy and two Workflows events: one agreeing pair, one disagreeing, one unpaired. */
  async function appWithEvents() {
    const { t, send } = await appAt();
    await send(LEGACY, 0, withCustomer('legacy/4005-spoof.json', 'cust-spoof'));
    await send(
      WORKFLOWS,
      20 * SECOND,
      withCustomer('workflows/fail-spoof-detected.json', 'cust-spoof'),
    );
    await send(
      LEGACY,
      5 * MINUTE,
      legacyPass('cust-differ', 't-differ', { interviewId: 'i-differ' }),
    );
    await send(WORKFLOWS, 5 * MINUTE + 3 * SECOND, {
      interviewId: 'i-differ',
      customerId: 'cust-differ',
      overallStatus: 'FAIL',
      error: { name: 'FACE_MASK_DETECTED', message: 'Face mask detected' },
    });
    await send(LEGACY, 10 * MINUTE, readFixtureJson('legacy/4003-blacklisted.json'));
    return t;
  }
  const range = `from=${encodeURIComponent('2026-11-25T11:00:00Z')}&to=${encodeURIComponent('2026-11-25T13:00:00Z')}`;

  it('format=json: the report object, valid against its schema, with the exact counts', async () => {
    const t = await appWithEvents();
    const response = await t.admin(`/admin/report?${range}&format=json`);
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toMatch(/^application\/json/);
    const report = ComparisonReport.parse(await response.json());
    expect(report.range).toEqual({
      from: '2026-11-25T11:00:00.000Z',
      to: '2026-11-25T13:00:00.000Z',
    });
    expect(report.sources.legacy).toMatchObject({
      events: 3,
      pass: 1,
      fail: 2,
      failureReasons: { SPOOF_DETECTED: 1, USER_BLACKLISTED: 1 },
      unpaired: 1,
      delivery: { pending: 3, delivered: 0, dead: 0, shadowed: 0 },
    });
    expect(report.sources.workflows).toMatchObject({
      events: 2,
      pass: 0,
      fail: 2,
      failureReasons: { SPOOF_DETECTED: 1, FACE_MASK_DETECTED: 1 },
      unpaired: 0,
    });
    expect(report.pairs.count).toBe(2);
    expect(report.pairs.statusAgreement).toBe(0.5);
    expect(report.pairs.reasonAgreement).toBe(0.5);
    expect(report.pairs.disagreements).toHaveLength(1);
    expect(report.pairs.disagreements[0]).toMatchObject({
      kind: STATUS_PASS_FAIL,
      count: 1,
      examples: [
        {
          customerId: 'cust-differ',
          interviewId: 'i-differ',
          legacy: { status: 'PASS', reason: null, receivedAt: '2026-11-25T12:05:00.000Z' },
          workflows: {
            status: 'FAIL',
            reason: 'FACE_MASK_DETECTED',
            receivedAt: '2026-11-25T12:05:03.000Z',
          },
        },
      ],
    });
    expect(report.unpaired.legacy).toMatchObject([
      { reason: 'USER_BLACKLISTED', customerId: '666eab5555888d45ba7a999a' },
    ]);
    expect(report.unpaired.workflows).toEqual([]);
    // The default thresholds (20 pairs, 99%) are not met.
    expect(report.thresholds).toEqual({ minPairs: 20, minAgreement: 0.99 });
    expect(report.verdict.safe).toBe(false);
    expect(report.verdict.line).toMatch(/^not safe to switch: not enough evidence: 2 pairs/);
    // The logins by who reported them: the same figures GET /admin/forward-source gives.
    expect(report.logins).toMatchObject({
      total: 3,
      bothSources: 2,
      legacyOnly: 1,
      workflowsOnly: 0,
    });
    const status = (await (await t.admin(`/admin/forward-source?${range}`)).json()) as {
      logins: { total: number; bothSources: number; legacyOnly: number; workflowsOnly: number };
    };
    expect(status.logins).toMatchObject({
      total: 3,
      bothSources: 2,
      legacyOnly: 1,
      workflowsOnly: 0,
    });
  });

  it('the thresholds are the configured COMPARE_MIN_PAIRS and COMPARE_MIN_AGREEMENT', async () => {
    const { t, send } = await appAt({ compareMinPairs: 1, compareMinAgreement: 0.5 });
    await send(LEGACY, 0, withCustomer('legacy/4005-spoof.json', 'cust-spoof'));
    await send(
      WORKFLOWS,
      20 * SECOND,
      withCustomer('workflows/fail-spoof-detected.json', 'cust-spoof'),
    );
    const report = ComparisonReport.parse(await (await t.admin(`/admin/report?${range}`)).json());
    expect(report.thresholds).toEqual({ minPairs: 1, minAgreement: 0.5 });
    expect(report.verdict).toEqual({
      safe: true,
      line: 'safe to switch',
      reasons: [],
      evidence: 'pairs',
      note: null,
      ...ANY_TIME,
    });
  });

  it('format=md: Markdown for a pull request', async () => {
    const t = await appWithEvents();
    const response = await t.admin(`/admin/report?${range}&format=md`);
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toMatch(/^text\/markdown/);
    const body = await response.text();
    expect(body).toContain('# Face authentication comparison');
    expect(body).toContain('not safe to switch');
  });

  it('format=html: a self-contained page', async () => {
    const t = await appWithEvents();
    const response = await t.admin(`/admin/report?${range}&format=html`);
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toMatch(/^text\/html/);
    const body = await response.text();
    expect(body.toLowerCase()).toContain('<!doctype html>');
    expect(body).toContain('<svg');
  });

  it('a range without events gives an empty report', async () => {
    const t = await appWithEvents();
    const response = await t.admin(
      '/admin/report?from=2026-11-24T00:00:00Z&to=2026-11-24T01:00:00Z',
    );
    const report = ComparisonReport.parse(await response.json());
    expect(report.sources.legacy.events).toBe(0);
    expect(report.pairs.count).toBe(0);
  });

  it.each([
    ['a bad from', 'from=nonsense&to=2026-11-25T13:00:00Z'],
    ['a bad to', 'from=2026-11-25T11:00:00Z&to=yesterday'],
    ['from after to', 'from=2026-11-25T13:00:00Z&to=2026-11-25T11:00:00Z'],
    ['an unknown format', `${range}&format=pdf`],
  ])('%s: 400 invalid_query', async (_name, query) => {
    const t = await makeTestApp();
    const response = await t.admin(`/admin/report?${query}`);
    expect(response.status).toBe(400);
    expect(await response.json()).toMatchObject({
      success: false,
      error: { code: 'invalid_query' },
    });
  });

  it('empty from= and to= (as docs/contract.md writes the route) mean the default range', async () => {
    const t = await makeTestApp();
    const response = await t.admin('/admin/report?from=&to=&format=json');
    expect(response.status).toBe(200);
    const report = ComparisonReport.parse(await response.json());
    expect(Date.parse(report.range.to) - Date.parse(report.range.from)).toBe(7 * 86_400_000);
  });

  it('401 without the admin token', async () => {
    const t = await makeTestApp();
    const response = await t.app.request(`/admin/report?${range}`);
    expect(response.status).toBe(401);
  });

  it('does not exist without ADMIN_TOKEN: 404', async () => {
    const t = await makeTestApp({ adminToken: undefined });
    const response = await t.app.request(`/admin/report?${range}`, {
      headers: { authorization: `Bearer ${ADMIN_TOKEN}` },
    });
    expect(response.status).toBe(404);
  });
});
