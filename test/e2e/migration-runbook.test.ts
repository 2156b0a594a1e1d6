import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { bucketOf } from '../../src/store/rules/bucket.js';
import { type CallbackServer, startCallbackServer } from '../helpers/callback-server.js';
import { cliInProcess } from '../helpers/cli-in-process.js';
import { type ServiceProcess, startServiceProcess } from '../helpers/service-process.js';
import { until } from '../helpers/until.js';

// MIGRATION.md followed end to end by a team lead, with logins reported by one webhook and by
// both at every step: legacy only, then both webhooks under `both`, a share of customers, every
// customer on Workflows, and a restart whose environment still says legacy. At the end every
// login reached the callback exactly once.

const KEY = { name: 'x-incode-key', value: 'runbook-inbound-secret' };
const ADMIN = 'runbook-admin-token-0123';

const cleanups: (() => Promise<unknown> | unknown)[] = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

/** One login: the reports Incode sends for it, and the customer it is of. */
interface Login {
  id: string;
  customerId: string;
  sources: ('legacy' | 'workflows')[];
}

async function post(base: string, route: string, body: unknown) {
  const response = await fetch(`${base}${route}`, {
    method: 'POST',
    body: JSON.stringify(body),
    headers: { 'content-type': 'application/json', [KEY.name]: KEY.value },
  });
  expect(response.status, `${route}: ${await response.clone().text()}`).toBe(200);
}

/** Sends a login's reports, in the order given (both at once when `together`). */
async function report(base: string, login: Login, together = false) {
  const send = (source: 'legacy' | 'workflows') =>
    source === 'legacy'
      ? post(base, '/webhooks/legacy/authentication', {
          customerId: login.customerId,
          interviewId: login.id,
          transactionId: login.id,
          faceMatch: true,
          overallStatus: 'PASS',
        })
      : post(base, '/webhooks/workflows/face-authentication', {
          customerId: login.customerId,
          interviewId: login.id,
          overallStatus: 'PASS',
        });
  if (together) await Promise.all(login.sources.map(send));
  else for (const source of login.sources) await send(source);
}

async function admin(base: string, path: string, init: RequestInit = {}) {
  const response = await fetch(`${base}/admin${path}`, {
    ...init,
    headers: { authorization: `Bearer ${ADMIN}`, 'content-type': 'application/json' },
  });
  expect(response.status, path).toBe(200);
  return (await response.json()) as Record<string, unknown>;
}

