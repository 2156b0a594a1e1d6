import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/config/config.js';
import { headingsOf, ROOT } from '../helpers/markdown.js';

// docs/configuration.md has one heading per environment variable the service reads, and none
// for a variable it does not. The variables are read from the schema's source in src/config/,
// where each is a `NAME: <schema>` line.

const CONFIG = join(ROOT, 'src/config');
const schemaSource = readdirSync(CONFIG)
  .filter((name) => name.endsWith('.ts'))
  .map((name) => readFileSync(join(CONFIG, name), 'utf8'))
  .join('\n');
const variables = [
  ...new Set([...schemaSource.matchAll(/^\s+([A-Z][A-Z0-9_]*): /gm)].map((m) => m[1])),
];
const documented = headingsOf(readFileSync(join(ROOT, 'docs/configuration.md'), 'utf8')).filter(
  (heading) => /^[A-Z][A-Z0-9_]+$/.test(heading),
);

describe('docs/configuration.md', () => {
  it('reads the variables from the schema (a sample the service surely reads)', () => {
    expect(variables).toEqual(
      expect.arrayContaining(['CALLBACK_URL', 'PORT', 'DATABASE_URL', 'FORWARD_SOURCE']),
    );
    // A variable the schema does not read makes no difference to the configuration.
    const base = { CALLBACK_URL: 'https://auth.example.com/cb', INBOUND_AUTH: 'none' };
    expect(loadConfig({ ...base, NOT_A_SETTING: 'x' })).toEqual(loadConfig(base));
  });

  it('has one heading per variable, and no heading for a variable the service does not read', () => {
    expect([...documented].sort()).toEqual([...variables].sort());
    expect(new Set(documented).size).toBe(documented.length);
  });
});
