import { expect, it } from 'vitest';
import { runWithoutChromium } from '../helpers/chromium.js';

// Without /usr/bin/chromium (a developer's machine; CI installs it), the console's browser
// check is skipped, and the run says why in one line, as the report's browser check does.

it('says in one line why the console browser check is skipped on a machine without Chromium', () => {
  const run = runWithoutChromium('test/console/console-browser.test.ts');
  expect(run.status, run.stderr).toBe(0);
  expect(run.why).toEqual([
    'test/console/console-browser.test.ts: skipped: /nonexistent/chromium is not installed ' +
      '(CI installs it; see .ci/run)',
  ]);
  expect(run.output).toMatch(/1 skipped/);
}, 60_000);