describe('MIGRATION.md end to end', () => {
  it('from legacy to workflows-only through both and a share: no login lost or doubled on the way', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'faceauth-runbook-'));
    cleanups.push(() => rmSync(dir, { recursive: true, force: true }));
    const cb: CallbackServer = await startCallbackServer();
    cleanups.push(() => cb.close());
    const database = `sqlite:${join(dir, 'shim.db')}`;
    const env = {
      CALLBACK_URL: cb.url,
      DATABASE_URL: database,
      INBOUND_HEADER_NAME: KEY.name,
      INBOUND_HEADER_VALUE: KEY.value,
      ADMIN_TOKEN: ADMIN,
      SHADOW_FALLBACK_AFTER: '1s',
    };
    const start = async (over: Record<string, string> = {}) => {
      const proc: ServiceProcess = await startServiceProcess({ ...env, ...over });
      cleanups.push(async () => {
        if (proc.child.exitCode === null) {
          proc.child.kill('SIGTERM');
          await proc.exited;
        }
      });
      return proc;
    };
    const logins: Login[] = [];
    let serial = 0;
    const login = (sources: Login['sources'], customerId?: string): Login => {
      serial++;
      const made = { id: `login-${serial}`, customerId: customerId ?? `cust-${serial}`, sources };
      logins.push(made);
      return made;
    };
    /** Every login so far reached the callback once: waits for them, then checks the count. */
    const everyLoginOnce = async () => {
      await cb.waitForCalls(logins.length, 15_000);
      const perLogin = new Map<string, number>();
      for (const call of cb.calls) {
        const id = String(call.json.interviewId);
        perLogin.set(id, (perLogin.get(id) ?? 0) + 1);
      }
      expect(Object.fromEntries(perLogin)).toEqual(
        Object.fromEntries(logins.map((l) => [l.id, 1])),
      );
    };

    // Step 1: faceauth-shim in front of the callback, FORWARD_SOURCE unset (legacy).
    let shim = await start();
    for (const l of [login(['legacy']), login(['legacy'])]) await report(shim.url, l);
    await everyLoginOnce();

    // Step 2: the Face Authentication webhook on, and `both`: logins reported by both (either
    // order, or at once), by Workflows only (users on the new app), by legacy only.
    expect(
      (await cliInProcess({ DATABASE_URL: database }, ['forward-source', 'set', 'both'])).code,
    ).toBe(0);
    await until(
      'the service to obey',
      async () => (await admin(shim.url, '/forward-source')).source === 'both',
    );
    await report(shim.url, login(['legacy', 'workflows']));
    await report(shim.url, login(['workflows', 'legacy']));
    await report(shim.url, login(['legacy', 'workflows']), true);
    await report(shim.url, login(['workflows']));
    await report(shim.url, login(['legacy']));
    await everyLoginOnce();

    // Step 4: which reality? The counts by who reported the logins.
    const shown = await cliInProcess({ DATABASE_URL: database }, ['forward-source', 'show']);
    expect(shown.stdout).toMatch(
      /logins since .*: 7 in all, 3 reported by both webhooks, 3 by the legacy webhook only, 1 by Workflows only/,
    );

    // Step 5: a share of customers, then every customer: the preferred report goes at once, a
    // one-sided report of the other source after SHADOW_FALLBACK_AFTER; never twice.
    await admin(shim.url, '/forward-source', {
      method: 'PUT',
      body: JSON.stringify({ source: 'workflows:50%' }),
    });
    const ids = Array.from({ length: 200 }, (_, i) => `share-${i}`);
    const moved = ids.filter((id) => bucketOf(id) < 5000).slice(0, 2) as [string, string];
    const stays = ids.filter((id) => bucketOf(id) >= 5000).slice(0, 2) as [string, string];
    await report(shim.url, login(['legacy', 'workflows'], moved[0]));
    await report(shim.url, login(['workflows', 'legacy'], stays[0]));
    await report(shim.url, login(['legacy'], moved[1]));
    await report(shim.url, login(['workflows'], stays[1]));
    await everyLoginOnce();
    const byLogin = (id: string) =>
      cb.calls.find((call) => call.json.interviewId === id)?.headers['x-faceauth-source'];
    expect(byLogin(`login-${serial - 3}`)).toBe('workflows');
    expect(byLogin(`login-${serial - 2}`)).toBe('legacy');

    await admin(shim.url, '/forward-source', {
      method: 'PUT',
      body: JSON.stringify({ source: 'workflows' }),
    });
    await report(shim.url, login(['legacy', 'workflows']));
    await report(shim.url, login(['workflows']));
    await report(shim.url, login(['legacy']));
    await everyLoginOnce();

    // A restart whose environment still says legacy changes nothing.
    shim.child.kill('SIGTERM');
    expect(await shim.exited).toBe(0);
    shim = await start({ FORWARD_SOURCE: 'legacy' });
    expect((await admin(shim.url, '/forward-source')).source).toBe('workflows');
    await report(shim.url, login(['workflows', 'legacy']));
    await everyLoginOnce();
    expect(byLogin(`login-${serial}`)).toBe('workflows');
    // Each login's second report, where there was one, is stored as shadowed.
    const shadowed = (await admin(shim.url, '/events?status=shadowed&limit=100')) as {
      events: unknown[];
    };
    expect(shadowed.events).toHaveLength(logins.filter((l) => l.sources.length === 2).length);
  }, 90_000);
});
