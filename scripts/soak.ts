// `npm run soak`: a few thousand webhooks while the callback fails at random and the service
// is killed (SIGKILL) and started again several times. Loopback only, bounded in time.
// `npm run soak -- --peak`: as many webhooks as 32 connections can send for 30 s (the
// benchmark's peak rate), the callback failing 10% of answers with 503, no kills.
// `npm run soak -- --instances 3`: three instances on one PostgreSQL database (a fresh schema,
// dropped after), the client spreading webhooks over them, one instance killed with SIGKILL and
// started again every few seconds, the callback failing 10% of answers with 503; sends for
// 20 s (--seconds N to change it), then waits for every accepted webhook to be delivered (a
// killed instance's leased events wait until their lease runs out: CALLBACK_TIMEOUT_MS + 30 s).
// The database is --database-url, else TEST_DATABASE_URL, else the local one the tests use;
// `--store postgres` runs a single instance on it too.
//
// The services are what an operator runs: `node dist/cli.js serve` (built first when src/ is
// newer than dist/).
//
// Prints: sent N, accepted N, delivered N, lost 0, duplicate event ids 0, order violations 0
//
// Order: the client sends the webhooks of one customer one after the other (the next only after
// the previous got its 200), so a customer's arrival order is the order in which the client got
// its 200s. An order violation is a webhook of a customer reaching the callback (any attempt)
// while a webhook of that customer that arrived before it has not yet been answered 200 by the
// callback: the shim's promise that a later event never overtakes an earlier one.
import { type ChildProcess, execFileSync, spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, readdirSync, rmSync, statSync } from 'node:fs';
import { createServer as createHttpServer } from 'node:http';
import { createServer as createNetServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parsePostgresUrl } from '../src/config/database-url.js';
import { PostgresDriver } from '../src/store/postgres/driver.js';
import { quoteIdentifier } from '../src/store/postgres/pool-config.js';

const argv = process.argv.slice(2);
function option(name: string): string | undefined {
  const at = argv.indexOf(name);
  if (at === -1) return undefined;
  const value = argv[at + 1];
  if (value === undefined || value.startsWith('--')) throw new Error(`${name} needs a value`);
  return value;
}
function wholeNumber(name: string, fallback: number, min = 1): number {
  const text = option(name);
  if (text === undefined) return fallback;
  if (!/^\d+$/.test(text) || Number(text) < min) {
    throw new Error(`${name} expects a whole number of at least ${min}, got ${text}`);
  }
  return Number(text);
}

const PEAK = argv.includes('--peak');
const PEAK_SECONDS = 30;
const INSTANCES = wholeNumber('--instances', 1);
const MULTI = INSTANCES > 1;
const POSTGRES =
  MULTI || option('--database-url') !== undefined || option('--store') === 'postgres';
const DATABASE_URL =
  option('--database-url') ??
  (process.env.TEST_DATABASE_URL?.trim() ||
    'postgres://postgres@127.0.0.1:5432/test?sslmode=disable');
const SEND_SECONDS = wholeNumber('--seconds', 20);
/** With several instances: one of them is killed and started again this often. */
const KILL_EVERY_MS = 4_000;
/** Kills stop this long before sending does, so the run ends soon after the last lease. */
const CALLBACK_TIMEOUT_MS = 500;
/** What the service leases a claimed entry for (src/service.ts: CALLBACK_TIMEOUT_MS + 30 s). */
const LEASE_MS = CALLBACK_TIMEOUT_MS + 30_000;

const count = argv.find((arg, i) => /^\d+$/.test(arg) && !argv[i - 1]?.startsWith('--'));
let TOTAL = PEAK || MULTI ? Number.POSITIVE_INFINITY : Number(count ?? 3000);
const KILLS = PEAK || MULTI ? 0 : 3;
const SENDERS = PEAK ? 32 : 16;
/** Customers; a multiple of SENDERS, so each customer belongs to one sender (see sendersOwn). */
const CUSTOMERS = SENDERS * 25;
const STARTED = Date.now();
/** Set when the instances are ready: sending stops at SEND_UNTIL, everything at DEADLINE. */
let SEND_UNTIL = 0;
let DEADLINE = 0;
function startClock(): void {
  const now = Date.now();
  SEND_UNTIL = PEAK ? now + PEAK_SECONDS * 1000 : MULTI ? now + SEND_SECONDS * 1000 : now + 165_000;
  // Several instances: the last kill's leases run out LEASE_MS after it, then a margin.
  DEADLINE = MULTI ? SEND_UNTIL + LEASE_MS + 15_000 : now + 165_000;
}
const ROOT = fileURLToPath(new URL('../', import.meta.url));
const KEY = { name: 'x-soak-key', value: 'soak-inbound-secret' };
const out = (line: string) => process.stdout.write(`${line}\n`);

