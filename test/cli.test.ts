import { cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
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
