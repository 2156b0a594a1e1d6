// A throwaway PostgreSQL cluster for tests that stop and start the database (the outage test)
// or need password authentication (the local server trusts everyone): initdb into a temp
// folder, a free loopback port, pg_ctl to start, stop and restart it, everything removed after.
//
// The server binaries come from Debian's postgresql-15 (/usr/lib/postgresql/<n>/bin), or
// PG_BIN. initdb and postgres refuse to run as root (CI runs as root): then they run as the
// postgres user through runuser, in a folder it owns.
import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import {
  chmodSync,
  chownSync,
  existsSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  writeFileSync,
} from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir, userInfo } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { parsePostgresUrl } from '../../src/config/database-url.js';
import type { PostgresConfig } from '../../src/store/database-config.js';

const run = promisify(execFile);

/** The folder holding initdb and pg_ctl, or null when no PostgreSQL server is installed. */
export function postgresBinDir(): string | null {
  const fromEnv = process.env.PG_BIN;
  if (fromEnv) return existsSync(join(fromEnv, 'initdb')) ? fromEnv : null;
  const root = '/usr/lib/postgresql';
  if (!existsSync(root)) return null;
  const versions = readdirSync(root)
    .filter((name) => /^\d+$/.test(name) && existsSync(join(root, name, 'bin', 'initdb')))
    .sort((a, b) => Number(b) - Number(a));
  return versions[0] ? join(root, versions[0], 'bin') : null;
}

async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  await new Promise((resolve) => server.close(resolve));
  if (address === null || typeof address === 'string') throw new Error('no port');
  return address.port;
}

export interface ClusterOptions {
  /** The superuser postgres gets this password, and TCP logins must give it (scram-sha-256). */
  password?: string;
}

export interface Cluster {
  port: number;
  /** The superuser's password (a random one unless given). */
  password: string;
  /** DATABASE_URL for a user and database of this cluster (postgres / postgres by default). */
  url(options?: { user?: string; password?: string | null; database?: string }): string;
  config(options?: { user?: string; password?: string | null; database?: string }): PostgresConfig;
  start(): Promise<void>;
  /** fast: clients are disconnected, a clean shutdown; immediate: as a crash. */
  stop(mode?: 'fast' | 'immediate'): Promise<void>;
  restart(): Promise<void>;
  /**
   * Freezes the whole server (SIGSTOP to the postmaster and every backend): connections stay
   * open and the kernel still takes bytes, but nothing answers, as a hung host or a stalled disk.
   */
  freeze(): void;
  /** SIGCONT to every process freeze() stopped (and the postmaster's children since). */
  thaw(): void;
  /** Stops it if it runs and removes its folder. */
  destroy(): Promise<void>;
}

/**
 * A new cluster, started, on a free port of 127.0.0.1 (about a second: initdb without fsync).
 * Call destroy() after the test (afterAll / onTestFinished).
 */
export async function startCluster(options: ClusterOptions = {}): Promise<Cluster> {
  const bin = postgresBinDir();
  if (bin === null)
    throw new Error('no PostgreSQL server binaries (apt-get install postgresql-15, or set PG_BIN)');
  const asRoot = userInfo().uid === 0;
  const dir = mkdtempSync(join(tmpdir(), 'faceauth-pg-'));
  const data = join(dir, 'data');
  const password = options.password ?? randomBytes(12).toString('hex');
  const pwfile = join(dir, 'pw');
  writeFileSync(pwfile, `${password}\n`, { mode: 0o600 });
  if (asRoot) {
    const { stdout } = await run('id', ['-u', 'postgres']);
    const { stdout: gid } = await run('id', ['-g', 'postgres']);
    chownSync(dir, Number(stdout.trim()), Number(gid.trim()));
    chownSync(pwfile, Number(stdout.trim()), Number(gid.trim()));
    chmodSync(dir, 0o700);
  }
  const as = (command: string, args: string[]) =>
    asRoot
      ? run('runuser', ['-u', 'postgres', '--', join(bin, command), ...args], { cwd: dir })
      : run(join(bin, command), args, { cwd: dir });
  await as('initdb', [
    '-D',
    data,
    '-U',
    'postgres',
    `--pwfile=${pwfile}`,
    '--auth-local=trust',
    '--auth-host=scram-sha-256',
    '--no-sync',
    '--no-instructions',
    '-E',
    'UTF8',
    '--locale=C',
  ]);
  const port = await freePort();
  const serverOptions = [
    `-p ${port}`,
    '-c listen_addresses=127.0.0.1',
    `-c unix_socket_directories=${dir}`,
    '-c fsync=off',
    '-c synchronous_commit=off',
    '-c full_page_writes=off',
    '-c shared_buffers=16MB',
    '-c max_connections=40',
  ].join(' ');
  let running = false;
  const start = async () => {
    await as('pg_ctl', [
      '-D',
      data,
      '-o',
      serverOptions,
      '-l',
      join(dir, 'log'),
      '-w',
      '-t',
      '30',
      'start',
    ]);
    running = true;
  };
  const stop = async (mode: 'fast' | 'immediate' = 'fast') => {
    await as('pg_ctl', ['-D', data, '-m', mode, '-w', '-t', '30', 'stop']);
    running = false;
  };
  /** The postmaster and its children, from postmaster.pid and /proc. */
  const processes = (): number[] => {
    const postmaster = Number(readFileSync(join(data, 'postmaster.pid'), 'utf8').split('\n')[0]);
    const children = readdirSync('/proc')
      .filter((name) => /^\d+$/.test(name))
      .filter((pid) => {
        try {
          // Field 4 of /proc/<pid>/stat, after the command in parentheses, is the parent.
          const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
          return Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]) === postmaster;
        } catch {
          return false;
        }
      })
      .map(Number);
    return [postmaster, ...children];
  };
  const url: Cluster['url'] = (o = {}) => {
    const user = o.user ?? 'postgres';
    const pw = o.password === undefined ? password : o.password;
    const auth = pw === null ? user : `${user}:${encodeURIComponent(pw)}`;
    return `postgres://${auth}@127.0.0.1:${port}/${o.database ?? 'postgres'}?sslmode=disable&connect_timeout=2`;
  };
  /** A process listed a moment ago may have ended since (a backend whose client left): ESRCH. */
  const signal = (pid: number, name: NodeJS.Signals) => {
    try {
      process.kill(pid, name);
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'ESRCH') throw error;
    }
  };
  try {
    await start();
  } catch (error) {
    rmSync(dir, { recursive: true, force: true });
    throw error;
  }
  return {
    port,
    password,
    url,
    config(o) {
      const parsed = parsePostgresUrl(url(o));
      if ('error' in parsed) throw new Error(parsed.error);
      return parsed;
    },
    start,
    stop,
    async restart() {
      await stop();
      await start();
    },
    freeze() {
      // The postmaster first: it forks no backend after that.
      for (const pid of processes()) signal(pid, 'SIGSTOP');
    },
    thaw() {
      for (const pid of processes().reverse()) signal(pid, 'SIGCONT');
    },
    async destroy() {
      // A frozen server cannot stop.
      if (running) {
        try {
          for (const pid of processes()) process.kill(pid, 'SIGCONT');
        } catch {}
        await stop('immediate').catch(() => {});
      }
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
