// npm's `prepare` step (run by `npm ci` and `npm install` in a checkout): builds dist/ when the
// compiler is installed, so `npx faceauth-shim` and `npm start` work right after `npm ci`.
// With --omit=dev there is no compiler: dist/ must come with the files (a packed release, or a
// build made before `npm prune --omit=dev`); this says so instead of failing the install.
import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';

const require = createRequire(import.meta.url);
let tsc;
try {
  tsc = require.resolve('typescript/bin/tsc');
} catch {
  if (!existsSync(new URL('../dist/cli.js', import.meta.url))) {
    process.stderr.write(
      'faceauth-shim: no dist/ and no compiler (dev dependencies omitted): build with `npm ci && npm run build` first, or install a packed release (docs/operations.md, "Install")\n',
    );
  }
  process.exit(0);
}
execFileSync(process.execPath, [tsc, '-p', 'tsconfig.build.json'], {
  stdio: 'inherit',
  cwd: new URL('..', import.meta.url),
});
