// Vitest global setup: the service the tests start as a child process is built once per run.
// Starting `src/cli.ts` through tsx compiled the whole tree again in every child (about a second
// of CPU each, and the suite starts dozens); esbuild turns each file of src/ into JavaScript
// in well under a second, file by file like `npm run build` (no bundling), into a folder laid
// out like a checkout (package.json, dist/, mappings/, node_modules/), so paths the code finds
// from its own location resolve as they do for `node dist/cli.js`. Type checking is
// `npm run typecheck`'s job; the tests that must run exactly what `npm run build` emits share
// one tsc build of the run (test/helpers/built-service.ts). The children get `npm start`'s Node
// flags, so what a test measures of a child (its memory) is what an operator's service does.
import { copyFileSync, mkdtempSync, readdirSync, readFileSync, rmSync, symlinkSync } from 'node:fs';
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

export default async function setup(project: TestProject): Promise<() => void> {
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
  return remove;
}

declare module 'vitest' {
  export interface ProvidedContext {
    /** Node's arguments to run the CLI: `npm start`'s flags, then this run's build. */
    serviceCli: string[];
    /** A folder of this run for the tsc build of built-service.ts (made by the first test). */
    builtServiceDir: string;
  }
}
