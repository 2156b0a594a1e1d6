import Database from 'better-sqlite3';
import { StoreOpenError } from '../errors.js';

/** A held instance lock; release() lets another instance start on the file. */
export interface InstanceLock {
  release(): void;
}

/** The file beside a store that its running instance holds locked. */
export const lockPathOf = (path: string) => `${path}.lock`;

/**
 * One SQLite file serves one instance: a service takes an OS file lock (SQLite's own, POSIX
 * fcntl) on `<path>.lock` and holds it while it runs. A second service on the same file cannot
 * take it and refuses to start (StoreOpenError: exit 2, naming DATABASE_URL), instead of both
 * running and answering webhooks "database is locked". The operating system drops the lock when
 * the process ends, however it ends (exit, crash, kill -9), so a stale lock never blocks a start.
 * The CLI's commands take no lock: they work beside the running service, as before.
 */
export function lockInstance(path: string): InstanceLock {
  const lockPath = lockPathOf(path);
  let db: Database.Database;
  try {
    db = new Database(lockPath, { timeout: 0 });
  } catch (cause) {
    throw new StoreOpenError(`${lockPath} cannot be opened: ${(cause as Error).message}`, {
      cause,
    });
  }
  try {
    // EXCLUSIVE locking mode keeps the lock a transaction takes until the connection closes.
    db.pragma('locking_mode = EXCLUSIVE');
    db.exec('BEGIN EXCLUSIVE; COMMIT');
  } catch (cause) {
    db.close();
    if ((cause as { code?: string }).code === 'SQLITE_BUSY') {
      throw new StoreOpenError(
        `${path} is in use by another faceauth-shim instance (it holds ${lockPath}): one SQLite file serves one instance; to run several instances, use PostgreSQL (DATABASE_URL=postgres://...)`,
        { cause },
      );
    }
    throw new StoreOpenError(`${lockPath} cannot be locked: ${(cause as Error).message}`, {
      cause,
    });
  }
  return {
    release() {
      if (db.open) db.close();
    },
  };
}
