import { join } from 'node:path';
import { afterEach, expect, it } from 'vitest';
import { startCallbackServer } from '../helpers/callback-server.js';
import { underCi } from '../helpers/postgres-probe.js';
import { startServiceProcess } from '../helpers/service-process.js';
import { mountSmallFs, smallFsUnavailable } from '../helpers/small-fs.js';
import { until } from '../helpers/until.js';

// The SQLite store on a real filesystem that runs full (a tmpfs of 16 MB the test mounts), round
// after round: /readyz must say 503 whenever the next webhook would get 503 ("ready" means a
// webhook would be stored now), and both come back once there is room again.
// Mounting needs root (CI runs as root); elsewhere the test is skipped with one line.

const KEY = { name: 'x-incode-key', value: 'full-disk-inbound-secret' };
const SESSION = '/webhooks/workflows/session';
const MAX_BODY_BYTES = 65_536;

const cleanups: (() => unknown)[] = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

const unavailable = await smallFsUnavailable();
const SKIPPED = `skipped: no small filesystem to fill (${unavailable}); CI runs as root`;

if (unavailable !== null && !underCi()) {
  process.stderr.write(`test/faults/full-disk.test.ts: ${SKIPPED}\n`);
  it.skip(SKIPPED, () => {});
} else {
  it('on a filesystem that runs full, round after round: /readyz is 503 whenever the next webhook gets 503, and both recover', async () => {
    const fs = await mountSmallFs(16 << 20);
    cleanups.push(() => fs.destroy());
    const cb = await startCallbackServer(() => ({ status: 200 }));
    cleanups.push(() => cb.close());
    const service = await startServiceProcess({
      CALLBACK_URL: cb.url,
      DATABASE_URL: `sqlite:${join(fs.dir, 'shim.db')}`,
      INBOUND_HEADER_NAME: KEY.name,
      INBOUND_HEADER_VALUE: KEY.value,
      MAX_BODY_BYTES: String(MAX_BODY_BYTES),
      RETENTION: 'off',
    });
    cleanups.push(async () => {
      service.child.kill('SIGKILL');
      await service.exited;
    });
    let sent = 0;
    /** A session event (stored, informational: no delivery writes race with the next check). */
    const webhook = async (size: number) => {
      const body = JSON.stringify({
        interviewId: `full-disk-${sent++}`,
        eventType: 'SESSION_STARTED',
        pad: 'p'.repeat(size),
      });
      const response = await fetch(`${service.url}${SESSION}`, {
        method: 'POST',
        headers: { [KEY.name]: KEY.value, 'content-type': 'application/json' },
        body,
      });
      return response.status;
    };
    const readyz = async () => (await fetch(`${service.url}/readyz`)).status;

    const seen = { readyAndStored: 0, unreadyAndRefused: 0, unreadyAndStored: 0 };
    const rounds = 24;
    for (let round = 0; round < rounds; round++) {
      // Full to the last byte, or with a little room left (less or more than a webhook takes).
      fs.fill([0, 4_096, 40_000, 160_000, 400_000, 1_000_000][round % 6]);
      // Before: after a refused webhook, /readyz's own probe (a small row) still fit in the space
      // the failed write left, and it said 200 while the next webhooks got 503.
      for (let i = 0; i < 6; i++) {
        const ready = await readyz();
        const status = await webhook(1_000 + ((round * 7919 + i * 104_729) % 60_000));
        if (ready === 200) {
          expect(status, `round ${round}, webhook ${i}: /readyz said 200`).toBe(200);
          seen.readyAndStored++;
        } else if (status === 503) {
          seen.unreadyAndRefused++;
        } else {
          seen.unreadyAndStored++;
        }
        expect([200, 503]).toContain(status);
      }
      // Room again: ready, and webhooks are stored.
      fs.empty();
      await until('/readyz to pass with room again', async () => (await readyz()) === 200);
      expect(await webhook(30_000)).toBe(200);
    }
    // The rounds saw both sides: ready and stored, unready and refused.
    expect(seen.readyAndStored).toBeGreaterThan(0);
    expect(seen.unreadyAndRefused).toBeGreaterThan(0);
    expect(service.output()).not.toMatch(/"level":"fatal"/);
  }, 120_000);
}
