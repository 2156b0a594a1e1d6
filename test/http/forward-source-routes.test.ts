import { describe, expect, it } from 'vitest';
import { bucketOf } from '../../src/store/rules/bucket.js';
import { ADMIN_TOKEN, makeTestApp, type TestApp } from '../helpers/test-app.js';

const LEGACY = '/webhooks/legacy/authentication';
const WORKFLOWS = '/webhooks/workflows/face-authentication';

const legacy = (customerId: string, interviewId: string) =>
  JSON.stringify({ customerId, interviewId, faceMatch: true, overallStatus: 'PASS' });
const workflows = (customerId: string | null, interviewId: string) =>
  JSON.stringify({ interviewId, ...(customerId ? { customerId } : {}), overallStatus: 'PASS' });

function send(t: TestApp, method: string, path: string, body?: string) {
  return t.app.request(`/admin${path}`, {
    method,
    ...(body === undefined ? {} : { body }),
    headers: { authorization: `Bearer ${ADMIN_TOKEN}`, 'content-type': 'application/json' },
  });
}

const ids = Array.from({ length: 300 }, (_, i) => `cust-${i}`);
const MOVED = ids.filter((id) => bucketOf(id) < 5000).slice(0, 20);
const STAYING = ids.filter((id) => bucketOf(id) >= 5000).slice(0, 20);

/** Source and status of every stored event, by interview. */
async function outcomes(t: TestApp): Promise<Map<string, string[]>> {
  const { items } = await t.store.listEvents({ limit: 500 });
  const byInterview = new Map<string, string[]>();
  for (const e of items) {
    const key = e.result.interviewId ?? '';
    byInterview.set(key, [...(byInterview.get(key) ?? []), `${e.source}:${e.status}`].sort());
  }
  return byInterview;
}

describe('PUT /admin/forward-source with a share or a plan', () => {
  it('sets a share, stores it whole, and GET shows the guard', async () => {
    const t = await makeTestApp({ forwardSource: 'legacy' });
    const response = await send(t, 'PUT', '/forward-source', '{"source":"workflows:10%"}');
    expect(response.status).toBe(200);
    expect(await response.json()).toMatchObject({
      success: true,
      source: 'workflows:10%',
      previous: 'legacy',
      status: { share: '10%', lastGoodShare: '0%', plan: null, paused: null },
    });
    const stored = await t.store.getSetting('forward_source');
    expect(JSON.parse(stored?.value ?? '{}')).toMatchObject({ v: 1, share: 1000, plan: null });
    const shown = await (await send(t, 'GET', '/forward-source')).json();
    expect(shown).toMatchObject({
      source: 'workflows:10%',
      origin: { from: 'switch' },
      guard: { status: 'green', window: { pairs: 0, agreement: null }, minPairs: 20 },
      next: { action: 'wait', reason: 'no plan: the share stays until an operator changes it' },
      legacy: { daysLeft: expect.any(Number) },
    });
  });

  it('sets a plan: the first step at once, and says why the next one waits', async () => {
    const t = await makeTestApp();
    const response = await send(t, 'PUT', '/forward-source', '{"plan":"1%,10%@2d,100%@14d"}');
    expect(response.status).toBe(200);
    const body = await response.json();
    expect(body).toMatchObject({
      source: 'workflows:1%',
      status: {
        plan: {
          text: '1%,10%@2d,100%@14d',
          step: 1,
          steps: [
            { share: '1%', taken: true },
            { share: '10%', taken: false },
            { share: '100%', taken: false },
          ],
        },
        next: {
          action: 'wait',
          reason: expect.stringMatching(/^the step to 10% is not due before /),
        },
      },
    });
  });

  it.each([
    ['{"source":"workflows:150%"}', '"workflows:150%": a share cannot be above 100%'],
    ['{"source":"workflows:-1%"}', 'is not a share such as workflows:10%'],
    ['{"source":"half"}', 'expected legacy, workflows, both or workflows:<N>%'],
    [
      '{"plan":"10%,5%@2d"}',
      'step "5%@2d" goes down or stays at 10%: each step\'s share must be larger than the one before',
    ],
    ['{"plan":"10%,soon"}', 'step "soon": expected a share'],
    ['{"source":"legacy","plan":"1%"}', 'expected {"source"'],
  ])('refuses %s with 422 and the reason, and changes nothing', async (body, reason) => {
    const t = await makeTestApp();
    const response = await send(t, 'PUT', '/forward-source', body);
    expect(response.status).toBe(422);
    const answer = (await response.json()) as { error: { code: string; message: string } };
    expect(answer.error.code).toBe('invalid_payload');
    expect(answer.error.message).toContain(reason);
    expect(await t.store.getSetting('forward_source')).toBeUndefined();
  });

  it('POST /admin/forward-source/resume refuses with 409 when nothing is paused', async () => {
    const t = await makeTestApp({ forwardSource: 'workflows:10%' });
    const response = await send(t, 'POST', '/forward-source/resume');
    expect(response.status).toBe(409);
    expect(await response.json()).toMatchObject({
      error: { message: 'nothing to resume: the guard has not paused the cut-over' },
    });
  });
});

describe('webhooks under a share of customers', () => {
  it('forwards one event per authentication, in either order: Workflows for moved customers, legacy for the rest', async () => {
    const t = await makeTestApp({ forwardSource: 'workflows:50%' });
    for (const [i, id] of [...MOVED, ...STAYING].entries()) {
      const interview = `i-${id}`;
      if (i % 2 === 0) {
        await t.post(LEGACY, legacy(id, interview));
        await t.post(WORKFLOWS, workflows(id, interview));
      } else {
        await t.post(WORKFLOWS, workflows(id, interview));
        await t.post(LEGACY, legacy(id, interview));
      }
    }
    const byInterview = await outcomes(t);
    for (const id of MOVED) {
      expect(byInterview.get(`i-${id}`)).toEqual(['legacy:shadowed', 'workflows:pending']);
    }
    for (const id of STAYING) {
      expect(byInterview.get(`i-${id}`)).toEqual(['legacy:pending', 'workflows:shadowed']);
    }
  });

  it('a Workflows event without a customer id is placed by the customer its legacy report names', async () => {
    const t = await makeTestApp({ forwardSource: 'workflows:50%' });
    const [movedFirst, movedLater] = MOVED as [string, string];
    const [stayingFirst, stayingLater] = STAYING as [string, string];
    // Legacy first: the Workflows event takes the other side of the legacy decision.
    await t.post(LEGACY, legacy(movedFirst, 'a'));
    await t.post(WORKFLOWS, workflows(null, 'a'));
    await t.post(LEGACY, legacy(stayingFirst, 'b'));
    await t.post(WORKFLOWS, workflows(null, 'b'));
    // Workflows first: it waits; its legacy report names the customer, whose preferred report goes.
    await t.post(WORKFLOWS, workflows(null, 'c'));
    await t.post(LEGACY, legacy(movedLater, 'c'));
    await t.post(WORKFLOWS, workflows(null, 'd'));
    await t.post(LEGACY, legacy(stayingLater, 'd'));
    const byInterview = await outcomes(t);
    expect(Object.fromEntries(byInterview)).toEqual({
      a: ['legacy:shadowed', 'workflows:pending'],
      b: ['legacy:pending', 'workflows:shadowed'],
      c: ['legacy:shadowed', 'workflows:pending'],
      d: ['legacy:pending', 'workflows:shadowed'],
    });
  });
});
