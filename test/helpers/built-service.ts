import { execFile } from 'node:child_process';
import {
  copyFileSync,
  existsSync,
  mkdirSync,
  readFileSync,
  symlinkSync,
  writeFileSync,
} from 'node:fs';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { inject } from 'vitest';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));

export interface BuiltService {
  /** The built CLI, to pass as `cli` to startServiceProcess or runCli. */
  cli: string[];
}

/**
 * The service built as `npm run build` does (tsc), in a folder of this test run laid out like a
 * checkout (package.json, dist/, mappings/, node_modules/), so a test runs what an operator runs
 * (`node dist/cli.js serve`) without touching the developer's dist/. The first test file of the
 * run that asks builds it (about 12 s of CPU); the others, in other workers, wait for it and use
 * the same build. The run's global setup removes it at the end.
 */
export async function buildService(): Promise<BuiltService> {
  const dir = inject('builtServiceDir');
  const done = join(dir, 'built');
  const failed = join(dir, 'failed');
  const cli = { cli: [join(dir, 'dist', 'cli.js')] };
  let mine = true;
  try {
    mkdirSync(dir); // atomic: exactly one test file of the run builds
  } catch {
    mine = false;
  }
  if (mine) {
    try {
      copyFileSync(join(ROOT, 'package.json'), join(dir, 'package.json'));
      symlinkSync(join(ROOT, 'mappings'), join(dir, 'mappings'));
      symlinkSync(join(ROOT, 'node_modules'), join(dir, 'node_modules'));
      const tsc = createRequire(join(ROOT, 'package.json')).resolve('typescript/bin/tsc');
      await promisify(execFile)(
        process.execPath,
        [tsc, '-p', join(ROOT, 'tsconfig.build.json'), '--outDir', join(dir, 'dist')],
        { cwd: ROOT },
      );
    } catch (error) {
      writeFileSync(failed, String(error));
      throw error;
    }
    writeFileSync(done, '');
    return cli;
  }
  // Another test file builds it: wait (bounded) for it to say it is done, or why it failed.
  const deadline = Date.now() + 110_000;
  while (!existsSync(done)) {
    if (existsSync(failed)) throw new Error(`the build failed: ${readFileSync(failed, 'utf8')}`);
    if (Date.now() > deadline) throw new Error(`no tsc build in ${dir} after 110 s`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  return cli;
}
