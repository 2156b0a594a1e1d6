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

  it('/metrics speaks the Prometheus text format', async () => {
    const t = await makeTestApp();
    const response = await t.app.request('/metrics');
    expect(response.headers.get('content-type')).toMatch(/^text\/plain; version=0\.0\.4/);
    const text = await response.text();
    expect(text).toContain('# TYPE faceauth_webhooks_total counter');
    expect(text).toContain('faceauth_process_resident_memory_bytes');
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
