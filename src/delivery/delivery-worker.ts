import type { Logger } from '../ops/logger.js';
import type { Metrics } from '../ops/metrics.js';
import type { AttemptRecord, OutboxItem, Store } from '../store/store.js';
import type { CallbackClient } from './callback-client.js';

/** A Retry-After longer than this is not waited for in full. */
const MAX_RETRY_AFTER_MS = 60 * 60 * 1000;

export interface DeliveryWorkerOptions {
  store: Store;
  client: CallbackClient;
  /** Delays between attempts: N delays, N + 1 attempts, then the event is dead. */
  retryScheduleMs: readonly number[];
  concurrency: number;
  /** How long a claimed entry stays leased; longer than one attempt can take. */
  leaseMs: number;
  /** How often the outbox is read when nothing wakes the worker. */
  pollIntervalMs?: number;
  logger: Logger;
  metrics: Metrics;
}

export interface DeliveryWorker {
  start(): Promise<void>;
  /** Reads the outbox now (called when an event is accepted). */
  wake(): void;
  /**
   * Stops claiming; waits up to `graceMs` for deliveries in flight, then aborts the rest,
   * which stay leased and are sent again after the next start.
   */
  stop(graceMs: number): Promise<void>;
  readonly running: boolean;
}

/** Sends outbox entries to the callback, at least once each, retrying on the schedule. */
export function createDeliveryWorker(options: DeliveryWorkerOptions): DeliveryWorker {
  const { store, client, retryScheduleMs, concurrency, leaseMs, logger, metrics } = options;
  const pollIntervalMs = options.pollIntervalMs ?? 500;
  let running = false;
  let inFlight = 0;
  let pumping = false;
  let pumpAgain = false;
  let timer: NodeJS.Timeout | undefined;
  /** Aborted when a stop's grace period is over. */
  const abandon = new AbortController();
  const idle: (() => void)[] = [];

  async function pump(): Promise<void> {
    if (!running) return;
    if (pumping) {
      pumpAgain = true;
      return;
    }
    pumping = true;
    clearTimeout(timer);
    try {
      do {
        pumpAgain = false;
        while (running && inFlight < concurrency) {
          const items = await store.claimDue(Date.now(), concurrency - inFlight, leaseMs);
          if (items.length === 0) break;
          for (const item of items) {
            inFlight++;
            void deliver(item).finally(function settled() {
              inFlight--;
              if (inFlight === 0) for (const resolve of idle.splice(0)) resolve();
              void pump();
            });
          }
        }
      } while (pumpAgain && running);
    } catch (error) {
      logger.error({ err: error }, 'delivery: cannot read the outbox; trying again');
    } finally {
      pumping = false;
      if (running) timer = setTimeout(pump, pollIntervalMs);
    }
  }

  async function deliver(item: OutboxItem): Promise<void> {
    const at = Date.now();
    const started = performance.now();
    const outcome = await client.send(item, abandon.signal);
    if (outcome.abandoned) {
      // Aborted by a stop: not an attempt. The entry stays leased and is due at the next start.
      logger.info({ eventId: item.eventId }, 'delivery: handed back at stop');
      return;
    }
    const durationMs = Math.round(performance.now() - started);
    metrics.deliveryDuration.observe(durationMs / 1000);
    const attempt: AttemptRecord = {
      at,
      durationMs,
      statusCode: outcome.statusCode,
      error: outcome.error,
    };
    const attemptNumber = item.attempts + 1;
    const log = {
      eventId: item.eventId,
      source: item.source,
      attempt: attemptNumber,
      statusCode: outcome.statusCode,
      durationMs,
    };
    try {
      if (outcome.ok) {
        await store.recordDelivered(item.eventId, attempt);
        metrics.deliveryAttempts.inc({ source: item.source, outcome: 'delivered' });
        logger.info(log, 'delivery: delivered');
        return;
      }
      const delay = retryScheduleMs[attemptNumber - 1];
      if (delay === undefined) {
        await store.recordFailed(item.eventId, attempt, 'dead');
        metrics.deliveryAttempts.inc({ source: item.source, outcome: 'dead' });
        logger.error(
          { ...log, error: outcome.error },
          'delivery: no attempts left; the event is dead (GET /admin/events?status=dead)',
        );
        return;
      }
      const retryAfter = Math.min(outcome.retryAfterMs ?? 0, MAX_RETRY_AFTER_MS);
      const retryAt = Date.now() + Math.max(delay, retryAfter);
      await store.recordFailed(item.eventId, attempt, { retryAt });
      // Look again when it is due rather than at the next poll.
      setTimeout(pump, retryAt - Date.now()).unref();
      metrics.deliveryAttempts.inc({ source: item.source, outcome: 'failed' });
      logger.warn(
        { ...log, error: outcome.error, retryAt: new Date(retryAt).toISOString() },
        'delivery: failed; will retry',
      );
    } catch (error) {
      // The outcome could not be stored: the lease runs out and the entry is sent again
      // with the same event id (at least once, never lost).
      logger.error({ err: error, eventId: item.eventId }, 'delivery: cannot record the outcome');
    }
  }

  return {
    get running() {
      return running;
    },
    async start() {
      const released = await store.releaseLeases();
      if (released > 0)
        logger.warn(
          { released },
          'delivery: entries left in flight by a previous run are due again',
        );
      running = true;
      void pump();
    },
    wake() {
      if (running) setImmediate(pump);
    },
    async stop(graceMs) {
      running = false;
      clearTimeout(timer);
      const drained = () =>
        inFlight === 0 ? Promise.resolve() : new Promise<void>((resolve) => idle.push(resolve));
      await Promise.race([
        drained(),
        new Promise<void>((resolve) => setTimeout(resolve, graceMs).unref()),
      ]);
      abandon.abort();
      await drained();
      await client.close();
    },
  };
}
