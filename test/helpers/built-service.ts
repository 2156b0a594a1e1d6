import { execFile } from 'node:child_process';
import { copyFileSync, mkdtempSync, rmSync, symlinkSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));

export interface BuiltService {
  /** The built CLI, to pass as `cli` to startServiceProcess or runCli. */
  cli: string[];
  remove(): void;
}

/**
 * Builds the service as `npm run build` does, into a folder of its own laid out like a checkout
 * (package.json, dist/, mappings/, node_modules/), so a test runs what an operator runs
 * (`node dist/cli.js serve`) without touching the developer's dist/.
 */
export async function buildService(): Promise<BuiltService> {
  const dir = mkdtempSync(join(tmpdir(), 'faceauth-built-'));
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
    rmSync(dir, { recursive: true, force: true });
    throw error;
  }
  return {
    cli: [join(dir, 'dist', 'cli.js')],
    remove: () => rmSync(dir, { recursive: true, force: true }),
  };
}
