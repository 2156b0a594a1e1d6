// The real service as a child process: built from src (tsc -p tsconfig.build.json), started
// the way `npm start` starts it (the command and the Node flags of package.json's start
// script, which the Dockerfile and the systemd unit repeat), its log (LOG_LEVEL info) written
// to a file.
import { type ChildProcess, spawnSync } from 'node:child_process';
import { closeSync, mkdirSync, openSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import {
  ADMIN_TOKEN,
  freePort,
  INBOUND,
  memoryOf,
  ROOT,
  spawnTracked,
  stopChild,
  waitUntilUp,
} from './lib.js';

/** The arguments after `node` in `npm start`: V8 flags, then `dist/cli.js serve`. */
export function startArgs(): string[] {
  const pkg = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as {
    scripts: { start: string };
  };
  const [node, ...args] = pkg.scripts.start.split(/\s+/);
  if (node !== 'node' || args.at(-1) !== 'serve') {
    throw new Error(`npm start is not "node ... serve": ${pkg.scripts.start}`);
  }
  return args;
}

export function buildService(): void {
  const tsc = join(ROOT, 'node_modules', 'typescript', 'bin', 'tsc');
  const build = spawnSync(process.execPath, [tsc, '-p', 'tsconfig.build.json'], {
    cwd: ROOT,
    stdio: 'inherit',
    timeout: 120_000,
  });
  if (build.status !== 0) {
    throw new Error(`the build failed (tsc exit ${build.status}); --no-build uses dist/ as it is`);
  }
}

export interface ServiceOptions {
  /** Folder of its SQLite file (bench.db) and its log (service.log). */
  dir: string;
  callbackUrl: string;
  /** More environment: CALLBACK_TIMEOUT_MS and the like. */
  env?: Record<string, string>;
  /** Folder for a --cpu-prof profile, written when the service stops. */
  cpuProfDir?: string | undefined;
}

export interface Service {
  url: string;
  child: ChildProcess;
  pid: number | undefined;
  logFile: string;
  dbFile: string;
  /** SIGTERM (the service's own shutdown, which writes the profile), then SIGKILL. */
  stop(): Promise<void>;
}

export async function startService(options: ServiceOptions): Promise<Service> {
  const port = await freePort();
  const dbFile = join(options.dir, 'bench.db');
  const logFile = join(options.dir, 'service.log');
  const log = openSync(logFile, 'a');
  const args = startArgs();
  if (options.cpuProfDir) {
    mkdirSync(options.cpuProfDir, { recursive: true });
    args.unshift('--cpu-prof', '--cpu-prof-dir', options.cpuProfDir);
  }
  const child = spawnTracked(process.execPath, args, {
    cwd: ROOT,
    stdio: ['ignore', log, log],
    env: {
      PATH: process.env.PATH ?? '',
      HOST: '127.0.0.1',
      PORT: String(port),
      CALLBACK_URL: options.callbackUrl,
      DATABASE_URL: `sqlite:${dbFile}`,
      INBOUND_HEADER_NAME: INBOUND.name,
      INBOUND_HEADER_VALUE: INBOUND.value,
      ADMIN_TOKEN,
      SHUTDOWN_GRACE: '2s',
      // BENCH_NODE_OPTIONS: V8 flags for the service alone (to try heap settings, say).
      ...(process.env.BENCH_NODE_OPTIONS ? { NODE_OPTIONS: process.env.BENCH_NODE_OPTIONS } : {}),
      ...options.env,
    },
  });
  closeSync(log);
  const url = `http://127.0.0.1:${port}`;
  try {
    await waitUntilUp(`${url}/readyz`, child);
  } catch (error) {
    await stopChild(child, 2000);
    throw new Error(`${(error as Error).message}; see ${logFile}`);
  }
  return {
    url,
    child,
    pid: child.pid,
    logFile,
    dbFile,
    stop: () => stopChild(child),
  };
}

/** Peak RSS (VmHWM) of a running service, in MB. */
export function peakRssMB(service: Service): number {
  return memoryOf(service.pid)?.peakMB ?? Number.NaN;
}

/** The V8 heap (total, used) and external memory of the service, from its /metrics, in MB. */
export async function heapOf(service: Service) {
  const text = await (await fetch(`${service.url}/metrics`)).text();
  const mb = (name: string) =>
    Number(new RegExp(`^${name} (\\S+)$`, 'm').exec(text)?.[1]) / 2 ** 20;
  return {
    heapTotalMB: mb('nodejs_heap_size_total_bytes'),
    heapUsedMB: mb('nodejs_heap_size_used_bytes'),
    externalMB: mb('nodejs_external_memory_bytes'),
  };
}
