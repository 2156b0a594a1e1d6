import { describe, expect, it } from 'vitest';
import { bucketOf } from '../../src/store/rules/bucket.js';
import {
  admin,
  baseEnv,
  type EventRow,
  LEGACY,
  legacyBody,
  metrics,
  receiver,
  send,
  service,
  WORKFLOWS,
} from '../helpers/operating-service.js';
import { runCli } from '../helpers/service-process.js';

// "What happened to user X's login?": the first support ticket, answered through the admin API
// and the command line of the real service, with a real callback.

/** A customer a 50% share moves to Workflows, and one it leaves on legacy. */
const customers = Array.from({ length: 50 }, (_, i) => `cust-${i}`);
const MOVED = customers.find((id) => bucketOf(id) < 5000) as string;
const STAYS = customers.find((id) => bucketOf(id) >= 5000) as string;

const workflowsBody = (customerId: string, interviewId: string) => ({
  interviewId,
  customerId,
  overallStatus: 'FAIL',
  hint: customerId,
  error: { name: 'SPOOF_DETECTED', message: 'Spoof attempt detected' },
});

describe('find any login', () => {
  it('filters return only that customer (or interview); the detail shows the pair; the customer view says moved or not', async () => {
    const cb = await receiver();
    const env = { ...baseEnv(), FORWARD_SOURCE: 'workflows:50%' };
    const shim = await service({ ...env, CALLBACK_URL: cb.url });
    // The moved customer's login reported by both sources; the other customer's by legacy only.
    await send(shim.url, LEGACY, legacyBody(MOVED, 'i-moved'));
    await send(shim.url, WORKFLOWS, workflowsBody(MOVED, 'i-moved'));
    await send(shim.url, LEGACY, legacyBody(STAYS, 'i-stays'));
    await cb.waitForCalls(2);

    const mine = await admin<{ events: EventRow[] }>(shim.url, `/events?customerId=${MOVED}`);
    expect(mine.body.events.map((e) => e.result.customerId)).toEqual([MOVED, MOVED]);
    const other = await admin<{ events: EventRow[] }>(shim.url, `/events?customerId=${STAYS}`);
    expect(other.body.events.map((e) => e.result.interviewId)).toEqual(['i-stays']);
    const interview = await admin<{ events: EventRow[] }>(shim.url, '/events?interviewId=i-moved');
    expect(interview.body.events).toHaveLength(2);

    // The pair: the Workflows report was sent (the share moves this customer), legacy shadowed.
    const legacyReport = interview.body.events.find((e) => e.status === 'shadowed') as EventRow;
    const detail = await admin(shim.url, `/events/${legacyReport.id}`);
    expect(detail.body).toMatchObject({
      source: 'legacy',
      status: 'shadowed',
      pair: {
        counterpartSource: 'workflows',
        forwarded: 'workflows',
        comparison: {
          statusAgrees: false,
          kind: 'status: legacy PASS, workflows FAIL',
          differences: expect.arrayContaining([
            { field: 'status', legacy: 'PASS', workflows: 'FAIL' },
          ]),
        },
      },
    });

    const view = await admin(shim.url, `/customers/${MOVED}`);
    expect(view.body).toMatchObject({
      moved: true,
      forwardSource: 'workflows:50%',
      logins: [
        {
          interviewId: 'i-moved',
          reports: [{ source: 'legacy' }, { source: 'workflows' }],
          callback: { source: 'workflows', result: 'FAIL', reason: 'SPOOF_DETECTED' },
        },
      ],
    });
    expect((await admin(shim.url, `/customers/${STAYS}`)).body).toMatchObject({ moved: false });

    // The same from the command line, beside the running service.
    const listed = await runCli(env, ['events', '--customer', STAYS]);
    expect(listed.code).toBe(0);
    const lines = listed.stdout.trim().split('\n');
    expect(lines[0]).toMatch(/^RECEIVED +ID +SOURCE +STATUS +RESULT +REASON +CUSTOMER +PAIR$/);
    expect(lines.slice(1)).toHaveLength(1);
    expect(lines[1]).toContain(STAYS);
    const customer = await runCli(env, ['customer', MOVED]);
    expect(customer.stdout).toMatch(
      new RegExp(`^customer ${MOVED}: moved: its Workflows reports are forwarded`),
    );
    expect(customer.stdout).toMatch(
      /\nRECEIVED +INTERVIEW +REPORTS +CALLBACK GOT\n.* i-moved +legacy .*, workflows .* workflows FAIL SPOOF_DETECTED, (pending|delivered)/,
    );

    // What operators watch is in /metrics.
    const text = await metrics(shim.url);
    for (const name of [
      'faceauth_oldest_pending_age_seconds',
      'faceauth_held_customers',
      'faceauth_callback_failing',
      'faceauth_alerts_total',
    ]) {
      expect(text).toMatch(new RegExp(`^${name}[ {]`, 'm'));
    }
    expect(text).toMatch(/^faceauth_recent_logins\{reported_by="both"\} 1$/m);
    expect(text).toMatch(/^faceauth_recent_logins\{reported_by="legacy_only"\} 1$/m);
  }, 30_000);
});
