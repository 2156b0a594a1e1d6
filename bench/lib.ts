// Shared pieces of the benchmarks: child processes (always killed at the end), ports, /proc
// readings, the legacy bodies sent, percentiles and tables. Loopback only.
import { type ChildProcess, type SpawnOptions, spawn, spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { readFileSync, statfsSync } from 'node:fs';
import { createServer } from 'node:net';
import { cpus, tmpdir, totalmem } from 'node:os';
import { fileURLToPath } from 'node:url';

export const ROOT = fileURLToPath(new URL('../', import.meta.url));
export const LEGACY_ROUTE = '/webhooks/legacy/authentication';
export const INBOUND = { name: 'x-bench-key', value: 'bench-inbound-secret-0123456789' };
export const ADMIN_TOKEN = 'bench-admin-token-0123456789';
export const out = (line = '') => process.stdout.write(`${line}\n`);
const t0 = performance.now();
/** A progress line, with the seconds since the start. */
export const step = (line: string) =>
  process.stdout.write(`  [${((performance.now() - t0) / 1000).toFixed(1)} s] ${line}\n`);
export const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

// --- child processes ----------------------------------------------------------------------

const children = new Set<ChildProcess>();

/** Spawns a child that killAll() ends, whatever happens to this process. */
export function spawnTracked(command: string, args: string[], options: SpawnOptions): ChildProcess {
  const child = spawn(command, args, options);
  children.add(child);
  child.once('exit', () => children.delete(child));
  return child;
}

export function isRunning(child: ChildProcess): boolean {
  return child.exitCode === null && child.signalCode === null;
}

export function waitForExit(child: ChildProcess, timeoutMs: number): Promise<boolean> {
  if (!isRunning(child)) return Promise.resolve(true);
  return new Promise((resolve) => {
    const timer = setTimeout(() => resolve(false), timeoutMs);
    child.once('exit', () => {
      clearTimeout(timer);
      resolve(true);
    });
  });
}

/** SIGTERM, then SIGKILL after `graceMs`: the child's own shutdown (and --cpu-prof) runs. */
export async function stopChild(child: ChildProcess, graceMs = 15_000): Promise<void> {
  if (!isRunning(child)) return;
  child.kill('SIGTERM');
  if (!(await waitForExit(child, graceMs))) {
    child.kill('SIGKILL');
    await waitForExit(child, 5_000);
  }
}

/** Kills every child still running, by its own pid. */
export function killAll(): void {
  for (const child of children) if (isRunning(child)) child.kill('SIGKILL');
}

/**
 * Runs `main` with a hard time limit; every child is killed at the end, on error, on Ctrl-C
 * and when the limit is reached.
 */
export function runBounded(
  limitMs: number,
  main: () => Promise<void>,
  cleanup: () => void = () => {},
): void {
  const fail = (why: string) => {
    process.stderr.write(`bench: ${why}\n`);
    killAll();
    cleanup();
    process.exit(1);
  };
  const deadline = setTimeout(() => fail(`over the time limit of ${limitMs / 1000} s`), limitMs);
  process.once('SIGINT', () => fail('interrupted'));
  process.once('SIGTERM', () => fail('terminated'));
  process.once('exit', killAll);
  main().then(
    () => {
      clearTimeout(deadline);
      killAll();
      cleanup();
      // Keep-alive sockets and timers of the load generators must not hold the process.
      setTimeout(() => process.exit(process.exitCode ?? 0), 200).unref();
    },
    (error: unknown) => fail((error as Error)?.stack ?? String(error)),
  );
}

export async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

/** Polls `url` until it answers 200 (or the child exits, or `timeoutMs` passes). */
export async function waitUntilUp(url: string, child: ChildProcess, timeoutMs = 20_000) {
  const until = Date.now() + timeoutMs;
  while (Date.now() < until) {
    if (!isRunning(child)) throw new Error(`${url}: the process exited (${child.exitCode})`);
    try {
      const response = await fetch(url, { signal: AbortSignal.timeout(1000) });
      await response.arrayBuffer();
      if (response.ok) return;
    } catch {
      // not listening yet
    }
    await sleep(100);
  }
  throw new Error(`${url}: not up after ${timeoutMs} ms`);
}

// --- memory and machine -------------------------------------------------------------------

export interface Memory {
  /** VmRSS */
  rssMB: number;
  /** VmHWM: the highest RSS so far */
  peakMB: number;
  /** RssAnon: heaps (V8's, SQLite's, buffers) */
  anonMB: number;
  /** RssFile: mapped files (code, shared libraries) */
  fileMB: number;
}

/** Memory of a process from /proc/<pid>/status, in MB; undefined once it is gone. */
export function memoryOf(pid: number | undefined): Memory | undefined {
  if (pid === undefined) return undefined;
  try {
    const status = readFileSync(`/proc/${pid}/status`, 'utf8');
    const mb = (name: string) =>
      Number(new RegExp(`^${name}:\\s+(\\d+) kB`, 'm').exec(status)?.[1]) / 1024;
    return {
      rssMB: mb('VmRSS'),
      peakMB: mb('VmHWM'),
      anonMB: mb('RssAnon'),
      fileMB: mb('RssFile'),
    };
  } catch {
    return undefined;
  }
}

function cpuTimes(): { busy: number; total: number } {
  const fields = (readFileSync('/proc/stat', 'utf8').split('\n')[0] ?? '')
    .trim()
    .split(/\s+/)
    .slice(1)
    .map(Number);
  const total = fields.reduce((a, b) => a + b, 0);
  const idle = (fields[3] ?? 0) + (fields[4] ?? 0);
  return { busy: total - idle, total };
}

/** CPU ticks of this process and of its children that ended (utime, stime, cutime, cstime). */
function ownTicks(): number {
  const stat = readFileSync('/proc/self/stat', 'utf8');
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return [11, 12, 13, 14].reduce((sum, i) => sum + Number(fields[i] ?? 0), 0);
}

/**
 * Starts counting; the function returned says which share of the machine's CPU (all cores)
 * went to other processes since: work on the machine that is not the bench's makes every
 * number lower and noisier. Children must have ended (and been waited for) when it is read.
 */
/**
 * CPU seconds (user + system) a process has used so far. Unlike a rate, CPU spent per event
 * stays comparable when other processes share the cores (a loaded machine slows the service
 * down, but does not make it do more work per event).
 */
export function cpuSecondsOf(pid: number | undefined): number {
  if (pid === undefined) return Number.NaN;
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    // Fields after the command name (which may hold spaces) start after the last ')'.
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return (Number(fields[11]) + Number(fields[12])) / CLOCK_TICKS_PER_S;
  } catch {
    return Number.NaN;
  }
}
/** USER_HZ: 100 on Linux on every architecture Node supports. */
const CLOCK_TICKS_PER_S = 100;