async function freePort(): Promise<number> {
  const server = createNetServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

/** The newest modification time of a file under dir (recursively). */
function newest(dir: string): number {
  let latest = 0;
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name);
    latest = Math.max(latest, entry.isDirectory() ? newest(path) : statSync(path).mtimeMs);
  }
  return latest;
}

/** dist/cli.js as `npm run build` makes it, built again when src/ changed since. */
function builtCli(): string {
  const cli = join(ROOT, 'dist', 'cli.js');
  let built = 0;
  try {
    built = statSync(cli).mtimeMs;
  } catch {}
  if (built < newest(join(ROOT, 'src'))) {
    out('(building dist/: src/ is newer)');
    const tsc = join(ROOT, 'node_modules', 'typescript', 'bin', 'tsc');
    execFileSync(process.execPath, [tsc, '-p', 'tsconfig.build.json'], {
      cwd: ROOT,
      stdio: 'inherit',
    });
  }
  return cli;
}

// --- The callback -------------------------------------------------------------------------

// Fails 15% with 503, resets 5%, never answers 3% (with --peak or several instances: 10% 503
// and nothing else); records what it accepted.
function fault(roll: number): 'hang' | 'reset' | '503' | null {
  if (PEAK || MULTI) return roll < 0.1 ? '503' : null;
  if (roll < 0.03) return 'hang';
  if (roll < 0.08) return 'reset';
  return roll < 0.23 ? '503' : null;
}

/** Webhook i belongs to customer i % CUSTOMERS, and is that customer's (i / CUSTOMERS)th. */
const customerOf = (i: number) => i % CUSTOMERS;
const placeOf = (i: number) => Math.floor(i / CUSTOMERS);

/** Per webhook (by its number): the event ids the callback accepted it under. */
const delivered = new Map<number, Set<string>>();
/** Per customer: its webhooks the callback accepted (by place), and how many from the first. */
const deliveredPlaces = new Map<number, { places: Set<number>; prefix: number }>();
/** Webhooks that reached the callback while an earlier one of their customer was undelivered. */
const overtaking = new Set<number>();
let callbackCalls = 0;

const callback = createHttpServer((req, res) => {
  const chunks: Buffer[] = [];
  req.on('data', (c: Buffer) => chunks.push(c));
  req.on('end', () => {
    callbackCalls++;
    const { transactionId } = JSON.parse(Buffer.concat(chunks).toString()) as {
      transactionId: string;
    };
    const i = Number(transactionId.slice('soak-'.length));
    const customer = customerOf(i);
    const line = deliveredPlaces.get(customer) ?? { places: new Set<number>(), prefix: 0 };
    deliveredPlaces.set(customer, line);
    // Every earlier webhook of the customer must have been accepted by now.
    if (line.prefix < placeOf(i)) overtaking.add(i);
    const what = fault(Math.random());
    if (what === 'hang') return; // the shim's timeout ends it
    if (what === 'reset') {
      req.socket.destroy();
      return;
    }
    if (what === '503') {
      res.writeHead(503).end();
      return;
    }
    const ids = delivered.get(i) ?? new Set<string>();
    ids.add(String(req.headers['x-faceauth-event-id']));
    delivered.set(i, ids);
    line.places.add(placeOf(i));
    while (line.places.has(line.prefix)) line.prefix++;
    res.writeHead(200, { 'content-type': 'application/json' }).end('{"ok":true}');
  });
});

// --- The database -------------------------------------------------------------------------

interface Database {
  /** DATABASE_URL for the services. */
  url: string;
  /** Where it is, for the summary (no password). */
  describe: string;
  drop(): Promise<void>;
}

async function sqliteDatabase(): Promise<Database> {
  const dir = mkdtempSync(join(tmpdir(), 'faceauth-soak-'));
  return {
    url: `sqlite:${join(dir, 'soak.db')}`,
    describe: 'SQLite',
    drop: async () => rmSync(dir, { recursive: true, force: true }),
  };
}

