import { cli } from '../../src/cli/main.js';

/**
 * The CLI run in this process, as `faceauth-shim <args>` with `env` as its environment: its exit
 * code and what it wrote. Starting a process per call costs a second; end-to-end checks of the
 * real process (exit codes, a start that fails) use runCli from service-process.ts.
 */
export async function cliInProcess(env: Record<string, string>, args: string[]) {
  let stdout = '';
  let stderr = '';
  const code = await cli(args, {
    env,
    write: (text) => {
      stdout += text;
    },
    note: (text) => {
      stderr += text;
    },
  });
  return { code, stdout, stderr };
}
