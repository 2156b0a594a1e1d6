import { readFileSync } from 'node:fs';
import { Ajv2020 } from 'ajv/dist/2020.js';
import addFormatsModule from 'ajv-formats';
import { describe, expect, it } from 'vitest';
import { readFixtureJson } from '../helpers/fixtures.js';
import { makeTestApp } from '../helpers/test-app.js';

// The published JSON Schema of the report, checked by a validator nobody on the project wrote
// (ajv, with ajv-formats for `format`): a real report passes, and an instant that is not one
// fails, in every place the report writes an instant.

// ajv-formats is CommonJS: its function is the module's default export.
const addFormats = addFormatsModule as unknown as typeof addFormatsModule.default;

const schema = JSON.parse(
  readFileSync(new URL('../../src/compare/report.v1.schema.json', import.meta.url), 'utf8'),
) as Record<string, unknown>;

function validator() {
  const ajv = new Ajv2020({ allErrors: true, strict: true });
  addFormats(ajv);
  return ajv.compile(schema);
}

/** A report as GET /admin/report?format=json gives it, with one pair and a disagreement. */
async function realReport(): Promise<Record<string, unknown>> {
  const t = await makeTestApp({ forwardSource: 'both' });
  const legacy = {
    ...(readFixtureJson('legacy/success.json') as Record<string, unknown>),
    customerId: 'cust-schema',
    interviewId: 'i-schema',
  };
  const workflows = {
    interviewId: 'i-schema',
    customerId: 'cust-schema',
    overallStatus: 'FAIL',
    error: { name: 'FACE_MASK_DETECTED', message: 'Face mask detected' },
  };
  for (const [path, body] of [
    ['/webhooks/legacy/authentication', legacy],
    ['/webhooks/workflows/face-authentication', workflows],
  ] as const) {
    expect((await t.post(path, JSON.stringify(body))).status).toBe(200);
  }
  const response = await t.admin('/admin/report?format=json');
  expect(response.status).toBe(200);
  const report = (await response.json()) as Record<string, unknown>;
  await t.store.close();
  return report;
}

/** Sets the value at a JSON pointer's segments (objects and arrays alike). */
function setAt(target: unknown, path: string[], value: unknown): void {
  const [key, ...rest] = path;
  const node = target as Record<string, unknown>;
  if (key === undefined) throw new Error('empty path');
  if (rest.length === 0) node[key] = value;
  else setAt(node[key], rest, value);
}

describe('the report JSON Schema (report.v1.schema.json), with ajv and ajv-formats', () => {
  it('a real report validates, and it holds a pair, a disagreement and a timeline', async () => {
    const validate = validator();
    const report = await realReport();
    expect(validate(report), JSON.stringify(validate.errors)).toBe(true);
    expect(report).toMatchObject({
      pairs: { count: 1, disagreements: [{ count: 1 }] },
      timeline: expect.arrayContaining([expect.objectContaining({ start: expect.any(String) })]),
    });
  });

  it.each([
    ['generatedAt', 'yesterday'],
    ['generatedAt', '2026-11-25 12:00:00'],
    ['range/from', '2026-13-01T00:00:00.000Z'],
    ['range/from', '2026-02-30T00:00:00.000Z'],
    ['range/to', '2026-11-25'],
    ['range/to', ''],
    ['timeline/0/start', 'noon'],
    ['pairs/disagreements/0/examples/0/legacy/receivedAt', '25/11/2026'],
  ])('refuses %s = "%s" (format date-time)', async (path, value) => {
    const validate = validator();
    const report = await realReport();
    setAt(report, path.split('/'), value);
    expect(validate(report)).toBe(false);
    const here = (validate.errors ?? []).filter((e) => e.instancePath === `/${path}`);
    expect(here.map((e) => e.keyword)).toContain('format');
    expect(here.find((e) => e.keyword === 'format')?.params).toEqual({ format: 'date-time' });
  });

  it('the instants carry format: date-time in the checked-in schema', () => {
    expect(schema).toMatchObject({
      properties: {
        generatedAt: { type: 'string', format: 'date-time' },
        range: {
          properties: {
            from: { type: 'string', format: 'date-time' },
            to: { type: 'string', format: 'date-time' },
          },
        },
      },
    });
  });
});