export function foreignCpu(): () => number {
  const machineBefore = cpuTimes();
  const ownBefore = ownTicks();
  return () => {
    const machineAfter = cpuTimes();
    const busy = machineAfter.busy - machineBefore.busy;
    const own = ownTicks() - ownBefore;
    return Math.max(0, busy - own) / Math.max(1, machineAfter.total - machineBefore.total);
  };
}

export function machine() {
  const cpuinfo = readFileSync('/proc/cpuinfo', 'utf8');
  const fsTypes: Record<number, string> = { 61267: 'ext2/3/4', 16914836: 'tmpfs' };
  const tmpType = statfsSync(tmpdir()).type;
  return {
    cpu: /^model name\s*:\s*(.+)$/m.exec(cpuinfo)?.[1]?.trim() ?? cpus()[0]?.model ?? 'unknown',
    cores: cpus().length,
    memoryGB: Math.round(totalmem() / 2 ** 30),
    node: process.version,
    tmpDir: tmpdir(),
    tmpFs: fsTypes[tmpType] ?? `0x${tmpType.toString(16)}`,
    date: new Date().toISOString(),
    ...source(),
  };
}

/** Which code was measured: the commit, and how many files under src/ differ from it. */
function source() {
  const git = (...args: string[]) =>
    spawnSync('git', args, { cwd: ROOT, encoding: 'utf8' }).stdout?.trim() ?? '';
  const changed = git('status', '--porcelain', '--', 'src');
  return {
    commit: git('rev-parse', '--short', 'HEAD'),
    srcFilesChanged: changed ? changed.split('\n').length : 0,
  };
}

// --- the webhook bodies -------------------------------------------------------------------

const template = JSON.parse(
  readFileSync(new URL('../test/fixtures/legacy/success.json', import.meta.url), 'utf8'),
) as Record<string, unknown>;
/** Different in every run, so that no body of this run was ever seen by a store. */
const runTag = randomBytes(4).toString('hex');
let counter = 0;

/**
 * A legacy 1:1 success body (test/fixtures/legacy/success.json) with its own customerId,
 * interviewId and transactionId: never a duplicate. `extra` fields ride along unknown.
 */
export function legacyBody(extra: Record<string, unknown> = {}): string {
  const n = `${runTag}${(counter++).toString(16).padStart(16, '0')}`;
  return JSON.stringify({
    ...template,
    customerId: n,
    interviewId: `1${n.slice(1)}`,
    transactionId: `2${n.slice(1)}`,
    ...extra,
  });
}

// --- numbers and tables -------------------------------------------------------------------

/** The p-th percentile (0-100) of `values`, nearest rank; NaN when empty. */
export function percentile(values: readonly number[], p: number): number {
  if (values.length === 0) return Number.NaN;
  const sorted = [...values].sort((a, b) => a - b);
  const rank = Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1));
  return sorted[rank] as number;
}

export const round = (value: number, digits = 1) => {
  const f = 10 ** digits;
  return Math.round(value * f) / f;
};

export function median(values: readonly number[]): number {
  return percentile(values, 50);
}

/** A plain text table: first row is the header. */
export function table(rows: readonly (readonly (string | number)[])[]): string {
  const cells = rows.map((row) => row.map(String));
  const widths: number[] = [];
  for (const row of cells) {
    row.forEach((cell, i) => {
      widths[i] = Math.max(widths[i] ?? 0, cell.length);
    });
  }
  const line = (row: string[]) =>
    row
      .map((cell, i) => (i === 0 ? cell.padEnd(widths[i] ?? 0) : cell.padStart(widths[i] ?? 0)))
      .join('  ');
  const [head, ...body] = cells;
  if (!head) return '';
  const rule = widths.map((w) => '-'.repeat(w)).join('  ');
  return [line(head), rule, ...body.map(line)].join('\n');
}
