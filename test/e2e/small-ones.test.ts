import { spawn } from 'node:child_process';
import { createServer } from 'node:net';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { openStore } from '../../src/store/open-store.js';
import { newEvent } from '../helpers/new-event.js';
import { baseEnv, onCleanup, receiver, service, tempDir } from '../helpers/operating-service.js';
import { runCli, SERVICE_CLI } from '../helpers/service-process.js';

// The small ones of issue 22, on the real process: one SQLite file, one instance; a failed start
// says one line; the CLI ends quietly on a closed pipe.

const ROOT = fileURLToPath(new URL('../../', import.meta.url));

/** runCli, but a start that does not end within `ms` (it was not refused) is killed: no process outlives the test. */
const startThatEnds = (env: Record<string, string>, ms = 20_000) =>
  runCli(env, ['serve'], SERVICE_CLI, { killAfterMs: ms });

/** Log lines at error level (pino's JSON) in what a process wrote. */
const errorLines = (output: string) =>
  output.split('\n').filter((line) => /"level":"(error|fatal)"/.test(line));

describe('one SQLite file serves one instance', () => {
  it('a second instance on the file refuses to start (exit 2, naming DATABASE_URL and PostgreSQL); the lock goes with the first, on a stop and on kill -9', async () => {
    const cb = await receiver();
    const env = { ...baseEnv(), CALLBACK_URL: cb.url, HOST: '127.0.0.1', PORT: '0' };
    const first = await service(env);

    const second = await startThatEnds(env);
    expect(second.code).toBe(2);
    const said = second.stderr.trim().split('\n');
    expect(said).toHaveLength(1);
    expect(said[0]).toMatch(
      /^faceauth-shim: invalid configuration: DATABASE_URL: .*shim\.db is in use by another faceauth-shim instance .*one SQLite file serves one instance; to run several instances, use PostgreSQL/,
    );
    expect(errorLines(second.stdout)).toEqual([]);
    // The first goes on working.
    expect((await fetch(`${first.url}/readyz`)).status).toBe(200);

    // Stopped, it lets the next one start.
    first.child.kill('SIGTERM');
    expect(await first.exited).toBe(0);
    const third = await service(env);
    expect((await fetch(`${third.url}/readyz`)).status).toBe(200);
    // Killed with SIGKILL, it cannot clean up: the operating system drops the lock.
    third.child.kill('SIGKILL');
    expect(await third.exited).toBe('SIGKILL');
    const fourth = await service(env);
    expect((await fetch(`${fourth.url}/readyz`)).status).toBe(200);
    // The command line still works beside a running instance.
    expect((await runCli(env, ['events'])).code).toBe(0);
  }, 60_000);
});

describe('a failed start', () => {
  it('on a port in use says one line, and logs no error stack beside it', async () => {
    const busy = createServer();
    await new Promise<void>((resolve) => busy.listen(0, '127.0.0.1', resolve));
    onCleanup(() => new Promise<void>((resolve) => busy.close(() => resolve())));
    const port = String((busy.address() as { port: number }).port);
    const cb = await receiver();
    const failed = await runCli({
      ...baseEnv(),
      CALLBACK_URL: cb.url,
      HOST: '127.0.0.1',
      PORT: port,
    });
    expect(failed.code).toBe(1);
    expect(failed.stderr).toBe(
      `faceauth-shim: cannot listen on 127.0.0.1:${port} (PORT, HOST): another process listens there\n`,
    );
    expect(errorLines(failed.stdout)).toEqual([]);
    expect(failed.stdout).not.toContain('"stack"');
  }, 30_000);
});

describe('the command line on a closed pipe', () => {
  it('`events | head -1` prints the header and exits quietly', async () => {
    const path = join(tempDir(), 'shim.db');
    const store = await openStore({ kind: 'sqlite', path });
    // More than a pipe's buffer of lines, so the command is still writing when head exits.
    for (let i = 0; i < 500; i++) {
      await store.accept(newEvent({ id: `event-${i}-${'x'.repeat(60)}`, customerId: `c-${i}` }), 1);
    }
    await store.close();
    const cli = [process.execPath, ...SERVICE_CLI].map((word) => `'${word}'`).join(' ');
    for (const args of ['events --limit 500', 'events --limit 500 --json']) {
      const run = spawn(
        'bash',
        ['-c', `${cli} ${args} | head -1; echo "exit=\${PIPESTATUS[0]}" >&2`],
        {
          cwd: ROOT,
          env: { PATH: process.env.PATH ?? '', DATABASE_URL: `sqlite:${path}` },
          // Standard input not a socket: bash would read ~/.bashrc as if started by sshd.
          stdio: ['ignore', 'pipe', 'pipe'],
        },
      );
      let stdout = '';
      let stderr = '';
      run.stdout.on('data', (chunk: Buffer) => {
        stdout += chunk.toString();
      });
      run.stderr.on('data', (chunk: Buffer) => {
        stderr += chunk.toString();
      });
      await new Promise((resolve) => run.once('close', resolve));
      expect(stderr, args).toBe('exit=0\n');
      expect(stdout.split('\n')[0]).toMatch(args.includes('--json') ? /^\{$/ : /^RECEIVED +ID/);
    }
  }, 60_000);
});
