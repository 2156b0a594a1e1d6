import { existsSync, statSync } from 'node:fs';
import { dirname } from 'node:path';
import Database from 'better-sqlite3';
import { codeOf } from '../../util/errors.js';
import { createPrivateFile, makePrivateFolder } from '../../util/private-files.js';
import { StoreOpenError, StoreUnavailableError } from '../errors.js';
import { migrate } from './migrations.js';

// The SQLite driver: opening the file, the group commit, and what SQLite's errors mean.

export interface SqliteOpenOptions {
  busyTimeoutMs?: number;
  /** For commands that read a store the service made: never create one. */
  mustExist?: boolean;
  /**
   * The largest webhook body (MAX_BODY_BYTES): the store is ready only while its filesystem
   * has room to store one (see disk-room.ts). Unset: not checked (the CLI, the tests).
   */
  webhookBytes?: number;
}

/**
 * Opens (creating if needed) the SQLite file at `path` and brings its schema up to date.
 * A path that cannot be a store (its folder cannot be made, it is not a SQLite file, it is
 * missing with `mustExist`) throws StoreOpenError; a store newer than this code, or a
 * migration that fails, StoreUnavailableError.
 */
export function openDatabase(path: string, options: SqliteOpenOptions = {}): Database.Database {
  if (path !== ':memory:' && !options.mustExist) {
    ensureFolder(path);
    // SQLite would create the file 0644 (less the umask); made 0600 first, SQLite opens it as
    // it is, and gives the -wal and -shm files it creates next to it the same mode.
    try {
      createPrivateFile(path);
    } catch (cause) {
      throw new StoreOpenError(
        `${path} cannot be created (${(cause as NodeJS.ErrnoException).code ?? (cause as Error).message})`,
        { cause },
      );
    }
  }
  if (options.mustExist && !existsSync(path)) {
    throw new StoreOpenError(
      `${path} does not exist (the service creates it when it first starts)`,
    );
  }
  let db: Database.Database;
  try {
    db = new Database(path, { fileMustExist: options.mustExist === true });
    db.pragma('journal_mode = WAL');
    // FULL: a transaction is on disk before the webhook gets its 200, even across a power cut.
    db.pragma('synchronous = FULL');
    db.pragma(`busy_timeout = ${Math.trunc(options.busyTimeoutMs ?? 5000)}`);
  } catch (cause) {
    const code = (cause as { code?: string }).code;
    const why =
      code === 'SQLITE_NOTADB'
        ? 'is not a SQLite database'
        : code === 'SQLITE_CANTOPEN'
          ? 'cannot be opened (is it a folder, or not readable and writable?)'
          : `cannot be opened: ${(cause as Error).message}`;
    throw new StoreOpenError(`${path} ${why}`, { cause });
  }
  try {
    // Off while migrations rebuild tables (SQLite's documented way), on afterwards.
    db.pragma('foreign_keys = OFF');
    migrate(db);
    db.pragma('foreign_keys = ON');
  } catch (cause) {
    db.close();
    if (codeOf(cause) === 'store_unavailable') throw cause;
    throw new StoreUnavailableError(`store: cannot migrate ${path}: ${(cause as Error).message}`, {
      cause,
    });
  }
  return db;
}

/** Makes the folder of a store's file (StoreOpenError when it cannot be made). */
export function ensureFolder(path: string): void {
  try {
    makeFolder(dirname(path));
  } catch (cause) {
    throw new StoreOpenError(
      `${path}: cannot create its folder ${dirname(path)} (${(cause as NodeJS.ErrnoException).code ?? (cause as Error).message})`,
      { cause },
    );
  }
}

/**
 * One connection's writes, committed in groups. `writeFailed`: the last group commit failed
 * (disk full, locked): the store is not ready until a write succeeds.
 */
