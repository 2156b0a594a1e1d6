import { spawnSync } from 'node:child_process';
import { describe, it } from 'vitest';
import { underCi } from './postgres-probe.js';

// Tests that need a tool of the machine (systemd-analyze, libseccomp...): without it they are
// skipped outside CI, saying why in one line on standard error (vitest names no skipped test;
// console.* fails a test), and under CI (.ci/run installs the tools) they fail.

/** Whether `command args` runs and exits 0. */
export function toolRuns(command: string, args: string[] = ['--version']): boolean {
  const run = spawnSync(command, args, { stdio: 'ignore', timeout: 30_000 });
  return run.error === undefined && run.status === 0;
}

/**
 * `describe(name, body)` when `missing` is null; otherwise, outside CI, skipped with the line
 * `<file>: skipped: <missing>`, and under CI one failing test that says what is missing.
 */
export function describeWithTool(
  file: string,
  name: string,
  missing: string | null,
  body: () => void,
): void {
  if (missing === null) {
    describe(name, body);
  } else if (underCi()) {
    describe(name, () => {
      it(`needs: ${missing} (CI is set)`, () => {
        throw new Error(`${missing} (.ci/run installs it)`);
      });
    });
  } else {
    process.stderr.write(`${file}: skipped: ${missing} (CI installs it; see .ci/run)\n`);
    describe.skip(name, body);
  }
}