/** A fresh schema on the server, named in the URL the services get (options=-c search_path). */
async function postgresDatabase(url: string): Promise<Database> {
  const config = parsePostgresUrl(url);
  if ('error' in config) throw new Error(`--database-url: ${config.error}`);
  const schema = `soak_${randomBytes(6).toString('hex')}`;
  const admin = new PostgresDriver(config, { max: 1 });
  await admin.query(`CREATE SCHEMA ${quoteIdentifier(schema)}`);
  const separator = url.includes('?') ? '&' : '?';
  return {
    url: `${url}${separator}options=${encodeURIComponent(`-c search_path=${schema}`)}`,
    describe: `PostgreSQL ${config.display}, schema ${schema}`,
    async drop() {
      try {
        await admin.query(`DROP SCHEMA ${quoteIdentifier(schema)} CASCADE`);
      } finally {
        await admin.close();
      }
    },
  };
}

// --- The instances ------------------------------------------------------------------------

interface Instance {
  port: number;
  child: ChildProcess | undefined;
  /** False from its kill until it answers /readyz again. */
  up: boolean;
}

async function main(): Promise<void> {
  const cli = builtCli();
  const database = POSTGRES ? await postgresDatabase(DATABASE_URL) : await sqliteDatabase();
  const instances: Instance[] = [];
  try {
    const callbackPort = await freePort();
    await new Promise<void>((resolve) => callback.listen(callbackPort, '127.0.0.1', resolve));
    for (let n = 0; n < INSTANCES; n++) {
      instances.push({ port: await freePort(), child: undefined, up: false });
    }
    await soak(cli, database, instances, callbackPort);
  } finally {
    await Promise.all(instances.map((instance) => stop(instance, 'SIGKILL')));
    await new Promise<void>((resolve) => {
      callback.close(() => resolve());
      callback.closeAllConnections();
    });
    await database.drop();
  }
}

