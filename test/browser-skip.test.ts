import { expect, it } from 'vitest';
import { runWithoutChromium } from './helpers/chromium.js';

// Without /usr/bin/chromium-headless-shell (a developer's machine; CI installs it), the browser
// checks (the HTML report's and the console's) are skipped, and the run must say why in one line
// each rather than a bare "skipped" count. One run of vitest for both files.

it('says in one line per browser test file why it is skipped on a machine without Chromium', () => {
  const files = ['test/compare/report-browser.test.ts', 'test/console/console-browser.test.ts'];
  const run = runWithoutChromium(files);
  expect(run.status, run.stderr).toBe(0);
  expect([...run.why].sort()).toEqual(
    files.map(
      (file) =>
        `${file}: skipped: /nonexistent/chromium is not installed (CI installs it; see .ci/run)`,
    ),
  );
  expect(run.output).toMatch(/2 skipped/);
}, 60_000);
