import { execFile } from 'node:child_process';
import { cpSync, existsSync, mkdirSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { delimiter, dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { unsupportedNode } from '../../src/ops/node-support.js';
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

/** The unpacked release, installed with `npm ci --omit=dev`: made once, for every test. */
const app = join(dir, 'app');
const env = { ...process.env, npm_config_audit: 'false', npm_config_fund: 'false' };

/**
 * A Node of a line the service does not run on (the machine's own Node 20 on these machines),
 * found on PATH or in /usr/bin and /usr/local/bin, outside the project's .node/ folder; null
 * when this machine has none.
 */
async function unsupportedNodeBin(): Promise<{ node: string; version: string } | null> {
  const dirs = [...(process.env.PATH ?? '').split(delimiter), '/usr/bin', '/usr/local/bin'];
  for (const bin of new Set(dirs)) {
    const node = join(bin, 'node');
    if (bin === '' || bin.startsWith(join(ROOT, '.node')) || !existsSync(node)) continue;
    if (!existsSync(join(bin, 'npx'))) continue;
    const version = (await run(node, ['--version'])).stdout.trim();
    if (unsupportedNode(version) !== null) return { node, version };
  }
  return null;
}

describe('install for production from a packed release', () => {
  beforeAll(async () => {
    await run('npm', ['pack', '--silent', '--pack-destination', dir], { cwd: ROOT, env });
    const tarball = readdirSync(dir).find((f) => f.endsWith('.tgz')) as string;
    mkdirSync(app);
    await run('tar', ['-xzf', join(dir, tarball), '-C', app, '--strip-components=1']);
    cpSync(join(ROOT, 'package-lock.json'), join(app, 'package-lock.json'));
    await run('npm', ['ci', '--omit=dev', '--offline', '--no-audit', '--no-fund'], {
      cwd: app,
      env,
    });
  }, 120_000);

  it('npm pack, npm ci --omit=dev, node dist/cli.js serve: takes a webhook and stops with exit 0', async () => {
    expect(existsSync(join(app, 'dist', 'cli.js'))).toBe(true);
    expect(existsSync(join(app, 'src'))).toBe(false);
    // The docs travel with it, and what the README and the runbook link to is in the package.
    for (const doc of docFiles(ROOT)) expect(existsSync(join(app, doc)), doc).toBe(true);
    expect(brokenLinks(app, ['README.md', 'MIGRATION.md'])).toEqual([]);
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
  }, 60_000);

  it("npx faceauth-shim on an unsupported Node prints the CLI's own line, not npm's error", async (ctx) => {
    const old = await unsupportedNodeBin();
    if (old === null) {
      // Not a tool CI installs: a machine whose Nodes are all supported has nothing to try.
      process.stderr.write(
        'test/deploy/production-install.test.ts: skipped: no unsupported Node (such as Node 20) on this machine\n',
      );
      ctx.skip();
      return;
    }
    // The first npx in a fresh npm cache, under engine-strict (the checkout's .npmrc sets it,
    // an operator's npm config may): npm then checks the project's engines before it runs it.
    const cache = mkdtempSync(join(dir, 'npm-cache-'));
    const result = await run(join(dirname(old.node), 'npx'), ['faceauth-shim', '--version'], {
      cwd: app,
      env: {
        PATH: `${dirname(old.node)}${delimiter}/usr/bin${delimiter}/bin`,
        HOME: dir,
        npm_config_cache: cache,
        npm_config_engine_strict: 'true',
        npm_config_update_notifier: 'false',
      },
    }).then(
      (done) => ({ code: 0, stdout: done.stdout, stderr: done.stderr }),
      (failed: { code: number; stdout: string; stderr: string }) => failed,
    );
    expect(result.stderr).toBe(`faceauth-shim: ${unsupportedNode(old.version)}\n`);
    expect(result.stdout).toBe('');
    expect(result.code).toBe(2);
  }, 60_000);
});
