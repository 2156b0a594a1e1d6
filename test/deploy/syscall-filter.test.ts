import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { type BuiltService, buildService } from '../helpers/built-service.js';
import { startCallbackServer } from '../helpers/callback-server.js';
import { readFixtureBytes } from '../helpers/fixtures.js';
import { describeWithTool, toolRuns } from '../helpers/needs-tool.js';
import { runCli, startServiceProcess } from '../helpers/service-process.js';

// The unit's SystemCallFilter= cannot be tried with systemd here (no systemd runs in these
// containers, so no systemd-run). The same filter is applied with libseccomp instead: the
// groups the unit names, expanded by systemd-analyze, harsher than the unit (a call outside
// the allowed groups kills the process). The built service, on the Node running this suite,
// must start, store and deliver a webhook, serve its metrics and stop cleanly under it.

const FILE = 'test/deploy/syscall-filter.test.ts';
const SANDBOX = fileURLToPath(new URL('../helpers/seccomp-sandbox.py', import.meta.url));
const UNIT = readFileSync(new URL('../../deploy/faceauth-shim.service', import.meta.url), 'utf8');
const PYTHON = '/usr/bin/python3';

/** The groups of the unit's SystemCallFilter= lines: allowed, and denied (~). */
function unitFilter(): { allow: string; deny: string } {
  const lines = [...UNIT.matchAll(/^SystemCallFilter=(.+)$/gm)].map((m) => (m[1] ?? '').trim());
  return {
    allow: lines.filter((l) => !l.startsWith('~')).join(' '),
    deny: lines
      .filter((l) => l.startsWith('~'))
      .map((l) => l.slice(1))
      .join(' '),
  };
}

const missing = !toolRuns('systemd-analyze')
  ? 'systemd-analyze is not installed'
  : !toolRuns(PYTHON, ['-c', 'import seccomp'])
    ? `${PYTHON} cannot import seccomp (Debian's python3-seccomp)`
    : null;

describeWithTool(FILE, "the service under the unit's system call filter", missing, () => {
  const dir = mkdtempSync(join(tmpdir(), 'faceauth-seccomp-'));
  let built: BuiltService | undefined;
  beforeAll(async () => {
    built = await buildService();
  }, 120_000);
  afterAll(() => {
    rmSync(dir, { recursive: true, force: true });
  });

  it('the unit allows @system-service and denies @privileged', () => {
    const { allow, deny } = unitFilter();
    expect(allow.split(' ')).toContain('@system-service');
    expect(deny.split(' ')).toContain('@privileged');
  });

  it('starts, takes a webhook, delivers it, serves /metrics and stops with exit 0', async () => {
    const { allow, deny } = unitFilter();
    const callback = await startCallbackServer();
    const shim = await startServiceProcess(
      {
        CALLBACK_URL: callback.url,
        DATABASE_URL: `sqlite:${join(dir, 'state', 'state.db')}`,
        INBOUND_AUTH: 'none',
      },
      30_000,
      built?.cli,
      { wrap: [PYTHON, SANDBOX, allow, deny] },
    );
    try {
      expect(shim.output()).toMatch(/^seccomp-sandbox: \d+ system calls in the filter/m);
      const body = readFixtureBytes('legacy/success.json');
      const answer = await fetch(`${shim.url}/webhooks/legacy/authentication`, {
        method: 'POST',
        body,
        headers: { 'content-type': 'application/json' },
      });
      expect(answer.status).toBe(200);
      const [delivered] = await callback.waitForCalls(1);
      expect(delivered?.body.equals(body)).toBe(true);
      expect((await fetch(`${shim.url}/metrics`)).status).toBe(200);
      expect((await fetch(`${shim.url}/readyz`)).status).toBe(200);
    } finally {
      shim.child.kill('SIGTERM');
      expect(await shim.exited).toBe(0);
      await callback.close();
    }
  }, 60_000);

  it('the sandbox bites: under @default alone Node is killed (SIGSYS) before it prints its version', async () => {
    const result = await runCli({}, ['--version'], built?.cli, {
      wrap: [PYTHON, SANDBOX, '@default', ''],
    });
    expect(result.code).toBeNull();
    expect(result.stdout).toBe('');
  });
});
