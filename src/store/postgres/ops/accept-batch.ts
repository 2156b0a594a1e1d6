import type { AcceptResult, NewEvent } from '../../accept-types.js';
import type { PostgresDriver, Queryable } from '../driver.js';
import { TAKE_LOCKS } from '../sql/locks.js';
import { accept, acceptLocks } from './accept.js';
import { acceptWave, waves } from './accept-wave.js';

/** Accepts of one turn in one transaction at most (a burst beyond it: the next transaction). */
export const ACCEPT_BATCH_MAX = 64;

interface Waiting {
  event: NewEvent;
  dedupWindowMs: number;
  deadline: number | undefined;
  resolve: (result: AcceptResult) => void;
  reject: (error: unknown) => void;
}

/**
 * PostgreSQL's group commit of accepts, as SQLite's (sqlite/connection.ts GroupCommit): the
 * accepts asked for in one turn of the event loop share one transaction, so one BEGIN, one
 * COMMIT (one WAL flush) and one connection of the pool serve them all. Each accept's own
 * statements are unchanged (ops/accept.ts), run one after another: a later one of the batch
 * sees what an earlier one wrote (a redelivery, its customer's line, its login's other report).
 * - Locks: the advisory locks of every accept of the batch, sorted, in one statement before the
 *   first read, so two instances' batches never wait for each other in a circle.
 * - Deadline (ACCEPT_TIMEOUT): the batch's transaction ends by the earliest deadline of its
 *   accepts; each is answered only after the COMMIT, so stored before the 200 still holds.
 * - A failure (one accept's bug, a deadline missed, a lock wait cut) rolls the whole batch
 *   back; then each accept runs again alone, in a transaction of its own with its own deadline,
 *   so a failure of one never fails the others.
 */
export class AcceptBatch {
  readonly #driver: PostgresDriver;
  readonly #instanceId: string;
  #queue: Waiting[] = [];
  /** Counted for tests and the bench: batches of two or more run as one transaction, and fallbacks. */
  readonly counts = { transactions: 0, batched: 0, fallbacks: 0 };

  constructor(driver: PostgresDriver, instanceId: string) {
    this.#driver = driver;
    this.#instanceId = instanceId;
  }

  accept(event: NewEvent, dedupWindowMs: number, deadline?: number): Promise<AcceptResult> {
    return new Promise<AcceptResult>((resolve, reject) => {
      this.#queue.push({ event, dedupWindowMs, deadline, resolve, reject });
      if (this.#queue.length === 1) setImmediate(() => this.#flush());
    });
  }

  #flush(): void {
    while (this.#queue.length > 0) {
      const batch = this.#queue.splice(0, ACCEPT_BATCH_MAX);
      void this.#run(batch);
    }
  }

  async #run(batch: Waiting[]): Promise<void> {
    if (batch.length === 1) {
      await this.#alone(batch[0] as Waiting);
      return;
    }
    const deadlines = batch.map((w) => w.deadline).filter((d) => d !== undefined);
    const deadline = deadlines.length > 0 ? Math.min(...deadlines) : undefined;
    let results: AcceptResult[];
    try {
      this.counts.transactions++;
      this.counts.batched += batch.length;
      results = await this.#driver.transaction(
        async (c) => {
          await c.query(TAKE_LOCKS, [batch.flatMap((w) => acceptLocks(w.event))]);
          return this.#inWaves(c, batch);
        },
        deadline === undefined ? {} : { deadline },
      );
    } catch {
      // Nothing of the batch is stored: each accept alone, as if it had come by itself.
      this.counts.fallbacks++;
      await Promise.all(batch.map((w) => this.#alone(w)));
      return;
    }
    for (const [i, w] of batch.entries()) w.resolve(results[i] as AcceptResult);
  }

  async #alone(w: Waiting): Promise<void> {
    this.counts.transactions++;
    try {
      w.resolve(
        await this.#driver.transaction(
          (c) => this.#one(c, w),
          w.deadline === undefined ? {} : { deadline: w.deadline },
        ),
      );
    } catch (error) {
      w.reject(error);
    }
  }

  /**
   * The batch's accepts in waves (ops/accept-wave.ts), a few statements per wave; a batch with
   * a re-ingested body (rare: an operator's) one accept after another instead.
   */
  async #inWaves(c: Queryable, batch: readonly Waiting[]): Promise<AcceptResult[]> {
    const windows = new Set(batch.map((w) => w.dedupWindowMs));
    if (batch.some((w) => w.event.reingest) || windows.size > 1) {
      const done: AcceptResult[] = [];
      for (const w of batch) done.push(await this.#one(c, w));
      return done;
    }
    const window = batch[0]?.dedupWindowMs ?? 0;
    const byId = new Map<string, AcceptResult>();
    for (const wave of waves(batch.map((w) => w.event))) {
      const results = await acceptWave(c, wave, window, this.#instanceId);
      for (const [i, e] of wave.entries()) byId.set(e.id, results[i] as AcceptResult);
    }
    return batch.map((w) => byId.get(w.event.id) as AcceptResult);
  }

  #one(c: Queryable, w: Waiting): Promise<AcceptResult> {
    return accept(c, w.event, w.dedupWindowMs, this.#instanceId);
  }
}
