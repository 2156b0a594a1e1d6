import { type ChildProcess, spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { inject } from 'vitest';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));

export interface ServiceProcess {
  url: string;
  child: ChildProcess;
  /** Everything the process wrote so far. */
  output(): string;
  /** Resolves with the exit code (or the signal's name). */
  exited: Promise<number | string>;
}

export interface SpawnOptions {
  /** Start under this umask (octal, e.g. '022'), set by sh before it execs Node. */
  umask?: string;
  /** A command that runs Node for it, e.g. a sandbox: `[...wrap, node, ...args]`. */
  wrap?: string[];
  /** runCli: kill a run that has not ended after this many ms, so no process outlives a test. */
  killAfterMs?: number;
}

/** Node and its arguments; behind `wrap`, and sh setting the umask, when asked. */
function launch(args: string[], options: SpawnOptions): [string, string[]] {
  let argv = [...(options.wrap ?? []), process.execPath, ...args];
  if (options.umask !== undefined) {
    if (!/^[0-7]{3,4}$/.test(options.umask)) throw new Error(`not a umask: ${options.umask}`);
    argv = ['sh', '-c', `umask ${options.umask} && exec "$@"`, 'sh', ...argv];
  }
  const [command, ...rest] = argv as [string, ...string[]];
  return [command, rest];
}

/**
 * How to run the CLI by default: this run's build of src/ (test/helpers/service-build-global-setup.ts
 * makes it once per run) behind `npm start`'s Node flags, so each child starts without compiling
 * the tree again and runs as an operator's service does.
 */
export const SERVICE_CLI = inject('serviceCli');

/**
 * Starts the real service as a child process of the Node that runs the tests, and waits until
 * it listens: this run's build of src/ unless `cli` names another entry, such as the output of
 * `npm run build` (see built-service.ts).
 */
export async function startServiceProcess(
  env: Record<string, string>,
  timeoutMs = 15_000,
  cli: string[] = SERVICE_CLI,
  options: SpawnOptions = {},
): Promise<ServiceProcess> {
  const [command, args] = launch([...cli, 'serve'], options);
  const child = spawn(command, args, {
    cwd: ROOT,
    env: { PATH: process.env.PATH ?? '', HOST: '127.0.0.1', PORT: '0', LOG_LEVEL: 'info', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  child.stdout?.on('data', (chunk: Buffer) => {
    output += chunk.toString();
  });
  child.stderr?.on('data', (chunk: Buffer) => {
    output += chunk.toString();
  });
  const exited = new Promise<number | string>((resolve) => {
    child.once('exit', (code, signal) => resolve(code ?? signal ?? 'unknown'));
  });
  const url = await new Promise<string>((resolve, reject) => {
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`the service did not start within ${timeoutMs} ms:\n${output}`));
    }, timeoutMs);
    const check = () => {
      const match = /"url":"(http:\/\/[^"]+)".*"msg":"faceauth-shim: listening"/.exec(output);
      if (match?.[1]) {
        clearTimeout(timer);
        resolve(match[1]);
      }
    };
    child.stdout?.on('data', check);
    void exited.then((code) => {
      clearTimeout(timer);
      reject(new Error(`the service exited (${code}) before listening:\n${output}`));
    });
  });
  return { url, child, output: () => output, exited };
}

/** Runs the CLI to completion (for start-up failures) and returns its exit code and output. */
export async function runCli(
  env: Record<string, string>,
  args: string[] = ['serve'],
  cli: string[] = SERVICE_CLI,
  options: SpawnOptions = {},
) {
  const [command, argv] = launch([...cli, ...args], options);
  const child = spawn(command, argv, {
    cwd: ROOT,
    env: { PATH: process.env.PATH ?? '', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (chunk: Buffer) => {
    stdout += chunk.toString();
  });
  child.stderr.on('data', (chunk: Buffer) => {
    stderr += chunk.toString();
  });
  const timer =
    options.killAfterMs === undefined
      ? undefined
      : setTimeout(() => child.kill('SIGKILL'), options.killAfterMs);
  const code = await new Promise<number | null>((resolve) => child.once('exit', (c) => resolve(c)));
  clearTimeout(timer);
  return { code, stdout, stderr };
}
