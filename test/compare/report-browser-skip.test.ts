import { expect, it } from 'vitest';
import { runWithoutChromium } from '../helpers/chromium.js';

// Without /usr/bin/chromium (a developer's machine; CI installs it), the browser check is
// skipped, and the run must say why in one line rather than a bare "skipped" count.

it('says in one line why the browser check is skipped on a machine without Chromium', () => {
  const run = runWithoutChromium('test/compare/report-browser.test.ts');
  expect(run.status, run.stderr).toBe(0);
  expect(run.why).toEqual([
    'test/compare/report-browser.test.ts: skipped: /nonexistent/chromium is not installed ' +
      '(CI installs it; see .ci/run)',
  ]);
  expect(run.output).toMatch(/1 skipped/);
}, 60_000);
