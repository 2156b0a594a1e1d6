import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, expect, it } from 'vitest';
import { startCallbackServer } from '../helpers/callback-server.js';
import { readFixtureBytes } from '../helpers/fixtures.js';
import { startServiceProcess } from '../helpers/service-process.js';
import { until } from '../helpers/until.js';

// The real service's /metrics, after traffic of every kind, through Prometheus's own linter:
// `promtool check metrics` (Debian's prometheus package; CI installs it in .ci/run). On a
// machine without it the test is skipped, saying why in one line; in CI its absence fails.

/** METRICS_TEST_PROMTOOL only lets a run try a machine without promtool. */
const PROMTOOL = process.env.METRICS_TEST_PROMTOOL || '/usr/bin/promtool';
const runs = existsSync(PROMTOOL) || Boolean(process.env.CI);
const SKIPPED = `skipped: ${PROMTOOL} is not installed (CI installs Debian's prometheus; see .ci/run)`;

const KEY = { name: 'x-incode-key', value: 'promtool-inbound-secret' };
const METRICS_TOKEN = 'promtool-metrics-token-0123';
const LEGACY = '/webhooks/legacy/authentication';

const cleanups: (() => unknown)[] = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

if (!runs) {
  // One line on standard error says why (console.* fails a test, see test/helpers/no-console.ts).
  process.stderr.write(`test/ops/metrics-promtool.test.ts: ${SKIPPED}\n`);
  it.skip(SKIPPED, () => {});
} else {
  it('the live /metrics passes promtool check metrics, at start and after traffic of every kind', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'faceauth-promtool-'));
    cleanups.push(() => rmSync(dir, { recursive: true, force: true }));
    const cb = await startCallbackServer((_call, i) => ({ status: i === 0 ? 503 : 200 }));
    cleanups.push(() => cb.close());
    const service = await startServiceProcess({
      CALLBACK_URL: cb.url,
      DATABASE_URL: `sqlite:${join(dir, 'shim.db')}`,
      INBOUND_HEADER_NAME: KEY.name,
      INBOUND_HEADER_VALUE: KEY.value,
      METRICS_TOKEN,
      DELIVERY_RETRY_SCHEDULE: '50ms',
      FORWARD_SOURCE: 'workflows:25%',
    });
    cleanups.push(async () => {
      service.child.kill('SIGKILL');
      await service.exited;
    });
    const scrape = async () => {
      const response = await fetch(`${service.url}/metrics`, {
        headers: { authorization: `Bearer ${METRICS_TOKEN}` },
      });
      expect(response.status).toBe(200);
      return response.text();
    };
    const check = (text: string) => {
      const result = spawnSync(PROMTOOL, ['check', 'metrics'], { input: text, encoding: 'utf8' });
      if (result.error) throw result.error;
      return { status: result.status, problems: `${result.stdout}${result.stderr}`.trim() };
    };

    const atStart = await scrape();
    expect(check(atStart)).toEqual({ status: 0, problems: '' });
    // Counters with known labels have their series before anything happened.
    expect(atStart).toMatch(
      /^faceauth_webhooks_total\{route="\/webhooks\/legacy\/authentication",outcome="accepted"\} 0$/m,
    );

    // Traffic: accepted (delivered after a 503), a redelivery, every refusal, a wrong token.
    const body = JSON.parse(readFixtureBytes('legacy/success.json').toString('utf8'));
    const post = (text: string, headers: Record<string, string> = {}) =>
      fetch(`${service.url}${LEGACY}`, {
        method: 'POST',
        headers: { [KEY.name]: KEY.value, 'content-type': 'application/json', ...headers },
        body: text,
      });
    const good = JSON.stringify({ ...body, customerId: 'promtool-customer' });
    expect((await post(good)).status).toBe(200);
    expect((await post(good)).status).toBe(200);
    expect((await post(good, { [KEY.name]: 'wrong-key-but-long-enough' })).status).toBe(401);
    expect((await post(good, { 'content-type': 'text/plain' })).status).toBe(415);
    expect((await post('{"customerId":')).status).toBe(400);
    expect((await post('{"overallStatus":7}')).status).toBe(422);
    expect((await fetch(`${service.url}/metrics`)).status).toBe(401);
    await until('the delivery after a 503', () => cb.calls.length === 2);
    // The callback has its answer before the service has counted it: wait for the count.
    const delivered =
      /^faceauth_delivery_attempts_total\{source="legacy",outcome="delivered"\} 1$/m;
    await until('the delivery to be counted', async () => delivered.test(await scrape()));

    const after = await scrape();
    expect(check(after)).toEqual({ status: 0, problems: '' });
    const value = (series: string) =>
      Number(
        after
          .split('\n')
          .find((line) => line.startsWith(`${series} `))
          ?.split(' ')[1],
      );
    expect(value(`faceauth_webhooks_total{route="${LEGACY}",outcome="accepted"}`)).toBe(1);
    expect(value(`faceauth_webhooks_total{route="${LEGACY}",outcome="duplicate"}`)).toBe(1);
    expect(value('faceauth_delivery_attempts_total{source="legacy",outcome="failed"}')).toBe(1);
    expect(value('faceauth_delivery_attempts_total{source="legacy",outcome="delivered"}')).toBe(1);
    expect(value('faceauth_unauthorized_total{route="/metrics"}')).toBe(1);
    expect(value('faceauth_forward_workflows_share_ratio')).toBe(0.25);
    expect(value('process_resident_memory_bytes')).toBeGreaterThan(0);
  }, 30_000);
}
