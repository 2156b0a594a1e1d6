import type { AttemptRecord, FailedNext } from '../../delivery-types.js';
import type { PostgresDriver, Queryable } from '../driver.js';
import { PostgresUnavailableError } from '../errors.js';
import * as outbox from '../sql/outbox.js';

/** Results kept to be written again after an outage (see ResultWriter.#unwritten). */
const UNWRITTEN_MAX = 10_000;

type Delivered = {
  eventId: string;
  attempt: AttemptRecord;
  resolve: () => void;
  reject: (error: unknown) => void;
};

type Next = { retryAt: number } | 'dead' | 'delivered';

/**
 * A delivery's results on PostgreSQL (store.ts recordDelivered, recordFailed), written only
 * while this instance still holds the lease: deliveries reported in one turn of the event loop
 * in one statement (the delivery side's group commit), failures one by one, and what could not
 * be written during an outage written again before the next claim.
 */
export class ResultWriter {
  readonly #driver: PostgresDriver;
  readonly #instanceId: string;
  readonly #onLeaseLost: (eventId: string) => void;
  #delivered: Delivered[] = [];
  #flushing: Promise<void> | null = null;
  #flushScheduled = false;
  /**
   * Results this instance could not write (the database went away while the callback was
   * answering), written again before the next claim: the event is not sent twice for an outage
   * shorter than its lease, nor left leased until then. Bounded: past UNWRITTEN_MAX the rest wait
   * for their leases to run out (and are sent again).
   */
  readonly #unwritten = new Map<string, { attempt: AttemptRecord; next: Next }>();
  #writingBack: Promise<void> | null = null;

  constructor(
    driver: PostgresDriver,
    instanceId: string,
    onLeaseLost: ((eventId: string) => void) | undefined,
  ) {
    this.#driver = driver;
    this.#instanceId = instanceId;
    this.#onLeaseLost = onLeaseLost ?? (() => {});
  }

  /** Resolves when its own delivery is committed, in a statement with the turn's others. */
  delivered(eventId: string, attempt: AttemptRecord): Promise<void> {
    return new Promise<void>((resolve, reject) => {
      this.#delivered.push({ eventId, attempt, resolve, reject });
      if (!this.#flushScheduled) {
        this.#flushScheduled = true;
        setImmediate(() => {
          this.#flushScheduled = false;
          void this.flush();
        });
      }
    });
  }

  /** Writes the deliveries reported so far (also called at close). */
  async flush(): Promise<void> {
    // One batch at a time, so a lease is never written by two statements of one instance.
    while (this.#flushing) await this.#flushing;
    const batch = this.#delivered;
    this.#delivered = [];
    if (batch.length === 0) return;
    const run = (async () => {
      try {
        const written = await this.#writeDelivered(batch);
        for (const d of batch) {
          if (!written.has(d.eventId)) this.#onLeaseLost(d.eventId);
          d.resolve();
        }
      } catch (error) {
        this.#keep(
          error,
          batch.map((d) => [d.eventId, d.attempt, 'delivered'] as const),
        );
        for (const d of batch) d.reject(error);
      }
    })();
    this.#flushing = run;
    await run;
    this.#flushing = null;
  }

  async failed(eventId: string, attempt: AttemptRecord, next: FailedNext): Promise<void> {
    let rowCount: number | null;
    try {
      ({ rowCount } = await this.#writeFailed(eventId, attempt, next));
    } catch (error) {
      this.#keep(error, [[eventId, attempt, next]]);
      throw error;
    }
    if (rowCount === 0) this.#onLeaseLost(eventId);
  }

  /** Writes the results kept during an outage (still only under this instance's lease). */
  async writeBack(): Promise<void> {
    if (this.#unwritten.size === 0) return;
    // One at a time: a result written twice would look like a lease taken over.
    this.#writingBack ??= this.#writeBackNow().finally(() => {
      this.#writingBack = null;
    });
    await this.#writingBack;
  }

  async #writeDelivered(
    results: readonly { eventId: string; attempt: AttemptRecord }[],
  ): Promise<Set<string>> {
    const { rows } = await this.#driver.transaction((c: Queryable) =>
      c.query<{ id: string }>(outbox.DELIVERED, [
        results.map((d) => d.eventId),
        results.map((d) => d.attempt.at + d.attempt.durationMs),
        results.map((d) => d.attempt.statusCode),
        results.map((d) => d.attempt.durationMs),
        this.#instanceId,
      ]),
    );
    return new Set(rows.map((r) => r.id));
  }

  #writeFailed(eventId: string, attempt: AttemptRecord, next: FailedNext) {
    const values: unknown[] = [
      eventId,
      this.#instanceId,
      attempt.at,
      attempt.durationMs,
      attempt.statusCode,
      attempt.error,
      attempt.error ?? `HTTP ${attempt.statusCode}`,
    ];
    return next === 'dead'
      ? this.#driver.transaction((c) => c.query(outbox.FAILED_DEAD, values))
      : this.#driver.transaction((c) =>
          c.query(outbox.FAILED_RETRY, [...values, next.retryAt, next.holdUntil ?? null]),
        );
  }

  /** After a result could not be written because the database is away: kept for writeBack. */
  #keep(error: unknown, results: readonly (readonly [string, AttemptRecord, Next])[]): void {
    if (!(error instanceof PostgresUnavailableError)) return;
    for (const [eventId, attempt, next] of results) {
      if (this.#unwritten.size >= UNWRITTEN_MAX) return;
      this.#unwritten.set(eventId, { attempt, next });
    }
  }

  async #writeBackNow(): Promise<void> {
    const results = [...this.#unwritten];
    const delivered = results.filter(([, r]) => r.next === 'delivered');
    if (delivered.length > 0) {
      const written = await this.#writeDelivered(
        delivered.map(([eventId, r]) => ({ eventId, attempt: r.attempt })),
      );
      for (const [id] of delivered) {
        this.#unwritten.delete(id);
        if (!written.has(id)) this.#onLeaseLost(id);
      }
    }
    for (const [id, r] of results) {
      if (r.next === 'delivered') continue;
      const { rowCount } = await this.#writeFailed(id, r.attempt, r.next);
      this.#unwritten.delete(id);
      if (rowCount === 0) this.#onLeaseLost(id);
    }
  }
}
