import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { describe, expect, it } from 'vitest';
import { createApp } from '../../src/app.js';
import { loadConfig } from '../../src/config/config.js';
import { loadMappings } from '../../src/normalize/load-mappings.js';
import { createLogger } from '../../src/ops/logger.js';
import { createMetrics } from '../../src/ops/metrics.js';
import { SqliteStore } from '../../src/store/sqlite/sqlite-store.js';
import { readFixtureBytes } from '../helpers/fixtures.js';
import { INBOUND, makeTestApp } from '../helpers/test-app.js';

describe('operations routes', () => {
  it('/healthz answers while the process is up', async () => {
    const t = await makeTestApp();
    const response = await t.app.request('/healthz');
    expect(response.status).toBe(200);
    expect(await response.json()).toEqual({ status: 'ok' });
  });

  it('/readyz is 200 with a working store and 503 with a closed one', async () => {
    const t = await makeTestApp();
    expect((await t.app.request('/readyz')).status).toBe(200);
    await t.store.close();
    const response = await t.app.request('/readyz');
    expect(response.status).toBe(503);
    expect(await response.json()).toMatchObject({
      status: 'not ready',
      problems: [expect.stringContaining('store')],
    });
  });

  it('/readyz is 503 while webhooks cannot be stored (reads work, writes fail) and 200 once a write succeeds', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'faceauth-readyz-'));
    const path = join(dir, 'shim.db');
    const store = SqliteStore.open(path, { busyTimeoutMs: 20 });
    const locker = new Database(path);
    try {
      const app = createApp({
        config: loadConfig({
          CALLBACK_URL: 'http://127.0.0.1:9/callback',
          INBOUND_HEADER_NAME: INBOUND.name,
          INBOUND_HEADER_VALUE: INBOUND.value,
          DATABASE_URL: `sqlite:${path}`,
        }),
        store,
        mappings: await loadMappings(),
        logger: createLogger({ level: 'silent' }),
        metrics: createMetrics(store),
      });
      const send = (customerId: string) =>
        app.request('/webhooks/legacy/authentication', {
          method: 'POST',
          headers: { 'content-type': 'application/json', [INBOUND.name]: INBOUND.value },
          body: JSON.stringify({
            ...JSON.parse(readFixtureBytes('legacy/success.json').toString('utf8')),
            customerId,
          }),
        });
      expect((await app.request('/readyz')).status).toBe(200);
      // Another writer holds the database (as a full disk would refuse): reads still work.
      locker.exec('BEGIN IMMEDIATE');
      expect((await send('while-locked')).status).toBe(503);
      const notReady = await app.request('/readyz');
      expect(notReady.status).toBe(503);
      expect(await notReady.json()).toMatchObject({
        status: 'not ready',
        problems: [expect.stringMatching(/^store: database is locked/)],
      });
      locker.exec('ROLLBACK');
      expect((await app.request('/readyz')).status).toBe(200);
      expect((await send('after-unlock')).status).toBe(200);
    } finally {
      locker.close();
      await store.close();
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('/readyz answers 503 within a second when the store does not answer, and asks it once at a time', async () => {
    let pings = 0;
    let answer: () => void = () => {};
    const t = await makeTestApp({}, undefined, undefined, (store) =>
      Object.assign(Object.create(store) as typeof store, {
        ping: () => {
          pings++;
          // The first hangs until answer(); the next ones answer at once.
          if (pings > 1) return Promise.resolve();
          return new Promise<void>((resolve) => {
            answer = resolve;
          });
        },
      }),
    );
    const started = Date.now();
    const [first, second] = await Promise.all([t.app.request('/readyz'), t.app.request('/readyz')]);
    expect(Date.now() - started).toBeLessThan(3_000);
    for (const response of [first, second]) {
      expect(response.status).toBe(503);
      expect(await response.json()).toEqual({
        status: 'not ready',
        problems: ['store: no answer within 1000 ms'],
      });
    }
    // One probe for both: a hang holds one, not one per load balancer check.
    expect(pings).toBe(1);
    answer();
    await new Promise((resolve) => setImmediate(resolve));
    expect((await t.app.request('/readyz')).status).toBe(200);
    expect(pings).toBe(2);
  });

  it('/metrics speaks the Prometheus text format, with the standard process_* and nodejs_* names', async () => {
    const t = await makeTestApp();
    const response = await t.app.request('/metrics');
    expect(response.headers.get('content-type')).toMatch(/^text\/plain; version=0\.0\.4/);
    const text = await response.text();
    expect(text).toContain('# TYPE faceauth_webhooks_total counter');
    expect(text).toMatch(/^process_resident_memory_bytes \d+/m);
    expect(text).toMatch(/^nodejs_heap_size_used_bytes \d+/m);
    expect(text).not.toContain('faceauth_process_');
    expect(text).not.toContain('faceauth_nodejs_');
    // Gauges named like counters are left out (promtool refuses them); their sums stay.
    expect(text).not.toMatch(/^# TYPE \w+_total gauge$/m);
    expect(text).toContain('# TYPE nodejs_active_handles gauge');
  });

  it('/metrics has every known series of each counter from the start, at 0', async () => {
    const t = await makeTestApp();
    const text = await (await t.app.request('/metrics')).text();
    for (const series of [
      'faceauth_webhooks_total{route="/webhooks/workflows/session",outcome="accepted"} 0',
      'faceauth_webhooks_total{route="/webhooks/legacy/authentication",outcome="unavailable"} 0',
      'faceauth_delivery_attempts_total{source="workflows",outcome="dead"} 0',
      'faceauth_dead_events_total{source="legacy"} 0',
      'faceauth_enrichment_total{outcome="scored"} 0',
      'faceauth_pruned_total{kind="quarantine"} 0',
      'faceauth_unauthorized_total{route="/metrics"} 0',
      'faceauth_client_errors_total{kind="busy"} 0',
      'faceauth_shadow_fallbacks_total 0',
      'faceauth_leases_lost_total 0',
    ]) {
      expect(text.split('\n')).toContain(series);
    }
    // The legacy webhook's end of life, as a Unix time (2027-04-01T00:00:00Z).
    expect(text).toMatch(/^faceauth_legacy_off_timestamp_seconds 1806537600$/m);
  });

  it('METRICS_TOKEN set: /metrics needs Authorization: Bearer with it; each refusal is counted', async () => {
    const token = 'metrics-token-0123456789';
    const t = await makeTestApp({ metricsToken: token });
    const missing = await t.app.request('/metrics');
    expect(missing.status).toBe(401);
    expect(missing.headers.get('www-authenticate')).toBe('Bearer');
    expect(await missing.json()).toEqual({
      success: false,
      error: {
        code: 'unauthorized',
        message: 'missing or wrong metrics token (Authorization: Bearer METRICS_TOKEN)',
      },
    });
    for (const authorization of [`Bearer ${token}x`, `Bearer ${token.slice(0, -1)}`, token]) {
      expect((await t.app.request('/metrics', { headers: { authorization } })).status).toBe(401);
    }
    const allowed = await t.app.request('/metrics', {
      headers: { authorization: `bearer ${token}` },
    });
    expect(allowed.status).toBe(200);
    expect(await allowed.text()).toMatch(/^faceauth_unauthorized_total\{route="\/metrics"\} 4$/m);
    // The other operations routes stay open (a load balancer's probes carry no token).
    expect((await t.app.request('/healthz')).status).toBe(200);
    expect((await t.app.request('/readyz')).status).toBe(200);
  });

  it('METRICS_TOKEN unset: /metrics answers without credentials', async () => {
    const t = await makeTestApp();
    expect((await t.app.request('/metrics')).status).toBe(200);
  });

  it('serves the JSON Schema of the normalized result, identical to the checked-in file', async () => {
    const t = await makeTestApp();
    const served = await (await t.app.request('/schema/normalized.v1.json')).json();
    const file = JSON.parse(
      readFileSync(
        new URL('../../src/normalize/normalized.v1.schema.json', import.meta.url),
        'utf8',
      ),
    );
    // When this fails, run `npm run schema` and commit the file.
    expect(served).toEqual(file);
    expect(served).toMatchObject({
      $schema: 'https://json-schema.org/draft/2020-12/schema',
      type: 'object',
    });
  });

  it('serves the JSON Schema of the comparison report, identical to the checked-in file', async () => {
    const t = await makeTestApp();
    const served = await (await t.app.request('/schema/report.v1.json')).json();
    const file = JSON.parse(
      readFileSync(new URL('../../src/compare/report.v1.schema.json', import.meta.url), 'utf8'),
    );
    // When this fails, run `npm run schema` and commit the file.
    expect(served).toEqual(file);
  });
});
