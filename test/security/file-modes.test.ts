import { chmodSync, existsSync, mkdirSync, mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { readFixtureBytes } from '../helpers/fixtures.js';
import { runCli, startServiceProcess } from '../helpers/service-process.js';

// The SQLite file holds raw webhook bodies, with the legacy `token` and `interviewToken`. The
// real service, started under a umask that lets everyone read (022, the usual default, and
// 000), creates its folders 0700 and the database with its -wal and -shm files 0600. A folder
// the operator made keeps the mode the operator gave it.

const dir = mkdtempSync(join(tmpdir(), 'faceauth-modes-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const mode = (path: string) => (statSync(path).mode & 0o777).toString(8).padStart(4, '0');

/** Starts the service under `umask` on `db`, has it store a webhook, and reads the modes. */
async function modesAfterAWebhook(umask: string, db: string, folders: string[]) {
  const shim = await startServiceProcess(
    {
      CALLBACK_URL: 'http://127.0.0.1:9/callback',
      DATABASE_URL: `sqlite:${db}`,
      INBOUND_AUTH: 'none',
    },
    30_000,
    undefined,
    { umask },
  );
  try {
    const answer = await fetch(`${shim.url}/webhooks/legacy/authentication`, {
      method: 'POST',
      body: readFixtureBytes('legacy/success.json'),
      headers: { 'content-type': 'application/json' },
    });
    expect(answer.status).toBe(200);
    // While the service runs, the -wal file holds the webhook and the -shm file exists.
    expect(existsSync(`${db}-wal`)).toBe(true);
    expect(existsSync(`${db}-shm`)).toBe(true);
    return {
      folders: folders.map(mode),
      db: mode(db),
      wal: mode(`${db}-wal`),
      shm: mode(`${db}-shm`),
    };
  } finally {
    shim.child.kill('SIGTERM');
    expect(await shim.exited).toBe(0);
  }
}

describe('what the service creates is its own', () => {
  it.each(['022', '000', '0277'])(
    'under umask %s: the folders it creates are 0700, the database, -wal and -shm 0600',
    async (umask) => {
      const top = join(dir, `umask-${umask}`);
      const db = join(top, 'state', 'state.db');
      const modes = await modesAfterAWebhook(umask, db, [top, join(top, 'state')]);
      expect(modes).toEqual({ folders: ['0700', '0700'], db: '0600', wal: '0600', shm: '0600' });
    },
    60_000,
  );

  it("a folder the operator made keeps the operator's mode; what the service creates in it is 0600", async () => {
    const operator = join(dir, 'operator');
    mkdirSync(operator);
    chmodSync(operator, 0o750);
    const db = join(operator, 'state.db');
    const modes = await modesAfterAWebhook('022', db, [operator]);
    expect(modes).toEqual({ folders: ['0750'], db: '0600', wal: '0600', shm: '0600' });
  }, 60_000);

  it('report --out writes a new file 0600 under umask 022', async () => {
    const db = join(dir, 'report', 'state.db');
    await modesAfterAWebhook('022', db, []);
    const out = join(dir, 'report', 'report.json');
    const result = await runCli(
      { DATABASE_URL: `sqlite:${db}` },
      ['report', '--out', out],
      undefined,
      {
        umask: '022',
      },
    );
    expect(result.code, result.stderr).toBe(0);
    expect(mode(out)).toBe('0600');
  }, 60_000);
});
