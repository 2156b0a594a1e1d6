import { describe, expect, it } from 'vitest';
import { bucketOf } from '../../src/store/rules/bucket.js';
import type { ReceivedCall } from '../helpers/callback-server.js';
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
import { until } from '../helpers/until.js';

// Being told: the real service POSTs alerts to a real receiver on loopback (ALERT_WEBHOOK_URL).

const ofKind = (calls: ReceivedCall[], kind: string) => calls.filter((c) => c.json.alert === kind);
const counted = (text: string, kind: string, outcome: string) =>
  Number(
    new RegExp(`^faceauth_alerts_total\\{kind="${kind}",outcome="${outcome}"\\} (\\d+)$`, 'm').exec(
      text,
    )?.[1] ?? Number.NaN,
  );

describe('alerts to ALERT_WEBHOOK_URL', () => {
  it('a dead event POSTs one alert; a storm of deaths is summed up, not sent one by one', async () => {
    // The callback says 410 Gone: each event is dead at its first attempt.
    const cb = await receiver(() => ({ status: 410 }));
    const alerts = await receiver();
    const shim = await service({
      ...baseEnv(),
      CALLBACK_URL: cb.url,
      ALERT_WEBHOOK_URL: alerts.url,
      ALERT_INTERVAL: '3s',
    });
    await send(shim.url, LEGACY, legacyBody('cust-0', 'i-0'));
    await alerts.waitForCalls(1);
    const [dead] = (await admin<{ events: EventRow[] }>(shim.url, '/events?status=dead')).body
      .events;
    expect(alerts.calls[0]?.json).toMatchObject({
      alert: 'event_dead',
      ids: { eventIds: [dead?.id] },
      count: 1,
      text: expect.stringContaining(`event ${dead?.id} is dead: the callback answered 410 Gone`),
      summary: expect.not.stringMatching(/https?:/),
    });
    let text = await metrics(shim.url);
    expect(counted(text, 'event_dead', 'sent')).toBe(1);
    expect(counted(text, 'event_dead', 'folded')).toBe(0);

    // 40 more deaths within the interval: folded into summaries, each saying how many.
    for (let i = 1; i <= 40; i++) await send(shim.url, LEGACY, legacyBody(`cust-${i}`, `i-${i}`));
    await cb.waitForCalls(41);
    await until(
      'every death accounted for in the alerts',
      () => ofKind(alerts.calls, 'event_dead').reduce((n, c) => n + Number(c.json.count), 0) === 41,
      10_000,
    );
    const posts = ofKind(alerts.calls, 'event_dead');
    expect(posts.length).toBeLessThanOrEqual(4);
    expect(posts[1]?.json.summary).toMatch(
      /^\d+ more event_dead alerts in the last 3s \(ALERT_INTERVAL\)/,
    );
    // Each death was either posted on its own or folded into a summary: none lost, none failed.
    const alone = posts.filter((c) => !String(c.json.summary).includes('more event_dead alerts'));
    text = await metrics(shim.url);
    expect(counted(text, 'event_dead', 'folded') + alone.length).toBe(41);
    expect(counted(text, 'event_dead', 'folded')).toBeGreaterThan(30);
    expect(counted(text, 'event_dead', 'failed')).toBe(0);
  }, 40_000);

  it("the guard's rollback POSTs one alert, naming the disagreeing pairs", async () => {
    const ids = Array.from({ length: 200 }, (_, i) => `cust-${i}`);
    const [a, b] = ids.filter((id) => bucketOf(id) < 5000) as [string, string];
    const cb = await receiver();
    const alerts = await receiver();
    const shim = await service({
      ...baseEnv(),
      CALLBACK_URL: cb.url,
      ALERT_WEBHOOK_URL: alerts.url,
      FORWARD_SOURCE_PLAN: '50%,100%@1d',
      FORWARD_SOURCE_GUARD_INTERVAL: '100ms',
      COMPARE_MIN_PAIRS: '2',
    });
    // Two logins of moved customers, on which Workflows disagrees with legacy.
    for (const [customerId, interviewId] of [
      [a, 'i-a'],
      [b, 'i-b'],
    ] as const) {
      await send(shim.url, LEGACY, legacyBody(customerId, interviewId));
      await send(shim.url, WORKFLOWS, {
        interviewId,
        customerId,
        overallStatus: 'FAIL',
        hint: customerId,
        error: { name: 'SPOOF_DETECTED', message: 'Spoof attempt detected' },
      });
    }
    await alerts.waitForCalls(1, 10_000);
    const rollback = ofKind(alerts.calls, 'guard_rollback');
    expect(rollback).toHaveLength(1);
    expect(rollback[0]?.json).toMatchObject({
      text: expect.stringContaining('rolled the customers on Workflows back from 50% to 0%'),
      ids: { pairIds: expect.arrayContaining([expect.stringMatching(/^[\w-]+\/[\w-]+$/)]) },
    });
    expect((rollback[0]?.json.ids as { pairIds?: string[] } | undefined)?.pairIds).toHaveLength(2);
    // Told once: the guard looks every 100 ms, and the rollback is written (and told) once.
    await until('the guard looked again', async () =>
      (await metrics(shim.url)).includes('faceauth_forward_guard_paused 1'),
    );
    const text = await metrics(shim.url);
    expect(counted(text, 'guard_rollback', 'sent')).toBe(1);
    expect(counted(text, 'guard_rollback', 'folded')).toBe(0);
  }, 40_000);
});
