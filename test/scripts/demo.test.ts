import { spawn } from 'node:child_process';
import { readdirSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

// `npm run demo`: it shows both realities of the migration with one callback per login; when the
// service cannot start, it must say why and exit within seconds (the stand-in callback kept it
// alive forever), leaving no temporary folder behind.

const ROOT = fileURLToPath(new URL('../../', import.meta.url));

function demo(env: Record<string, string>, killAfterMs = 20_000) {
  const child = spawn(process.execPath, ['--import', 'tsx', 'scripts/demo.ts'], {
    cwd: ROOT,
    env: { PATH: process.env.PATH ?? '', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stderr = '';
  let stdout = '';
  child.stderr.on('data', (chunk: Buffer) => {
    stderr += chunk.toString();
  });
  child.stdout.on('data', (chunk: Buffer) => {
    stdout += chunk.toString();
  });
  const started = Date.now();
  return new Promise<{ code: number | null; stdout: string; stderr: string; ms: number }>(
    (resolve) => {
      const timer = setTimeout(() => child.kill('SIGKILL'), killAfterMs);
      child.once('exit', (code) => {
        clearTimeout(timer);
        resolve({ code, stdout, stderr, ms: Date.now() - started });
      });
    },
  );
}

const demoFolders = () => readdirSync(tmpdir()).filter((name) => name.startsWith('faceauth-demo-'));

describe('npm run demo when the service cannot start', () => {
  it('the port is taken: one line naming PORT, exit 1 within seconds, no folder left', async () => {
    const taken = createServer();
    await new Promise<void>((resolve) => taken.listen(0, '127.0.0.1', resolve));
    const { port } = taken.address() as { port: number };
    const before = demoFolders();
    try {
      const result = await demo({ PORT: String(port) });
      expect(result.code).toBe(1);
      expect(result.ms).toBeLessThan(15_000);
      expect(result.stderr).toBe(
        `demo failed: the service cannot start: cannot listen on 127.0.0.1:${port} (PORT, HOST): another process listens there\n`,
      );
      expect(demoFolders()).toEqual(before);
    } finally {
      taken.close();
    }
  }, 30_000);

  it('the database cannot be opened: one line naming DATABASE_URL, exit 1', async () => {
    const junk = join(tmpdir(), `faceauth-not-a-db-${process.pid}.db`);
    writeFileSync(junk, 'not a database, just text '.repeat(20));
    const before = demoFolders();
    try {
      const result = await demo({ DATABASE_URL: `sqlite:${junk}` });
      expect(result.code).toBe(1);
      expect(result.stderr).toBe(
        `demo failed: the service cannot start: invalid configuration: DATABASE_URL: ${junk} is not a SQLite database\n`,
      );
      expect(demoFolders()).toEqual(before);
    } finally {
      rmSync(junk, { force: true });
    }
  }, 30_000);

  it('runs in both realities: one callback per login, none lost, none doubled', async () => {
    const result = await demo({}, 50_000);
    expect(result.stderr).toBe('');
    expect(result.code).toBe(0);
    expect(result.stdout).toContain('1. Logins reported by both webhooks');
    expect(result.stdout).toContain(
      'The callback received 7 bodies for 7 logins: one per login, the first report',
    );
    expect(result.stdout).toContain('2. Logins reported by one webhook');
    expect(result.stdout).toMatch(/the callback received 3, one per login, at once/);
    expect(result.stdout).toContain(
      '10 logins: 6 reported by both webhooks, 2 by the legacy webhook only, 2 by Workflows only',
    );
    expect(result.stdout).toContain(
      'Summary: 10 callbacks for 10 logins: none lost, none doubled.',
    );
  }, 60_000);
});
