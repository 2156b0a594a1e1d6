import { mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { webhookWalBytes } from '../../../src/store/sqlite/disk-room.js';
import { SqliteStore } from '../../../src/store/sqlite/sqlite-store.js';
import { newEvent, T0 } from '../../helpers/new-event.js';

// The room /readyz asks the filesystem for (disk-room.ts) against what SQLite really writes:
// a webhook of the largest body, accepted, then its first delivery result.

const cleanups: (() => unknown)[] = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

function store(options: { webhookBytes?: number } = {}) {
  const dir = mkdtempSync(join(tmpdir(), 'faceauth-disk-room-'));
  const path = join(dir, 'shim.db');
  const opened = SqliteStore.open(path, options);
  cleanups.push(async () => {
    await opened.close();
    rmSync(dir, { recursive: true, force: true });
  });
  const wal = () => statSync(`${path}-wal`).size;
  return { store: opened, wal };
}

describe('room for a webhook on the SQLite store', () => {
  it.each([1_024, 65_536, 262_144])(
    'a webhook with a body of %i bytes and its first delivery result add less to the log than the room asked for',
    async (maxBodyBytes) => {
      const { store: s, wal } = store();
      await s.accept(newEvent({ id: 'warm-up' }), 3_600_000);
      const before = wal();
      const body = JSON.stringify({ customerId: 'c', pad: 'x'.repeat(maxBodyBytes - 30) });
      await s.accept(newEvent({ id: 'largest', customerId: 'c', body }), 3_600_000);
      const claimed = await s.claimDue(T0 + 1, 10, 60_000);
      expect(claimed.map((item) => item.eventId).sort()).toEqual(['largest', 'warm-up']);
      await s.recordFailed(
        'largest',
        { at: T0 + 2, durationMs: 5, statusCode: 503, error: null },
        { retryAt: T0 + 60_000 },
      );
      const written = wal() - before;
      expect(written).toBeGreaterThan(2 * maxBodyBytes);
      expect(written).toBeLessThan(webhookWalBytes(maxBodyBytes, 4_096));
    },
  );

  it('ping refuses, naming the folder and the bytes, when the filesystem has less room than a webhook takes', async () => {
    // More than any disk holds: never room.
    const { store: s } = store({ webhookBytes: 2 ** 50 });
    await expect(s.ping()).rejects.toThrow(
      /^store: \S+ has \d+ bytes free; storing a webhook takes up to \d+ \(MAX_BODY_BYTES\)$/,
    );
    const { store: fine } = store({ webhookBytes: 65_536 });
    await expect(fine.ping()).resolves.toBeUndefined();
  });
});
