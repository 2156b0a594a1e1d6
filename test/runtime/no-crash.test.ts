import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type BuiltService, buildService } from '../helpers/built-service.js';
import { type CallbackServer, startCallbackServer } from '../helpers/callback-server.js';
import { readFixtureBytes } from '../helpers/fixtures.js';
import { startServiceProcess } from '../helpers/service-process.js';

// "It does not crash" as a tested property: the built service, run by the Node that runs this
// suite (.ci/run runs the suite on 22, 24 and 26), under mixed load, then stopped with SIGTERM.
// better-sqlite3 12 aborted on Node 24 here ("Assertion failed: (env) != nullptr" in
// Statement::~Statement, exit 134) when a prepared statement was garbage-collected; a small
// young generation makes the collector run often, so such a fault shows within this load.

const KEY = { name: 'X-Incode-Key', value: 'runtime-inbound-secret' };
const ADMIN = 'runtime-admin-token-0123';
const LEGACY = '/webhooks/legacy/authentication';
const FACE = '/webhooks/workflows/face-authentication';
const ROUNDS = 6;
const PER_ROUND = 40;

let built: BuiltService;
let callback: CallbackServer;
let dir: string;
beforeAll(async () => {
  built = await buildService();
  callback = await startCallbackServer();
  dir = mkdtempSync(join(tmpdir(), 'faceauth-runtime-'));
}, 120_000);
afterAll(async () => {
  await callback?.close();
  if (dir) rmSync(dir, { recursive: true, force: true });
});

/** A unique body of each source for customer `n`: no two are redeliveries of each other. */
function bodies(n: number): { route: string; body: string }[] {
  const legacy = JSON.parse(readFixtureBytes('legacy/success.json').toString('utf8'));
  const face = JSON.parse(readFixtureBytes('workflows/pass.json').toString('utf8'));
  return [
    { route: LEGACY, body: JSON.stringify({ ...legacy, customerId: `runtime-${n}` }) },
    { route: FACE, body: JSON.stringify({ ...face, customerId: `runtime-${n}` }) },
  ];
}

describe(`the built service on Node ${process.version}`, () => {
  it('takes webhooks, reports and admin lists together without a crash, and stops with exit 0', async () => {
    const shim = await startServiceProcess(
      {
        CALLBACK_URL: callback.url,
        DATABASE_URL: `sqlite:${join(dir, 'shim.db')}`,
        INBOUND_HEADER_NAME: KEY.name,
        INBOUND_HEADER_VALUE: KEY.value,
        ADMIN_TOKEN: ADMIN,
        FORWARD_SOURCE: 'legacy',
        LOG_LEVEL: 'info',
      },
      15_000,
      ['--max-semi-space-size=1', ...built.cli],
    );
    const admin = (path: string) =>
      fetch(`${shim.url}${path}`, { headers: { authorization: `Bearer ${ADMIN}` } });
    const statuses: number[] = [];
    let customers = 0;
    for (let round = 0; round < ROUNDS; round++) {
      const requests: Promise<Response>[] = [];
      for (let i = 0; i < PER_ROUND; i++) {
        for (const { route, body } of bodies(customers)) {
          requests.push(
            fetch(`${shim.url}${route}`, {
              method: 'POST',
              body,
              headers: { 'content-type': 'application/json', [KEY.name]: KEY.value },
            }),
          );
        }
        customers++;
      }
      requests.push(admin('/admin/events?status=delivered'));
      requests.push(admin('/admin/events?status=shadowed&source=workflows'));
      requests.push(admin('/admin/report?format=html'));
      requests.push(admin('/admin/report?format=json'));
      requests.push(fetch(`${shim.url}/metrics`));
      for (const response of await Promise.all(requests)) {
        statuses.push(response.status);
        await response.arrayBuffer();
      }
    }
    expect(statuses.filter((status) => status !== 200)).toEqual([]);
    // Every legacy event reaches the callback; the Workflows twins are shadowed.
    await callback.waitForCalls(customers, 20_000);

    shim.child.kill('SIGTERM');
    const exit = await shim.exited;
    expect(shim.output()).not.toMatch(/Assertion failed|Segmentation fault|FATAL ERROR/);
    expect(exit).toBe(0);
    expect(callback.calls).toHaveLength(customers);
    const db = readFileSync(join(dir, 'shim.db'));
    expect(db.subarray(0, 15).toString()).toBe('SQLite format 3');
  }, 90_000);
});
