import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { makeTestApp } from '../helpers/test-app.js';

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
