import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { bucketOf } from '../../src/store/rules/bucket.js';
import { type CallbackServer, startCallbackServer } from '../helpers/callback-server.js';
import { type ServiceProcess, startServiceProcess } from '../helpers/service-process.js';

// The real service (a process, started from source) with a plan whose first step moves half the
// customers to Workflows; Workflows disagrees with legacy; a real callback on loopback.

const LEGACY = '/webhooks/legacy/authentication';
const WORKFLOWS = '/webhooks/workflows/face-authentication';
const KEY = { name: 'X-Incode-Key', value: 'e2e-inbound-secret' };
const ADMIN = 'admin-token-cutover-0123';

const cleanups: (() => Promise<void> | void)[] = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

const ids = Array.from({ length: 200 }, (_, i) => `cust-${i}`);
/** Customers the first step (50%) moves to Workflows, and one it leaves on legacy. */
const MOVED = ids.filter((id) => bucketOf(id) < 5000);
const STAYS = ids.find((id) => bucketOf(id) >= 5000) as string;

const legacyBody = (customerId: string, interviewId: string) =>
  JSON.stringify({
    customerId,
    interviewId,
    token: '',
    interviewToken: '',
    transactionId: `t-${interviewId}`,
    faceMatch: true,
    spoofAttempt: false,
    overallScore: 0.93,
    overallStatus: 'PASS',
  });
/** Workflows says the same login failed: a disagreement on status. */
const workflowsBody = (customerId: string, interviewId: string) =>
  JSON.stringify({
    interviewId,
    customerId,
    overallStatus: 'FAIL',
    hint: customerId,
    error: { name: 'SPOOF_DETECTED', message: 'Spoof attempt detected' },
  });

async function send(base: string, route: string, body: string) {
  const response = await fetch(`${base}${route}`, {
    method: 'POST',
    body,
    headers: { 'content-type': 'application/json', [KEY.name]: KEY.value },
  });
  expect(response.status).toBe(200);
}

/** What the tests read of an admin answer (the status, or a list of events). */
interface AdminAnswer {
  source?: string;
  paused?: { pairIds: string[] } | null;
  events?: { id: string }[];
}

async function admin(base: string, path: string, method = 'GET') {
  const response = await fetch(`${base}/admin${path}`, {
    method,
    headers: { authorization: `Bearer ${ADMIN}` },
  });
  return { status: response.status, body: (await response.json()) as AdminAnswer };
}

