import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

// The real-browser tests (the HTML report, the console) run Debian's chromium-headless-shell
// through playwright-core, which downloads no browser. CI installs it in .ci/run; on a machine
// without it a browser test is skipped, saying why in one line, and under CI its absence is a
// failure.
//
// chromium-headless-shell is Chromium's own headless build (the same Blink and V8 as the
// browser, without the browser's windows; it is what Playwright runs for headless Chromium).
// The full `chromium` in headless mode makes every page a browser window: measured on this
// machine, opening and closing a page cost about 2 s of CPU in the full browser and 0.7 s in
// the shell, and the two browser test files took 79 s of CPU instead of 41 s.

/** REPORT_TEST_CHROMIUM only lets the skip tests try a machine without it. */
export const CHROMIUM = process.env.REPORT_TEST_CHROMIUM || '/usr/bin/chromium-headless-shell';
export const hasChromium = existsSync(CHROMIUM);
/** Whether a browser test runs: with Chromium, or under CI (where its absence fails). */
export const runs = hasChromium || Boolean(process.env.CI);
export const SKIPPED = `skipped: ${CHROMIUM} is not installed (CI installs it; see .ci/run)`;
export const LAUNCH_ARGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
];

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const VITEST = fileURLToPath(new URL('../../node_modules/vitest/vitest.mjs', import.meta.url));

/**
 * Runs the browser test files as a developer without Chromium would (outside CI, Chromium
 * missing), in one run of vitest (each run costs seconds of CPU): its exit status and the lines
 * that say why they were skipped.
 */
export function runWithoutChromium(files: readonly string[]): {
  status: number | null;
  stderr: string;
  why: string[];
  output: string;
} {
  const env: NodeJS.ProcessEnv = {};
  for (const [name, value] of Object.entries(process.env)) {
    if (!name.startsWith('VITEST') && name !== 'CI' && name !== 'NODE_ENV') env[name] = value;
  }
  env.REPORT_TEST_CHROMIUM = '/nonexistent/chromium';
  const run = spawnSync(process.execPath, [VITEST, 'run', '--reporter=default', ...files], {
    cwd: ROOT,
    env,
    encoding: 'utf8',
    timeout: 60_000,
  });
  const output = `${run.stdout}\n${run.stderr}`;
  return {
    status: run.status,
    stderr: run.stderr,
    why: output.split('\n').filter((line) => line.includes('is not installed')),
    output,
  };
}
