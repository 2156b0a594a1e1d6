// `npm run soak`: a few thousand webhooks while the callback fails at random and the service
// is killed (SIGKILL) and started again several times. Loopback only, bounded in time.
// `npm run soak -- --peak`: as many webhooks as 32 connections can send for 30 s (the
// benchmark's peak rate), the callback failing 10% of answers with 503, no kills.
// Prints: sent N, accepted N, delivered N, lost 0, duplicate event ids 0
import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer as createHttpServer } from 'node:http';
import { createServer as createNetServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const PEAK = process.argv.includes('--peak');
const PEAK_SECONDS = 30;
const count = process.argv.slice(2).find((arg) => /^\d+$/.test(arg));
let TOTAL = PEAK ? Number.POSITIVE_INFINITY : Number(count ?? 3000);
const KILLS = PEAK ? 0 : 3;
const SENDERS = PEAK ? 32 : 16;
const DEADLINE = Date.now() + 170_000;
const SEND_UNTIL = PEAK ? Date.now() + 5_000 + PEAK_SECONDS * 1000 : DEADLINE;
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

// The callback: fails 15% with 503, resets 5%, never answers 3% (with --peak: 10% 503 and
// nothing else); records what it accepted.
function fault(roll: number): 'hang' | 'reset' | '503' | null {
  if (PEAK) return roll < 0.1 ? '503' : null;
  if (roll < 0.03) return 'hang';
  if (roll < 0.08) return 'reset';
  return roll < 0.23 ? '503' : null;
}

const delivered = new Map<string, Set<string>>();
let callbackCalls = 0;
const callback = createHttpServer((req, res) => {
  const chunks: Buffer[] = [];
  req.on('data', (c: Buffer) => chunks.push(c));
  req.on('end', () => {
    callbackCalls++;
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
    const marker = String(
      (JSON.parse(Buffer.concat(chunks).toString()) as { transactionId: string }).transactionId,
    );
    const ids = delivered.get(marker) ?? new Set<string>();
    ids.add(String(req.headers['x-faceauth-event-id']));
    delivered.set(marker, ids);
    res.writeHead(200, { 'content-type': 'application/json' }).end('{"ok":true}');
  });
});

async function main(): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), 'faceauth-soak-'));
  const callbackPort = await freePort();
  await new Promise<void>((resolve) => callback.listen(callbackPort, '127.0.0.1', resolve));
  const port = await freePort();
  const env = {
    PATH: process.env.PATH ?? '',
    HOST: '127.0.0.1',
    PORT: String(port),
    CALLBACK_URL: `http://127.0.0.1:${callbackPort}/callback`,
    DATABASE_URL: `sqlite:${join(dir, 'soak.db')}`,
    INBOUND_HEADER_NAME: KEY.name,
    INBOUND_HEADER_VALUE: KEY.value,
    DELIVERY_RETRY_SCHEDULE: '100ms,200ms,300ms,500ms,1s,1s,1s,1s,1s,1s,1s,1s,1s,1s',
    CALLBACK_TIMEOUT_MS: '500',
    CALLBACK_CONCURRENCY: '8',
    LOG_LEVEL: 'error',
  };

  let service: ChildProcess | undefined;
  const start = async () => {
    service = spawn(process.execPath, ['--import', 'tsx', 'src/cli.ts', 'serve'], {
      cwd: ROOT,
      env,
      stdio: 'ignore',
    });
    for (;;) {
      try {
        if ((await fetch(`http://127.0.0.1:${port}/readyz`)).ok) return;
      } catch {}
      await new Promise((r) => setTimeout(r, 50));
    }
  };
  const kill = async () => {
    const child = service;
    if (!child) return;
    const exited = new Promise((resolve) => child.once('exit', resolve));
    child.kill('SIGKILL');
    await exited;
  };
  await start();

  // Senders behave like Incode: a webhook is sent again until it gets a 200.
  let next = 0;
  let accepted = 0;
  let killsDone = 0;
  let restarting: Promise<void> | undefined;
  const sendOne = async (i: number) => {
    const body = JSON.stringify({
      customerId: `soak-customer-${i % 500}`,
      transactionId: `soak-${i}`,
      faceMatch: true,
      overallStatus: 'PASS',
    });
    while (Date.now() < DEADLINE) {
      await restarting;
      try {
        const response = await fetch(`http://127.0.0.1:${port}/webhooks/legacy/authentication`, {
          method: 'POST',
          body,
          headers: { 'content-type': 'application/json', [KEY.name]: KEY.value },
        });
        await response.arrayBuffer();
        if (response.status === 200) {
          accepted++;
          return;
        }
      } catch {}
      await new Promise((r) => setTimeout(r, 100));
    }
  };
  const sender = async () => {
    while (next < TOTAL && Date.now() < SEND_UNTIL) {
      const i = next++;
      await sendOne(i);
      if (killsDone < KILLS && accepted >= ((killsDone + 1) * TOTAL) / (KILLS + 1) && !restarting) {
        killsDone++;
        restarting = (async () => {
          await kill();
          await start();
        })();
        await restarting;
        restarting = undefined;
      }
    }
  };
  const sendingStarted = Date.now();
  await Promise.all(Array.from({ length: SENDERS }, sender));
  if (PEAK) {
    TOTAL = next;
    out(
      `(peak: ${next} webhooks in ${((Date.now() - sendingStarted) / 1000).toFixed(1)} s, ${Math.round(next / ((Date.now() - sendingStarted) / 1000))}/s)`,
    );
  }

  while (delivered.size < TOTAL && Date.now() < DEADLINE)
    await new Promise((r) => setTimeout(r, 200));
  const lost = TOTAL - delivered.size;
  const duplicates = [...delivered.values()].filter((ids) => ids.size > 1).length;
  const exited = new Promise((resolve) => service?.once('exit', resolve));
  service?.kill('SIGTERM');
  await exited;
  await new Promise<void>((resolve) => {
    callback.close(() => resolve());
    callback.closeAllConnections();
  });
  rmSync(dir, { recursive: true, force: true });
  out(`(${killsDone} SIGKILLs, ${callbackCalls} callback requests)`);
  out(
    `sent ${TOTAL}, accepted ${accepted}, delivered ${delivered.size}, lost ${lost}, duplicate event ids ${duplicates}`,
  );
  if (lost > 0 || duplicates > 0 || accepted < TOTAL) process.exitCode = 1;
}

main().catch((error: unknown) => {
  process.stderr.write(`soak failed: ${(error as Error).stack ?? String(error)}\n`);
  process.exitCode = 1;
});