/** Asks until `check` holds (the guard looks every 100 ms), at most a few seconds. */
async function until<T>(read: () => Promise<T>, check: (value: T) => boolean): Promise<T> {
  const deadline = Date.now() + 8000;
  for (;;) {
    const value = await read();
    if (check(value) || Date.now() > deadline) return value;
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

describe('gradual cut-over, end to end', () => {
  it('a disagreeing source rolls the share back and pauses; a replay or a restart does not undo it', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'faceauth-cutover-'));
    cleanups.push(() => rmSync(dir, { recursive: true, force: true }));
    const cb: CallbackServer = await startCallbackServer();
    cleanups.push(() => cb.close());
    const env = {
      CALLBACK_URL: cb.url,
      DATABASE_URL: `sqlite:${join(dir, 'shim.db')}`,
      INBOUND_HEADER_NAME: KEY.name,
      INBOUND_HEADER_VALUE: KEY.value,
      ADMIN_TOKEN: ADMIN,
      FORWARD_SOURCE_PLAN: '50%,100%@1d',
      FORWARD_SOURCE_GUARD_INTERVAL: '100ms',
      COMPARE_MIN_PAIRS: '2',
    };
    const start = async (over: Record<string, string> = {}) => {
      const proc: ServiceProcess = await startServiceProcess({ ...env, ...over });
      cleanups.push(async () => {
        if (proc.child.exitCode === null) {
          proc.child.kill('SIGTERM');
          await proc.exited;
        }
      });
      return proc;
    };
    let shim = await start();
    const first = await admin(shim.url, '/forward-source');
    expect(first.body).toMatchObject({
      source: 'workflows:50%',
      plan: { step: 1, text: '50%,100%@1d' },
      paused: null,
      guard: { status: 'green' },
    });

    // Two logins of moved customers: Workflows is forwarded, legacy shadowed; they disagree.
    const [a, b] = MOVED as [string, string];
    await send(shim.url, LEGACY, legacyBody(a, 'i-a1'));
    await send(shim.url, WORKFLOWS, workflowsBody(a, 'i-a1'));
    await send(shim.url, WORKFLOWS, workflowsBody(b, 'i-b1'));
    await send(shim.url, LEGACY, legacyBody(b, 'i-b1'));
    // A customer the share leaves on legacy: legacy forwarded, Workflows shadowed.
    await send(shim.url, LEGACY, legacyBody(STAYS, 'i-s1'));
    await send(shim.url, WORKFLOWS, workflowsBody(STAYS, 'i-s1'));
    await cb.waitForCalls(3);

    const paused = await until(
      () => admin(shim.url, '/forward-source'),
      (r) => r.body.paused !== null,
    );
    expect(paused.body).toMatchObject({
      source: 'workflows:0%',
      plan: { step: 0 },
      paused: {
        from: '50%',
        to: '0%',
        reason:
          'agreement 0.0% over 2 pairs of moved customers in the guard window, below COMPARE_MIN_AGREEMENT=0.99',
      },
      next: { action: 'wait', reason: expect.stringMatching(/^paused by the guard/) },
    });
    const pairIds = paused.body.paused?.pairIds ?? [];
    expect(pairIds).toHaveLength(2);
    // The state is written before the line that says so: wait for the line, not assume it.
    const rolledBack =
      /"level":"warn".*"pairIds":\[".*"\].*FORWARD_SOURCE guard: rolled back from 50% to 0%/;
    expect(
      await until(
        () => Promise.resolve(shim.output()),
        (text) => rolledBack.test(text),
      ),
    ).toMatch(rolledBack);
    const metrics = await (await fetch(`${shim.url}/metrics`)).text();
    expect(metrics).toMatch(/^faceauth_forward_guard_rollbacks_total 1$/m);
    expect(metrics).toMatch(/^faceauth_forward_guard_paused 1$/m);
    expect(metrics).toMatch(/^faceauth_forward_workflows_share_ratio 0$/m);
    expect(metrics).toMatch(/^faceauth_legacy_off_timestamp_seconds 1806537600$/m);

    // What was forwarded stays forwarded: the callback got the moved customers' Workflows
    // events and the other customer's legacy one, once each.
    const sources = cb.calls.map((c) => [c.json.customerId, c.headers['x-faceauth-source']]);
    expect(sources.sort()).toEqual(
      [
        [a, 'workflows'],
        [b, 'workflows'],
        [STAYS, 'legacy'],
      ].sort(),
    );

    // After the rollback, a moved customer's next login reaches the callback through legacy.
    await send(shim.url, WORKFLOWS, workflowsBody(a, 'i-a2'));
    await send(shim.url, LEGACY, legacyBody(a, 'i-a2'));
    const [fourth] = (await cb.waitForCalls(4)).slice(3);
    expect(fourth?.headers['x-faceauth-source']).toBe('legacy');
    expect(fourth?.json.interviewId).toBe('i-a2');

    // A replay of a forwarded Workflows event sends it again, and changes nothing of the rollback.
    const workflowsEvents = await admin(shim.url, '/events?source=workflows&status=delivered');
    const replayed = workflowsEvents.body.events?.[0]?.id;
    expect((await admin(shim.url, `/events/${replayed}/replay`, 'POST')).status).toBe(200);
    await cb.waitForCalls(5);
    await new Promise((resolve) => setTimeout(resolve, 400));
    expect((await admin(shim.url, '/forward-source')).body).toMatchObject({
      source: 'workflows:0%',
      paused: { from: '50%', to: '0%' },
    });

    // A restart with the same environment keeps the rollback and the pause.
    shim.child.kill('SIGTERM');
    expect(await shim.exited).toBe(0);
    shim = await start();
    await new Promise((resolve) => setTimeout(resolve, 400));
    const restarted = await admin(shim.url, '/forward-source');
    expect(restarted.body).toMatchObject({
      source: 'workflows:0%',
      paused: { from: '50%', to: '0%', pairIds },
    });
    expect(cb.calls).toHaveLength(5);

    // A restart whose environment asks for something else (FORWARD_SOURCE=legacy written out,
    // no plan) changes nothing either; the instance says so.
    shim.child.kill('SIGTERM');
    expect(await shim.exited).toBe(0);
    const { FORWARD_SOURCE_PLAN: _plan, ...withoutPlan } = env;
    const proc = await startServiceProcess({ ...withoutPlan, FORWARD_SOURCE: 'legacy' });
    cleanups.push(async () => {
      if (proc.child.exitCode === null) {
        proc.child.kill('SIGTERM');
        await proc.exited;
      }
    });
    shim = proc;
    const differing = await admin(shim.url, '/forward-source');
    expect(differing.body).toMatchObject({
      source: 'workflows:0%',
      paused: { from: '50%', to: '0%' },
      environments: { thisInstance: { forwardSource: 'legacy', differs: true } },
    });
    expect(shim.output()).toMatch(
      /"level":"warn".*asks for legacy, but the stored cut-over is workflows:0%: the stored one holds/,
    );

    // Only an operator resumes: the plan retakes its due step, and pairs are counted anew.
    const resumed = await admin(shim.url, '/forward-source/resume', 'POST');
    expect(resumed.status).toBe(200);
    const again = await until(
      () => admin(shim.url, '/forward-source'),
      (r) => r.body.source === 'workflows:50%',
    );
    expect(again.body).toMatchObject({
      source: 'workflows:50%',
      paused: null,
      guard: { status: 'green' },
    });
    expect((await admin(shim.url, '/forward-source/resume', 'POST')).status).toBe(409);
  }, 60_000);
});