export class GroupCommit {
  readonly #db: Database.Database;
  /** Writes waiting for the next group commit. */
  readonly #queue: {
    work: () => unknown;
    durable: boolean;
    resolve: (value: unknown) => void;
    reject: (error: unknown) => void;
  }[] = [];
  #writeFailed = false;

  constructor(db: Database.Database) {
    this.#db = db;
  }

  get writeFailed(): boolean {
    return this.#writeFailed;
  }

  /**
   * Group commit: writes asked for in the same turn of the event loop share one transaction,
   * so one fsync (synchronous=FULL) covers them all. Each runs in a savepoint of its own: one
   * that fails is rolled back and rejected alone. Every promise settles after the commit, so a
   * webhook is still answered only once its event is on disk.
   *
   * `durable: false` is for writes whose loss in a power cut costs nothing but a repeat: a
   * delivery's result or lease (the event is then sent again, with the same event id, as after
   * any lost answer). A batch of only such writes commits without its own fsync
   * (synchronous=NORMAL: in WAL mode a process killed at any moment loses nothing, and the next
   * durable commit's fsync covers them too). Measured: fsyncing every delivery result took
   * half of the thread in a drain.
   */
  write<T>(work: () => T, options: { durable?: boolean } = {}): Promise<T> {
    return new Promise<T>((resolve, reject) => {
      this.#queue.push({
        work,
        durable: options.durable ?? true,
        resolve: resolve as (value: unknown) => void,
        reject,
      });
      if (this.#queue.length === 1) setImmediate(() => this.flush());
    });
  }

  /** Commits the writes waiting now (also called at close). */
  flush(): void {
    const batch = this.#queue.splice(0);
    if (batch.length === 0) return;
    const outcomes: ({ ok: true; value: unknown } | { ok: false; error: unknown })[] = [];
    const relaxed = batch.every((item) => !item.durable);
    try {
      if (relaxed) this.#db.pragma('synchronous = NORMAL');
      this.#db.transaction(() => {
        for (const item of batch) {
          try {
            outcomes.push({ ok: true, value: this.#db.transaction(item.work)() });
          } catch (error) {
            // Disk full, I/O error: SQLite rolled back the whole transaction. Nothing of the
            // batch is stored, and nothing more may run outside it.
            if (!this.#db.inTransaction) throw error;
            outcomes.push({ ok: false, error });
          }
        }
      })();
    } catch (cause) {
      // The transaction itself failed (locked, disk full): nothing of the batch is stored.
      const error = this.#unavailable(cause);
      this.#writeFailed = cannotWrite(cause) || !this.#db.open;
      for (const item of batch) item.reject(error);
      return;
    } finally {
      if (relaxed && this.#db.open) this.#db.pragma('synchronous = FULL');
    }
    // An item that failed because the file would not take the write (locked, full, I/O) counts
    // as a failed write; one that broke a constraint does not.
    this.#writeFailed = outcomes.some((o) => !o.ok && cannotWrite(o.error));
    batch.forEach((item, i) => {
      const outcome = outcomes[i] as (typeof outcomes)[number];
      if (outcome.ok) item.resolve(outcome.value);
      else item.reject(this.#unavailable(outcome.error));
    });
  }

  /** SQLite's own failures become StoreUnavailableError; anything else is a bug, kept as is. */
  #unavailable(cause: unknown): unknown {
    if (cause instanceof Database.SqliteError || !this.#db.open) {
      return new StoreUnavailableError(`store: ${(cause as Error).message}`, { cause });
    }
    return cause;
  }

  /** Runs a statement; SQLite's own failures become StoreUnavailableError. */
  run<T>(work: () => T): T {
    try {
      return work();
    } catch (cause) {
      if (cause instanceof Database.SqliteError || !this.#db.open) {
        throw new StoreUnavailableError(`store: ${(cause as Error).message}`, { cause });
      }
      throw cause;
    }
  }
}

/**
 * Creates `dir` and its missing parents, one level at a time (Node's recursive mkdir spins
 * forever on some paths, such as one under /proc, instead of failing). Each folder it creates
 * is 0700; a folder that exists (the operator's) is left as it is.
 */
function makeFolder(dir: string): void {
  if (existsSync(dir)) {
    if (statSync(dir).isDirectory()) return;
    throw Object.assign(new Error(`${dir} is a file`), { code: `ENOTDIR: ${dir} is a file` });
  }
  const parent = dirname(dir);
  if (parent !== dir) makeFolder(parent);
  makePrivateFolder(dir);
}

/** SQLite's answers that say the file would not take a write now (as opposed to a bug). */
const CANNOT_WRITE = /^SQLITE_(BUSY|LOCKED|FULL|IOERR|READONLY|CANTOPEN|CORRUPT|NOTADB|PROTOCOL)/;

function cannotWrite(error: unknown): boolean {
  return error instanceof Database.SqliteError && CANNOT_WRITE.test(error.code);
}
