import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/config/config.js';
import { createLogger } from '../../src/ops/logger.js';
import { type RunningService, startService } from '../../src/service.js';

// deploy/prometheus/alerts.yml and deploy/grafana/faceauth-shim-migration.json: the rules pass
// Prometheus's own checker and their unit tests (`promtool`, Debian's prometheus package, which
// CI installs: see .ci/run), and every metric they read is one the service exposes.

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const PROMTOOL = '/usr/bin/promtool';
const RULES = join(ROOT, 'deploy/prometheus/alerts.yml');
const DASHBOARD = join(ROOT, 'deploy/grafana/faceauth-shim-migration.json');
const hasPromtool = existsSync(PROMTOOL);
const SKIPPED = `skipped: ${PROMTOOL} is not installed (CI installs Debian's prometheus; see .ci/run)`;

interface Dashboard {
  title: string;
  panels: { type: string; title: string; targets?: { expr: string }[] }[];
}
const dashboard = JSON.parse(readFileSync(DASHBOARD, 'utf8')) as Dashboard;
const rules = readFileSync(RULES, 'utf8');

/** The faceauth_ metric names a PromQL text reads. */
const namesIn = (text: string) => [...new Set(text.match(/\bfaceauth_[a-z0-9_]+/g) ?? [])];

function promtool(...args: string[]) {
  return spawnSync(PROMTOOL, args, { cwd: join(ROOT, 'deploy/prometheus'), encoding: 'utf8' });
}

if (!hasPromtool && !process.env.CI) {
  process.stderr.write(`test/deploy/prometheus.test.ts: ${SKIPPED}\n`);
  it.skip(SKIPPED, () => {});
} else {
  describe('the alert rules under promtool', () => {
    it('pass `promtool check rules`', () => {
      const run = promtool('check', 'rules', RULES);
      expect(run.error, `${PROMTOOL} is missing (CI installs it)`).toBeUndefined();
      expect(run.status, `${run.stdout}${run.stderr}`).toBe(0);
      expect(run.stdout).toMatch(/SUCCESS: \d+ rules found/);
    });

    it('pass their unit tests (`promtool test rules`): each fires when it should, and not before', () => {
      const run = promtool('test', 'rules', 'alerts.test.yml');
      expect(run.status, `${run.stdout}${run.stderr}`).toBe(0);
    });
  });
}

describe('what the rules and the dashboard read exists in /metrics', () => {
  let dir: string;
  let service: RunningService;
  let exposed: Set<string>;
  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'faceauth-prometheus-'));
    service = await startService(
      loadConfig({
        HOST: '127.0.0.1',
        PORT: '0',
        CALLBACK_URL: 'http://127.0.0.1:9/callback',
        INBOUND_AUTH: 'none',
        DATABASE_URL: `sqlite:${join(dir, 'shim.db')}`,
        FORWARD_SOURCE: 'workflows:10%',
      }),
      createLogger({ level: 'silent' }),
    );
    const text = await (await fetch(`${service.url}/metrics`)).text();
    // Every family the service declares, with the series names a histogram and a counter add.
    exposed = new Set(
      [...text.matchAll(/^# TYPE (\S+) (\S+)$/gm)].flatMap(([, name, type]) =>
        type === 'histogram'
          ? [`${name}_bucket`, `${name}_sum`, `${name}_count`]
          : [name as string],
      ),
    );
  });
  afterAll(async () => {
    await service?.close(0);
    rmSync(dir, { recursive: true, force: true });
  });

  it('every metric the alert rules read', () => {
    const names = namesIn(rules);
    expect(names.length).toBeGreaterThan(5);
    expect(names.filter((name) => !exposed.has(name))).toEqual([]);
  });

  it('every metric the dashboard reads', () => {
    const exprs = dashboard.panels.flatMap((p) => (p.targets ?? []).map((t) => t.expr));
    const names = namesIn(exprs.join('\n'));
    expect(names.filter((name) => !exposed.has(name))).toEqual([]);
  });

  it('the dashboard shows the migration: backlog, age, failures, share, guard, logins by source, days left', () => {
    expect(dashboard.title).toBe('faceauth-shim: the migration');
    const reads = (metric: string) =>
      dashboard.panels.some((p) => (p.targets ?? []).some((t) => t.expr.includes(metric)));
    for (const metric of [
      'faceauth_events',
      'faceauth_oldest_pending_age_seconds',
      'faceauth_delivery_attempts_total',
      'faceauth_callback_failing',
      'faceauth_forward_workflows_share_ratio',
      'faceauth_forward_guard_paused',
      'faceauth_recent_logins',
      'faceauth_legacy_off_timestamp_seconds',
    ]) {
      expect(reads(metric), metric).toBe(true);
    }
    for (const panel of dashboard.panels.filter((p) => p.type !== 'row')) {
      expect(panel.title).not.toBe('');
      expect(panel.targets?.length, panel.title).toBeGreaterThan(0);
    }
  });
});
