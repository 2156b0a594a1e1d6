import { execFile } from 'node:child_process';
import { cpSync, existsSync, mkdirSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { afterAll, describe, expect, it } from 'vitest';
import { startCallbackServer } from '../helpers/callback-server.js';
import { readFixtureBytes } from '../helpers/fixtures.js';
import { brokenLinks, docFiles } from '../helpers/markdown.js';
import { startServiceProcess } from '../helpers/service-process.js';

// The production path of docs/operations.md, as an operator takes it: a packed release (npm pack
// builds it), installed with `npm ci --omit=dev` (no compiler, no dev dependencies), started
// with the documented command. The install is offline: the packages come from npm's cache,
// which the `npm ci` that ran this suite filled.

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const run = promisify(execFile);
const dir = mkdtempSync(join(tmpdir(), 'faceauth-release-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('install for production from a packed release', () => {
  it('npm pack, npm ci --omit=dev, node dist/cli.js serve: takes a webhook and stops with exit 0', async () => {
    const env = { ...process.env, npm_config_audit: 'false', npm_config_fund: 'false' };
    await run('npm', ['pack', '--silent', '--pack-destination', dir], { cwd: ROOT, env });
    const tarball = readdirSync(dir).find((f) => f.endsWith('.tgz')) as string;
    const app = join(dir, 'app');
    mkdirSync(app);
    await run('tar', ['-xzf', join(dir, tarball), '-C', app, '--strip-components=1']);
    expect(existsSync(join(app, 'dist', 'cli.js'))).toBe(true);
    expect(existsSync(join(app, 'src'))).toBe(false);
    // The docs travel with it, and what the README and the runbook link to is in the package.
    for (const doc of docFiles(ROOT)) expect(existsSync(join(app, doc)), doc).toBe(true);
    expect(brokenLinks(app, ['README.md', 'MIGRATION.md'])).toEqual([]);
    cpSync(join(ROOT, 'package-lock.json'), join(app, 'package-lock.json'));
    await run('npm', ['ci', '--omit=dev', '--offline', '--no-audit', '--no-fund'], {
      cwd: app,
      env,
    });
    expect(existsSync(join(app, 'node_modules', 'better-sqlite3'))).toBe(true);
    expect(existsSync(join(app, 'node_modules', 'typescript'))).toBe(false);

    const callback = await startCallbackServer();
    const shim = await startServiceProcess(
      {
        CALLBACK_URL: callback.url,
        DATABASE_URL: `sqlite:${join(dir, 'data', 'shim.db')}`,
        INBOUND_HEADER_NAME: 'x-incode-key',
        INBOUND_HEADER_VALUE: 'release-inbound-secret-0123',
      },
      15_000,
      [join(app, 'dist', 'cli.js')],
    );
    try {
      const body = readFixtureBytes('legacy/success.json');
      const answer = await fetch(`${shim.url}/webhooks/legacy/authentication`, {
        method: 'POST',
        body,
        headers: {
          'content-type': 'application/json',
          'x-incode-key': 'release-inbound-secret-0123',
        },
      });
      expect(answer.status).toBe(200);
      const [delivered] = await callback.waitForCalls(1);
      expect(delivered?.body.equals(body)).toBe(true);
    } finally {
      shim.child.kill('SIGTERM');
      expect(await shim.exited).toBe(0);
      await callback.close();
    }
  }, 120_000);
});
