import { Writable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { createCutoverWatch } from '../../src/cutover/cutover-watch.js';
import type { GuardSettings } from '../../src/cutover/guard.js';
import { loadForwardSource } from '../../src/cutover/switch.js';
import { createLogger } from '../../src/ops/logger.js';
import { createMetrics } from '../../src/ops/metrics.js';
import { bucketOf } from '../../src/store/rules/bucket.js';
import { SqliteStore } from '../../src/store/sqlite/sqlite-store.js';
import { makeTestApp } from '../helpers/test-app.js';

const SETTINGS: GuardSettings = {
  minPairs: 20,
  minAgreement: 0.99,
  counts: 'reason',
  windowMs: 3_600_000,
  compareWindowMs: 300_000,
};

function capture() {
  const lines: Record<string, unknown>[] = [];
  const destination = new Writable({
    write(chunk, _encoding, done) {
      for (const text of chunk.toString().split('\n').filter(Boolean)) lines.push(JSON.parse(text));
      done();
    },
  });
  return { logger: createLogger({ level: 'info', destination }), lines };
}

const warnings = (lines: Record<string, unknown>[]) =>
  lines.filter((l) => l.level === 'warn').map((l) => String(l.msg));

describe("the cut-over watch: Incode's dates", () => {
  it('warns from 2027-01-01 while legacy is forwarded: at the first look, then once a day', async () => {
    const store = SqliteStore.open(':memory:');
    const { logger, lines } = capture();
    let now = Date.parse('2026-12-31T23:00:00Z');
    const forwardSource = await loadForwardSource(
      store,
      { value: 'workflows:90%', explicit: true },
      logger,
      { now },
    );
    const watch = createCutoverWatch({
      store,
      forwardSource,
      settings: SETTINGS,
      logger,
      metrics: createMetrics(store),
      clock: () => now,
    });
    await watch.check();
    expect(warnings(lines)).toEqual([]);
    now = Date.parse('2027-01-01T00:00:05Z');
    await watch.check();
    now += 3_600_000;
    await watch.check();
    expect(warnings(lines)).toEqual([
      'legacy events are still forwarded for some customers: 90 days left: Incode switches the legacy Authentication Webhook 1:1 off on 2027-04-01; the recommended date (2027-01-01) has passed',
    ]);
    now = Date.parse('2027-01-02T00:00:01Z');
    await watch.check();
    expect(warnings(lines)).toHaveLength(2);
    // All customers on Workflows: nothing to warn about.
    await forwardSource.set('workflows', now);
    now = Date.parse('2027-01-03T00:00:01Z');
    await watch.check();
    expect(warnings(lines)).toHaveLength(2);
  });

  it('/metrics has 2027-04-01 as a Unix time: the days left are computed in PromQL', async () => {
    const store = SqliteStore.open(':memory:');
    const metrics = createMetrics(store);
    const text = await metrics.registry.metrics();
    const at = Number(/^faceauth_legacy_off_timestamp_seconds (\d+)$/m.exec(text)?.[1]);
    expect(at * 1000).toBe(Date.parse('2027-04-01T00:00:00Z'));
    // The documented expression, (faceauth_legacy_off_timestamp_seconds - time()) / 86400, on
    // 2027-03-01 (the README's example):
    expect((at - Date.parse('2027-03-01T00:00:00Z') / 1000) / 86_400).toBe(31);
  });
});

describe('the cut-over watch: the guard on stored pairs', () => {
  it('rolls back once when two instances see the same disagreement at the same instant', async () => {
    const t = await makeTestApp({ forwardSource: 'workflows:50%' });
    const moved = Array.from({ length: 100 }, (_, i) => `cust-${i}`)
      .filter((id) => bucketOf(id) < 5000)
      .slice(0, SETTINGS.minPairs);
    for (const id of moved) {
      await t.post(
        '/webhooks/legacy/authentication',
        JSON.stringify({
          customerId: id,
          interviewId: `i-${id}`,
          faceMatch: true,
          overallStatus: 'PASS',
        }),
      );
      await t.post(
        '/webhooks/workflows/face-authentication',
        JSON.stringify({
          customerId: id,
          interviewId: `i-${id}`,
          overallStatus: 'FAIL',
          error: { name: 'SPOOF_DETECTED', message: 'Spoof attempt detected' },
        }),
      );
    }
    const env = { value: 'workflows:50%' as const, explicit: true };
    const start = Date.now() - 60_000;
    const { logger, lines } = capture();
    const one = await loadForwardSource(t.store, env, logger, { now: start });
    const two = await loadForwardSource(t.store, env, logger, { now: start });
    const metrics = createMetrics(t.store);
    const watch = (forwardSource: typeof one) =>
      createCutoverWatch({ store: t.store, forwardSource, settings: SETTINGS, logger, metrics });
    // Both decide from the same stored state; the compare and set lets one write.
    const results = await Promise.all([watch(one).check(), watch(two).check()]);
    expect([...results].sort()).toEqual(['rollback', 'wait']);
    await Promise.all([one.refresh(), two.refresh()]);
    expect(one.get()).toBe('workflows:0%');
    expect(two.get()).toBe('workflows:0%');
    expect(await metrics.registry.metrics()).toMatch(/^faceauth_forward_guard_rollbacks_total 1$/m);
    const warned = lines.filter((l) =>
      String(l.msg).startsWith('FORWARD_SOURCE guard: rolled back'),
    );
    expect(warned).toHaveLength(1);
    expect(warned[0]).toMatchObject({
      from: '50%',
      to: '0%',
      pairIds: expect.arrayContaining([expect.any(String)]),
    });
    // A further look changes nothing: the rollback is done, the plan (none) stays paused.
    expect(await watch(one).check()).toBe('wait');
  });

  it('expected differences (mappings/comparison.yaml) do not roll back: FACE_TOO_DARK against legacy 4015', async () => {
    const t = await makeTestApp({ forwardSource: 'workflows:50%' });
    const moved = Array.from({ length: 200 }, (_, i) => `dark-${i}`)
      .filter((id) => bucketOf(id) < 5000)
      .slice(0, SETTINGS.minPairs);
    for (const id of moved) {
      await t.post(
        '/webhooks/legacy/authentication',
        JSON.stringify({
          customerId: id,
          interviewId: `i-${id}`,
          faceMatch: false,
          overallStatus: 'FAIL',
          error: 'User is not recognized',
          errorCode: 4015,
        }),
      );
      await t.post(
        '/webhooks/workflows/face-authentication',
        JSON.stringify({
          customerId: id,
          interviewId: `i-${id}`,
          overallStatus: 'FAIL',
          error: { name: 'FACE_TOO_DARK', message: 'The face is too dark' },
        }),
      );
    }
    const { logger } = capture();
    const forwardSource = await loadForwardSource(
      t.store,
      { value: 'workflows:50%', explicit: true },
      logger,
      { now: Date.now() - 60_000 },
    );
    const watch = createCutoverWatch({
      store: t.store,
      forwardSource,
      settings: SETTINGS,
      logger,
      metrics: createMetrics(t.store),
    });
    expect(await watch.check()).toBe('wait');
    expect(forwardSource.get()).toBe('workflows:50%');
  });
});
