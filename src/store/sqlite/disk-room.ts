import { statfs } from 'node:fs/promises';
import { dirname } from 'node:path';
import { StoreUnavailableError } from '../errors.js';

/**
 * What storing one webhook and its first delivery can add to the write-ahead log, in bytes, for
 * a body of at most `maxBodyBytes`. SQLite rewrites a row whole (its body's overflow pages too)
 * whenever one of its columns changes: the body is written with the event and its outbox entry
 * (twice), again when a poll claims the entry, and twice more with the attempt's result (the
 * event and the entry); plus pages for the other rows and the indexes, each page with its
 * 24-byte frame header. Measured on a 256 KiB body: 142 pages of 4 KiB for the accept, 345 with
 * a claim and a failed attempt (test/store/sqlite/disk-room.test.ts).
 */
export function webhookWalBytes(maxBodyBytes: number, pageSize: number): number {
  const bodyPages = Math.ceil(maxBodyBytes / (pageSize - 8));
  return (5 * bodyPages + 32) * (pageSize + 24);
}

/**
 * Throws StoreUnavailableError when the filesystem holding the database has less room than
 * storing one webhook takes: with less, the next webhook may be refused (503), so the service
 * is not ready. A probe write cannot tell: a small one fits in the space a failed webhook left
 * behind, and a large one rolled back never reaches the disk (SQLite keeps it in its cache).
 */
export async function ensureRoomForWebhook(path: string, needed: number): Promise<void> {
  const dir = dirname(path);
  const stats = await statfs(dir);
  const free = stats.bavail * stats.bsize;
  if (free < needed) {
    throw new StoreUnavailableError(
      `store: ${dir} has ${free} bytes free; storing a webhook takes up to ${needed} (MAX_BODY_BYTES)`,
    );
  }
}
