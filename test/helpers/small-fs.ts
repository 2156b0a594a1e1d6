import { execFile } from 'node:child_process';
import {
  closeSync,
  ftruncateSync,
  mkdtempSync,
  openSync,
  rmSync,
  statfsSync,
  statSync,
  writeSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';

const run = promisify(execFile);

/** A real filesystem of a few MB (tmpfs), for tests that fill it up. */
export interface SmallFs {
  dir: string;
  /** Free bytes, as the filesystem says (statfs). */
  free(): number;
  /** Fills the filesystem with a file of its own, then gives `slack` bytes back. */
  fill(slack?: number): void;
  /** Removes the filling: the space is free again. */
  empty(): void;
  /** Unmounts and removes the mount point. */
  destroy(): Promise<void>;
}

/** Why a small filesystem cannot be had here (not root, or mounting not allowed), or null. */
export async function smallFsUnavailable(): Promise<string | null> {
  try {
    const fs = await mountSmallFs(1 << 20);
    await fs.destroy();
    return null;
  } catch (error) {
    return (error as Error).message.split('\n')[0] ?? String(error);
  }
}

/** Mounts a tmpfs of `bytes` on a fresh folder (needs root: `mount -t tmpfs`). */
export async function mountSmallFs(bytes: number): Promise<SmallFs> {
  const dir = mkdtempSync(join(tmpdir(), 'faceauth-small-fs-'));
  try {
    await run('mount', ['-t', 'tmpfs', '-o', `size=${bytes},mode=0755`, 'tmpfs', dir]);
  } catch (error) {
    rmSync(dir, { recursive: true, force: true });
    throw new Error(`cannot mount a tmpfs on ${dir}: ${(error as Error).message}`);
  }
  const filler = join(dir, 'filler');
  const chunk = Buffer.alloc(64 * 1024, 'f');
  return {
    dir,
    free() {
      const stats = statfsSync(dir);
      return stats.bavail * stats.bsize;
    },
    fill(slack = 0) {
      const fd = openSync(filler, 'a');
      try {
        // Smaller and smaller writes, down to a byte, until nothing more fits.
        for (let size = chunk.length; size >= 1; ) {
          try {
            writeSync(fd, chunk, 0, size);
          } catch (error) {
            if ((error as NodeJS.ErrnoException).code !== 'ENOSPC') throw error;
            size >>= 1;
          }
        }
        if (slack > 0) ftruncateSync(fd, Math.max(0, statSync(filler).size - slack));
      } finally {
        closeSync(fd);
      }
    },
    empty() {
      rmSync(filler, { force: true });
    },
    async destroy() {
      await run('umount', ['-l', dir]).catch(() => {});
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
