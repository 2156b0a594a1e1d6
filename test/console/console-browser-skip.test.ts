import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { expect, it } from 'vitest';

// Without /usr/bin/chromium (a developer's machine; CI installs it), the console's browser
// check is skipped, and the run says why in one line, as the report's browser check does.

const root = fileURLToPath(new URL('../../', import.meta.url));
const VITEST = fileURLToPath(new URL('../../node_modules/vitest/vitest.mjs', import.meta.url));

it('says in one line why the console browser check is skipped on a machine without Chromium', () => {
  const env: NodeJS.ProcessEnv = {};
  for (const [name, value] of Object.entries(process.env)) {
    if (!name.startsWith('VITEST') && name !== 'CI' && name !== 'NODE_ENV') env[name] = value;
  }
  env.REPORT_TEST_CHROMIUM = '/nonexistent/chromium';
  const run = spawnSync(
    process.execPath,
    [VITEST, 'run', '--reporter=default', 'test/console/console-browser.test.ts'],
    { cwd: root, env, encoding: 'utf8', timeout: 60_000 },
  );
  expect(run.status, run.stderr).toBe(0);
  const output = `${run.stdout}\n${run.stderr}`;
  expect(output.split('\n').filter((line) => line.includes('is not installed'))).toEqual([
    'test/console/console-browser.test.ts: skipped: /nonexistent/chromium is not installed ' +
      '(CI installs it; see .ci/run)',
  ]);
  expect(output).toMatch(/1 skipped/);
}, 60_000);
