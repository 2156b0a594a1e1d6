// Vitest global setup: the service the tests start as a child process is built once per run.
// Starting `src/cli.ts` through tsx compiled the whole tree again in every child (about a second
// of CPU each, and the suite starts dozens); esbuild turns each file of src/ into JavaScript
// in well under a second, file by file like `npm run build` (no bundling), into a folder laid
// out like a checkout (package.json, dist/, mappings/, node_modules/), so paths the code finds
// from its own location resolve as they do for `node dist/cli.js`. Type checking is
// `npm run typecheck`'s job; the tests that must run exactly what `npm run build` emits share
// one tsc build of the run (test/helpers/built-service.ts). The children get `npm start`'s Node
// flags, so what a test measures of a child (its memory) is what an operator's service does.
import {
  copyFileSync,
  existsSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  symlinkSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';
import type { TestProject } from 'vitest/node';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));

/** The Node flags of `npm start` (package.json), so the children run as an operator's does. */
function startFlags(): string[] {
  const pkg = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as {
    scripts: { start: string };
  };
  return pkg.scripts.start.split(/\s+/).filter((word) => word.startsWith('--'));
}

export default async function setup(project: TestProject): Promise<() => Promise<void>> {
  const dir = mkdtempSync(join(tmpdir(), 'faceauth-test-service-'));
  const remove = () => rmSync(dir, { recursive: true, force: true });
  try {
    copyFileSync(join(ROOT, 'package.json'), join(dir, 'package.json'));
    symlinkSync(join(ROOT, 'mappings'), join(dir, 'mappings'));
    symlinkSync(join(ROOT, 'node_modules'), join(dir, 'node_modules'));
    const src = join(ROOT, 'src');
    const entryPoints = readdirSync(src, { recursive: true, encoding: 'utf8' })
      .filter((file) => file.endsWith('.ts') && !file.endsWith('.d.ts'))
      .map((file) => join(src, file));
    await build({
      entryPoints,
      outbase: src,
      outdir: join(dir, 'dist'),
      platform: 'node',
      format: 'esm',
      target: 'node22',
      sourcemap: 'inline',
      logLevel: 'error',
    });
  } catch (error) {
    remove();
    throw error;
  }
  project.provide('serviceCli', [...startFlags(), join(dir, 'dist', 'cli.js')]);
  // Where the tests that need `npm run build`'s own output (tsc's, test/helpers/built-service.ts)
  // find it: built there by the first of them, once per run.
  project.provide('builtServiceDir', join(dir, 'tsc-build'));
  return async () => {
    const left = await leftRunning(dir);
    remove();
    if (left.length > 0) {
      throw new Error(
        `${left.length} service process(es) of this run outlived the tests (killed now):\n${left.join('\n')}`,
      );
    }
  };
}

/**
 * The processes still running this run's builds once the tests are done: a test that leaves its
 * service behind is a bug (it would keep a port, a file and CPU after the run). They get 2 s to
 * end (a test may have just signalled one), then are killed; their command lines are returned.
 */
async function leftRunning(dir: string): Promise<string[]> {
  if (!existsSync('/proc')) return []; // Linux's process table; elsewhere the check is skipped
  const running = () =>
    readdirSync('/proc')
      .filter((name) => /^\d+$/.test(name) && Number(name) !== process.pid)
      .flatMap((pid) => {
        try {
          const args = readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0').join(' ');
          return args.includes(`${dir}/`) ? [{ pid: Number(pid), args }] : [];
        } catch {
          return []; // ended meanwhile
        }
      });
  const deadline = Date.now() + 2_000;
  let left = running();
  while (left.length > 0 && Date.now() < deadline) {
    await new Promise((resolve) => setTimeout(resolve, 100));
    left = running();
  }
  for (const { pid } of left) {
    try {
      process.kill(pid, 'SIGKILL');
    } catch {
      // ended meanwhile
    }
  }
  return left.map(({ pid, args }) => `${pid}: ${args}`);
}

declare module 'vitest' {
  export interface ProvidedContext {
    /** Node's arguments to run the CLI: `npm start`'s flags, then this run's build. */
    serviceCli: string[];
    /** A folder of this run for the tsc build of built-service.ts (made by the first test). */
    builtServiceDir: string;
  }
}
