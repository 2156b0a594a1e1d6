import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { COMMANDS } from '../../src/cli/commands.js';
import { openStore } from '../../src/store/open-store.js';
import { cliInProcess } from '../helpers/cli-in-process.js';
import { newEvent } from '../helpers/new-event.js';
import { runCli } from '../helpers/service-process.js';

const dir = mkdtempSync(join(tmpdir(), 'faceauth-cli-commands-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const base = {
  CALLBACK_URL: 'http://127.0.0.1:9/callback',
  INBOUND_AUTH: 'none',
  HOST: '127.0.0.1',
  PORT: '0',
};

const { version } = JSON.parse(
  readFileSync(new URL('../../package.json', import.meta.url), 'utf8'),
) as { version: string };

describe('the CLI explains itself', () => {
  it('--version prints the version', async () => {
    const result = await runCli({}, ['--version']);
    expect(result).toMatchObject({ code: 0, stdout: `faceauth-shim ${version}\n`, stderr: '' });
  });

  it('--help lists every command', async () => {
    const result = await runCli({}, ['--help']);
    expect(result.code).toBe(0);
    for (const command of COMMANDS) expect(result.stdout).toContain(`  ${command.name} `);
  });

  it('every command answers --help with its own usage and exit 0, reading nothing', async () => {
    const results = await Promise.all(
      COMMANDS.map((command) =>
        cliInProcess({ DATABASE_URL: 'sqlite:/nonexistent/never.db' }, [command.name, '--help']),
      ),
    );
    results.forEach((result, i) => {
      const name = COMMANDS[i]?.name as string;
      expect(result.code, name).toBe(0);
      expect(result.stdout, name).toMatch(new RegExp(`^usage: faceauth-shim (\\[)?${name}`));
      expect(result.stderr, name).toBe('');
    });
  });

  it('a wrong option names itself and shows the command usage, exit 2', async () => {
    const result = await cliInProcess({}, ['events', '--colour']);
    expect(result.code).toBe(2);
    expect(result.stderr).toMatch(/^faceauth-shim: Unknown option '--colour'/);
    expect(result.stderr).toContain('usage: faceauth-shim events');
  });
});

describe('DATABASE_URL values that cannot be a store stop the start: exit 2, one line naming DATABASE_URL', () => {
  it.each([
    ['sqlite://u2.db', 'sqlite://u2.db names a host, not a file'],
    ['sqlite::memory:', 'an in-memory database loses every stored event'],
  ])('%s', async (url, reason) => {
    const result = await runCli({ ...base, DATABASE_URL: url });
    expect(result.code).toBe(2);
    expect(result.stderr).toMatch(
      new RegExp(`^faceauth-shim: invalid configuration: DATABASE_URL: ${reason}`),
    );
    expect(result.stderr.trim().split('\n')).toHaveLength(1);
    expect(existsSync('/u2.db')).toBe(false);
  });

  it('a file that is not a database', async () => {
    const path = join(dir, 'not-a-database.db');
    writeFileSync(path, 'this is not SQLite, it is a text file '.repeat(10));
    const result = await cliInProcess({ ...base, DATABASE_URL: `sqlite:${path}` }, ['serve']);
    expect(result.code).toBe(2);
    expect(result.stderr).toBe(
      `faceauth-shim: invalid configuration: DATABASE_URL: ${path} is not a SQLite database\n`,
    );
  });

  it('a path whose folder cannot be created', async () => {
    const file = join(dir, 'a-file');
    writeFileSync(file, '');
    const result = await cliInProcess({ ...base, DATABASE_URL: `sqlite:${file}/sub/shim.db` }, [
      'serve',
    ]);
    expect(result.code).toBe(2);
    expect(result.stderr).toBe(
      `faceauth-shim: invalid configuration: DATABASE_URL: ${file}/sub/shim.db: cannot create its folder ${file}/sub (ENOTDIR: ${file} is a file)\n`,
    );
  });
});

describe('the admin actions on the database, without the admin API', () => {
  async function storeWith(name: string) {
    const path = join(dir, `${name}.db`);
    const store = await openStore({ kind: 'sqlite', path });
    await store.accept(newEvent({ id: 'e-legacy', customerId: 'c-1' }), 3_600_000);
    await store.close();
    return { DATABASE_URL: `sqlite:${path}` };
  }

  it('events lists them, event shows one, quarantine reads the rejected bodies', async () => {
    const env = await storeWith('lists');
    const listed = await cliInProcess(env, ['events']);
    expect(listed.code).toBe(0);
    expect(listed.stdout).toMatch(
      /^RECEIVED +ID +SOURCE +STATUS +RESULT +REASON +CUSTOMER +PAIR\n.*e-legacy +legacy +pending +PASS +- +c-1 +-\n/,
    );
    const json = await cliInProcess(env, ['events', '--json', '--status', 'pending']);
    expect(JSON.parse(json.stdout).events.map((e: { id: string }) => e.id)).toEqual(['e-legacy']);
    const one = await cliInProcess(env, ['event', 'e-legacy']);
    expect(JSON.parse(one.stdout)).toMatchObject({ id: 'e-legacy', status: 'pending' });
    const missing = await cliInProcess(env, ['event', 'no-such-id']);
    expect(missing).toMatchObject({
      code: 1,
      stderr: 'faceauth-shim: event no-such-id: not found\n',
    });
    const quarantine = await cliInProcess(env, ['quarantine']);
    expect(JSON.parse(quarantine.stdout)).toEqual({ items: [], next: null });
  });

  it('forward-source shows, sets and resets the stored cut-over, with the logins by who reported them', async () => {
    const env = await storeWith('switch');
    expect((await cliInProcess(env, ['forward-source'])).stdout).toMatch(
      /^nothing stored: the next instance to start .* stores its FORWARD_SOURCE for every instance\n/,
    );
    expect((await cliInProcess(env, ['forward-source', 'set', 'workflows'])).stdout).toBe(
      'stored workflows for every instance\n',
    );
    const shown = (await cliInProcess(env, ['forward-source', 'show'])).stdout;
    expect(shown).toMatch(/^stored: workflows since \d{4}-/);
    expect(shown).toMatch(
      /\nlogins since .*: \d+ in all, \d+ reported by both webhooks, \d+ by the legacy webhook only, \d+ by Workflows only\n {2}reality: /,
    );
    const wrong = await cliInProcess(env, ['forward-source', 'set', 'everything']);
    expect(wrong.code).toBe(2);
    expect(wrong.stderr).toMatch(
      /forward-source set takes legacy, workflows, both or workflows:<N>%, not "everything"/,
    );
    expect((await cliInProcess(env, ['forward-source', 'reset'])).code).toBe(0);
    expect((await cliInProcess(env, ['forward-source'])).stdout).toMatch(/^nothing stored/);
  });

  it('forward-source sets a share and a plan, shows where the plan stands, refuses bad ones', async () => {
    const env = await storeWith('share');
    expect((await cliInProcess(env, ['forward-source', 'set', 'workflows:10%'])).stdout).toBe(
      'stored workflows:10% for every instance\n',
    );
    const over = await cliInProcess(env, ['forward-source', 'set', 'workflows:120%']);
    expect(over.code).toBe(2);
    expect(over.stderr).toMatch(/"workflows:120%": a share cannot be above 100%/);
    const down = await cliInProcess(env, ['forward-source', 'plan', '10%,5%@2d']);
    expect(down.code).toBe(2);
    expect(down.stderr).toMatch(/forward-source plan: step "5%@2d" goes down or stays at 10%/);

    const plan = await cliInProcess(env, ['forward-source', 'plan', '1%,10%@2d,100%@14d']);
    expect(plan.code).toBe(0);
    const lines = plan.stdout.split('\n');
    expect(lines.slice(0, 6)).toEqual([
      'plan stored: 1%,10%@2d,100%@14d',
      'forwarded: workflows:1% (1% of customers on Workflows)',
      'plan: 1%,10%@2d,100%@14d (step 1 of 3)',
      expect.stringMatching(/^ {2}\[x\] 1% not before \d{4}-/),
      expect.stringMatching(/^ {2}\[ \] 10% not before \d{4}-/),
      expect.stringMatching(/^ {2}\[ \] 100% not before \d{4}-/),
    ]);
    const shown = await cliInProcess(env, ['forward-source', 'show']);
    expect(shown.stdout).toMatch(/^stored: workflows:1% since /);
    expect(shown.stdout).toMatch(/\nguard: green; window since .*: 0 pairs, agreement no pairs;/);
    expect(shown.stdout).toMatch(/\nnext: wait: the step to 10% is not due before /);
    expect(shown.stdout).toMatch(/\nlegacy webhook: \d+ days? left: /);

    const resume = await cliInProcess(env, ['forward-source', 'resume']);
    expect(resume).toMatchObject({
      code: 1,
      stderr: 'faceauth-shim: nothing to resume: the guard has not paused the cut-over\n',
    });
  });

  it('forward-source resume goes on after a rollback, counting pairs anew', async () => {
    const env = await storeWith('resume');
    const store = await openStore({
      kind: 'sqlite',
      path: env.DATABASE_URL.slice('sqlite:'.length),
    });
    const paused = {
      v: 1,
      share: 0,
      previous: 1000,
      lastGood: 0,
      since: Date.parse('2026-11-30T10:00:00Z'),
      guardFrom: Date.parse('2026-11-30T10:00:00Z'),
      from: 'switch',
      plan: {
        text: '10%,50%@1d',
        steps: [
          { share: 1000, at: 0 },
          { share: 5000, at: 1 },
        ],
        step: -1,
      },
      paused: {
        at: Date.parse('2026-11-30T10:00:00Z'),
        from: 1000,
        to: 0,
        reason: 'agreement 50.0% over 4 pairs',
        pairIds: ['l1/w1', 'l2/w2'],
      },
    };
    await store.setSetting('forward_source', JSON.stringify(paused), Date.now());
    await store.close();
    const shown = await cliInProcess(env, ['forward-source']);
    expect(shown.stdout).toContain(
      'paused by the guard at 2026-11-30T10:00:00.000Z: 10% back to 0%: agreement 50.0% over 4 pairs\n  pairs: l1/w1, l2/w2\n  resume with: faceauth-shim forward-source resume\n',
    );
    const resumed = await cliInProcess(env, ['forward-source', 'resume']);
    expect(resumed.code).toBe(0);
    expect(resumed.stdout).toMatch(/^resumed at workflows:0%\n/);
    expect(resumed.stdout).not.toContain('paused by the guard');
    expect(resumed.stdout).toContain('next: advance: the step to 10% is due');
  });
});