async function stop(instance: Instance, signal: NodeJS.Signals): Promise<void> {
  const child = instance.child;
  instance.up = false;
  if (!child || child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise((resolve) => child.once('exit', resolve));
  child.kill(signal);
  await exited;
}

async function soak(
  cli: string,
  database: Database,
  instances: Instance[],
  callbackPort: number,
): Promise<void> {
  const env = {
    PATH: process.env.PATH ?? '',
    HOST: '127.0.0.1',
    CALLBACK_URL: `http://127.0.0.1:${callbackPort}/callback`,
    DATABASE_URL: database.url,
    INBOUND_HEADER_NAME: KEY.name,
    INBOUND_HEADER_VALUE: KEY.value,
    DELIVERY_RETRY_SCHEDULE: '100ms,200ms,300ms,500ms,1s,1s,1s,1s,1s,1s,1s,1s,1s,1s',
    CALLBACK_TIMEOUT_MS: String(CALLBACK_TIMEOUT_MS),
    CALLBACK_CONCURRENCY: '8',
    LOG_LEVEL: 'error',
  };
  const start = async (instance: Instance) => {
    let output = '';
    const child = spawn(process.execPath, [cli, 'serve'], {
      cwd: ROOT,
      env: { ...env, PORT: String(instance.port) },
      stdio: ['ignore', 'ignore', 'pipe'],
    });
    child.stderr?.on('data', (chunk: Buffer) => {
      output = (output + chunk.toString()).slice(-4000);
    });
    instance.child = child;
    const started = Date.now();
    for (;;) {
      if (child.exitCode !== null || child.signalCode !== null) {
        throw new Error(`an instance exited at start (${child.exitCode}):\n${output}`);
      }
      if (Date.now() - started > 60_000) throw new Error(`an instance did not start:\n${output}`);
      try {
        if ((await fetch(`http://127.0.0.1:${instance.port}/readyz`)).ok) break;
      } catch {}
      await new Promise((r) => setTimeout(r, 50));
    }
    instance.up = true;
  };
  // All at the same moment: on PostgreSQL they race to migrate the fresh schema.
  await Promise.all(instances.map(start));
  startClock();

  // Senders behave like Incode: a webhook is sent again until it gets a 200, here to the next
  // instance that is up. Sender k sends webhooks k, k + SENDERS, ...: each customer's webhooks
  // come from one sender, one after the other.
  let accepted = 0;
  /** The webhooks that got their 200 (by number). */
  const acceptedIds = new Set<number>();
  let sent = 0;
  let killsDone = 0;
  let restarting: Promise<void> | undefined;
  let turn = 0;
  const pickInstance = (): Instance => {
    for (let tries = 0; tries < instances.length; tries++) {
      const instance = instances[turn++ % instances.length] as Instance;
      if (instance.up) return instance;
    }
    return instances[turn++ % instances.length] as Instance;
  };
  const sendOne = async (i: number) => {
    const body = JSON.stringify({
      customerId: `soak-customer-${customerOf(i)}`,
      transactionId: `soak-${i}`,
      faceMatch: true,
      overallStatus: 'PASS',
    });
    while (Date.now() < DEADLINE) {
      await restarting;
      try {
        const instance = pickInstance();
        const response = await fetch(
          `http://127.0.0.1:${instance.port}/webhooks/legacy/authentication`,
          {
            method: 'POST',
            body,
            headers: { 'content-type': 'application/json', [KEY.name]: KEY.value },
          },
        );
        await response.arrayBuffer();
        if (response.status === 200) {
          accepted++;
          acceptedIds.add(i);
          return true;
        }
      } catch {}
      await new Promise((r) => setTimeout(r, MULTI ? 20 : 100));
    }
    return false;
  };
  const sender = async (k: number) => {
    for (let i = k; i < TOTAL && Date.now() < SEND_UNTIL; i += SENDERS) {
      sent++;
      // A webhook that never got its 200 ends its customer's line: nothing after it is sent.
      if (!(await sendOne(i))) return;
      if (killsDone < KILLS && accepted >= ((killsDone + 1) * TOTAL) / (KILLS + 1) && !restarting) {
        killsDone++;
        restarting = (async () => {
          const only = instances[0] as Instance;
          await stop(only, 'SIGKILL');
          await start(only);
        })();
        await restarting;
        restarting = undefined;
      }
    }
  };
  // Several instances: one is killed and started again every few seconds while the others take
  // the webhooks; the last kill comes a few seconds before sending stops.
  const killer = async () => {
    if (!MULTI) return;
    for (let next = Date.now() + KILL_EVERY_MS; next < SEND_UNTIL - 2_000; next += KILL_EVERY_MS) {
      await new Promise((r) => setTimeout(r, next - Date.now()));
      const victim = instances[killsDone % instances.length] as Instance;
      killsDone++;
      await stop(victim, 'SIGKILL');
      await start(victim);
    }
  };
  const sendingStarted = Date.now();
  await Promise.all([...Array.from({ length: SENDERS }, (_, k) => sender(k)), killer()]);
  const sendingSeconds = (Date.now() - sendingStarted) / 1000;
  if (PEAK || MULTI) {
    TOTAL = sent;
    out(
      `(${PEAK ? 'peak' : `${INSTANCES} instances`}: ${accepted} webhooks in ${sendingSeconds.toFixed(1)} s, ${Math.round(accepted / sendingSeconds)}/s)`,
    );
  }

  const undelivered = () => [...acceptedIds].filter((i) => !delivered.has(i)).length;
  const deliveredCount = () => delivered.size;
  while (undelivered() > 0 && Date.now() < DEADLINE) await new Promise((r) => setTimeout(r, 200));
  const lost = undelivered();
  const drainSeconds = (Date.now() - sendingStarted) / 1000 - sendingSeconds;
  const duplicates = [...delivered.values()].filter((ids) => ids.size > 1).length;
  await Promise.all(instances.map((instance) => stop(instance, 'SIGTERM')));
  out(
    `(${database.describe}; ${killsDone} SIGKILLs, ${callbackCalls} callback requests, the last delivery ${drainSeconds.toFixed(1)} s after sending stopped, ${((Date.now() - STARTED) / 1000).toFixed(0)} s in all)`,
  );
  out(
    `sent ${sent}, accepted ${accepted}, delivered ${deliveredCount()}, lost ${lost}, duplicate event ids ${duplicates}, order violations ${overtaking.size}`,
  );
  if (lost > 0 || duplicates > 0 || overtaking.size > 0 || accepted < TOTAL || sent < TOTAL) {
    process.exitCode = 1;
  }
}

main().catch((error: unknown) => {
  process.stderr.write(`soak failed: ${(error as Error).stack ?? String(error)}\n`);
  process.exitCode = 1;
});
