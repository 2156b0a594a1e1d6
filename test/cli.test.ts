import { cpSync, existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { ComparisonReport } from '../src/compare/report-schema.js';
import { loadMappings } from '../src/normalize/load-mappings.js';
import type { Source } from '../src/normalize/normalized-schema.js';
import { openStore } from '../src/store/open-store.js';
import { cliInProcess } from './helpers/cli-in-process.js';
import { newEvent, T0 } from './helpers/new-event.js';
import { runCli } from './helpers/service-process.js';

const dir = mkdtempSync(join(tmpdir(), 'faceauth-cli-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const base = {
  CALLBACK_URL: 'http://127.0.0.1:9/callback',
  INBOUND_AUTH: 'none',
  DATABASE_URL: `sqlite:${join(dir, 'cli.db')}`,
  HOST: '127.0.0.1',
  PORT: '0',
};

describe('faceauth-shim serve: start-up failures', () => {
  it('a missing setting stops the start with exit code 2 and one line naming it', async () => {
    const { CALLBACK_URL: _, ...withoutCallback } = base;
    const result = await runCli(withoutCallback);
    expect(result.code).toBe(2);
    expect(result.stderr.trim().split('\n')).toEqual([
      'faceauth-shim: invalid configuration: CALLBACK_URL: required',
    ]);
    expect(result.stdout).toBe('');
  });

  it('an invalid setting is named with what is expected', async () => {
    const result = await runCli({ ...base, FORWARD_SOURCE: 'new' });
    expect(result.code).toBe(2);
    expect(result.stderr).toMatch(
      /^faceauth-shim: invalid configuration: FORWARD_SOURCE: .*legacy.*workflows.*both/,
    );
  });

  it.each([
    ['FORWARD_SOURCE', 'workflows:150%', /a share cannot be above 100%/],
    ['FORWARD_SOURCE_PLAN', '50%,10%@2d', /goes down or stays at 50%/],
    ['FORWARD_SOURCE_PLAN', '1%,10%@later', /neither a duration/],
  ])('%s=%s stops the start with exit code 2, naming it', async (name, value, reason) => {
    const result = await runCli({ ...base, [name]: value });
    expect(result.code).toBe(2);
    expect(result.stderr.trim().split('\n')).toHaveLength(1);
    expect(result.stderr).toMatch(new RegExp(`^faceauth-shim: invalid configuration: ${name}: `));
    expect(result.stderr).toMatch(reason);
  });

  it('an INBOUND_HEADER_VALUE under 16 characters stops the start with exit code 2, naming it', async () => {
    const { INBOUND_AUTH: _, ...open } = base;
    const result = await runCli({
      ...open,
      INBOUND_HEADER_NAME: 'x-incode-key',
      INBOUND_HEADER_VALUE: 'short-secret',
    });
    expect(result.code).toBe(2);
    expect(result.stderr.trim().split('\n')).toEqual([
      'faceauth-shim: invalid configuration: INBOUND_HEADER_VALUE: use at least 16 characters for each value',
    ]);
    expect(result.stderr).not.toContain('short-secret');
  });

  it('an unknown CALLBACK_OAUTH_AUTH_METHOD stops the start with exit code 2, one line naming it, no secret', async () => {
    const result = await runCli({
      ...base,
      CALLBACK_OAUTH_TOKEN_URL: 'http://127.0.0.1:9/oauth/token',
      CALLBACK_OAUTH_CLIENT_ID: 'shim',
      CALLBACK_OAUTH_CLIENT_SECRET: 'callback-secret+%:/=value',
      CALLBACK_OAUTH_AUTH_METHOD: 'private_key_jwt',
    });
    expect(result.code).toBe(2);
    expect(result.stderr.trim().split('\n')).toEqual([
      'faceauth-shim: invalid configuration: CALLBACK_OAUTH_AUTH_METHOD: expected client_secret_basic or client_secret_post',
    ]);
    expect(result.stdout).toBe('');
  });

  it('no inbound authentication and no INBOUND_AUTH=none is refused', async () => {
    const { INBOUND_AUTH: _, ...open } = base;
    const result = await runCli(open);
    expect(result.code).toBe(2);
    expect(result.stderr).toContain('INBOUND_AUTH');
  });

  it('a broken mapping table stops the start with exit code 2, naming the file and the entry', async () => {
    const mappings = join(dir, 'mappings');
    cpSync(fileURLToPath(new URL('../mappings/', import.meta.url)), mappings, { recursive: true });
    const file = join(mappings, 'legacy-to-normalized.yaml');
    writeFileSync(
      file,
      readFileSync(file, 'utf8').replace('4005: SPOOF_DETECTED', '4005: SPOOFED'),
    );
    const result = await runCli({ ...base, MAPPINGS_DIR: mappings });
    expect(result.code).toBe(2);
    expect(result.stderr).toContain('legacy-to-normalized.yaml: reasons.errorCodes.4005:');
  });

  it('an unknown command is refused with the usage', async () => {
    const result = await runCli(base, ['frobnicate']);
    expect(result.code).toBe(2);
    expect(result.stderr).toContain('usage: faceauth-shim');
  });
});

describe('faceauth-shim replay', () => {
  /** A store file holding one dead legacy event. */
  async function storeWithDeadEvent(name: string): Promise<{ path: string; id: string }> {
    const path = join(dir, `${name}.db`);
    const store = await openStore({ kind: 'sqlite', path });
    try {
      await store.accept(newEvent({ id: 'dead-1', customerId: 'c1', receivedAt: T0 }), 3_600_000);
      expect((await store.claimDue(T0, 10, 60_000)).map((i) => i.eventId)).toEqual(['dead-1']);
      await store.recordFailed(
        'dead-1',
        { at: T0, durationMs: 3, statusCode: 410, error: null },
        'dead',
      );
      expect((await store.getEvent('dead-1'))?.status).toBe('dead');
    } finally {
      await store.close();
    }
    return { path, id: 'dead-1' };
  }

  async function statusIn(path: string, id: string) {
    const store = await openStore({ kind: 'sqlite', path });
    try {
      return (await store.getEvent(id))?.status;
    } finally {
      await store.close();
    }
  }

  it('replay --status dead puts every dead event back in the outbox', async () => {
    const { path, id } = await storeWithDeadEvent('replay-all');
    const result = await cliInProcess({ DATABASE_URL: `sqlite:${path}` }, [
      'replay',
      '--status',
      'dead',
    ]);
    expect(result.stderr).toBe('');
    expect(result.stdout).toBe('replayed 1 dead event\n');
    expect(result.code).toBe(0);
    expect(await statusIn(path, id)).toBe('pending');
  });

  it('replay --id replays one event; an unknown id exits 1', async () => {
    const { path, id } = await storeWithDeadEvent('replay-one');
    const unknown = await cliInProcess({ DATABASE_URL: `sqlite:${path}` }, [
      'replay',
      '--id',
      'no-such-event',
    ]);
    expect(unknown.code).toBe(1);
    expect(unknown.stderr).toContain('no-such-event');
    expect(await statusIn(path, id)).toBe('dead');

    const known = await cliInProcess({ DATABASE_URL: `sqlite:${path}` }, ['replay', '--id', id]);
    expect(known.code).toBe(0);
    expect(known.stdout).toContain(id);
    expect(await statusIn(path, id)).toBe('pending');
  });

  it.each([
    ['no option', ['replay']],
    ['--status pending', ['replay', '--status', 'pending']],
  ])('replay with %s exits 2 with the usage', async (_name, args) => {
    const path = join(dir, 'replay-usage.db');
    const result = await cliInProcess({ DATABASE_URL: `sqlite:${path}` }, args);
    expect(result.code).toBe(2);
    expect(result.stderr).toContain('usage: faceauth-shim');
    expect(result.stdout).toBe('');
  });
});

describe('faceauth-shim report', () => {
  const FROM = '2026-11-25T11:00:00Z';
  const TO = '2026-11-25T13:00:00Z';

  /** A store file holding a legacy PASS and a Workflows FAIL of one customer, paired. */
  async function storeWithPair(name: string): Promise<string> {
    const path = join(dir, `${name}.db`);
    const mappings = await loadMappings();
    const pairing = {
      windowMs: 300_000,
      comparison: mappings.comparison,
    };
    const event = (id: string, source: Source, receivedAt: number) =>
      newEvent({
        id,
        source,
        customerId: 'c1',
        receivedAt,
        status: source === 'legacy' ? 'PASS' : 'FAIL',
        reason: source === 'legacy' ? null : 'SPOOF_DETECTED',
        shadowed: source === 'workflows',
        legacyFields: source === 'legacy' ? ['transactionId', 'overallScore'] : ['overallScore'],
        pairing,
      });
    const store = await openStore({ kind: 'sqlite', path });
    try {
      await store.accept(event('legacy-1', 'legacy', T0), 3_600_000);
      await store.accept(event('workflows-1', 'workflows', T0 + 4_000), 3_600_000);
      expect((await store.comparisonData(T0, T0 + 60_000)).pairs).toHaveLength(1);
    } finally {
      await store.close();
    }
    return path;
  }

  it('--format md --out FILE writes the Markdown report and prints the verdict', async () => {
    const path = await storeWithPair('report-md');
    const out = join(dir, 'report.md');
    const result = await cliInProcess({ DATABASE_URL: `sqlite:${path}` }, [
      'report',
      '--from',
      FROM,
      '--to',
      TO,
      '--format',
      'md',
      '--out',
      out,
    ]);
    expect(result.stderr).toMatch(/^verdict: not safe to switch: /);
    expect(result.stderr.trim().split('\n')).toHaveLength(1);
    expect(result.stdout).toBe(`wrote ${out}\n`);
    expect(result.code).toBe(0);
    const markdown = readFileSync(out, 'utf8');
    expect(markdown).toContain('# Face authentication comparison');
    expect(markdown).toContain('status: legacy PASS, workflows FAIL');
  });

  it('JSON on standard output by default, with the thresholds from the environment', async () => {
    const path = await storeWithPair('report-json');
    const result = await cliInProcess(
      { DATABASE_URL: `sqlite:${path}`, COMPARE_MIN_PAIRS: '1', COMPARE_MIN_AGREEMENT: '0' },
      ['report', '--from', FROM, '--to', TO],
    );
    expect(result.code).toBe(0);
    expect(result.stderr).toBe('verdict: safe to switch\n');
    const report = ComparisonReport.parse(JSON.parse(result.stdout));
    expect(report.thresholds).toEqual({ minPairs: 1, minAgreement: 0 });
    expect(report.pairs).toMatchObject({ count: 1, statusAgreement: 0, reasonAgreement: 0 });
    expect(report.pairs.disagreements.map((d) => [d.kind, d.count])).toEqual([
      ['status: legacy PASS, workflows FAIL', 1],
    ]);
    expect(report.legacyOnlyFields).toEqual([
      { field: 'transactionId', legacyEvents: 1, pairsMissing: 1 },
      { field: 'overallScore', legacyEvents: 1, pairsMissing: 0 },
    ]);
  });

  it.each([
    ['--format pdf', ['report', '--format', 'pdf']],
    ['--from nonsense', ['report', '--from', 'nonsense']],
    ['--from after --to', ['report', '--from', TO, '--to', FROM]],
    ['an unknown option', ['report', '--since', FROM]],
  ])('%s exits 2 with the usage', async (_name, args) => {
    // Refused before the store is opened.
    const path = join(dir, 'report-usage.db');
    const result = await cliInProcess({ DATABASE_URL: `sqlite:${path}` }, args);
    expect(result.code).toBe(2);
    expect(result.stderr).toContain('usage: faceauth-shim');
    expect(result.stdout).toBe('');
  });

  it('a DATABASE_URL to a missing file exits 2 naming DATABASE_URL, and creates nothing', async () => {
    const missing = join(dir, 'no-such-dir', 'missing.db');
    const result = await runCli({ DATABASE_URL: `sqlite:${missing}` }, [
      'report',
      '--from',
      FROM,
      '--to',
      TO,
    ]);
    expect(result.code).toBe(2);
    expect(result.stderr).toBe(
      `faceauth-shim: invalid configuration: DATABASE_URL: ${missing} does not exist (the service creates it when it first starts)\n`,
    );
    expect(result.stdout).toBe('');
    expect(existsSync(missing)).toBe(false);
  });
});
