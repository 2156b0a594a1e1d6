import type { Logger } from '../ops/logger.js';
import type { Metrics } from '../ops/metrics.js';
import type { AttemptRecord, OutboxItem, Store } from '../store/store.js';
import type { CallbackClient } from './callback-client.js';
import { decide } from './retry-policy.js';

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
  /**
   * SHADOW_FALLBACK_AFTER: shadowed events without a counterpart from the other source
   * (received within this time of them) are forwarded after all, this long after arrival.
   */
  shadowFallbackAfterMs?: number | undefined;
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
  let lastFallbackCheck = 0;
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
      if (
        options.shadowFallbackAfterMs !== undefined &&
        Date.now() - lastFallbackCheck >= pollIntervalMs
      ) {
        lastFallbackCheck = Date.now();
        const forwarded = await store.forwardFallbacks(Date.now(), {
          windowMs: options.shadowFallbackAfterMs,
        });
        if (forwarded.length > 0) {
          metrics.shadowFallbacks.inc(forwarded.length);
          logger.warn(
            { events: forwarded },
            'delivery: shadowed events had no counterpart from the forwarded source; forwarding them after all',
          );
        }
      }
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
              // Refill once half the slots are free: one claim (one transaction) for several
              // entries, not one for each delivery that ends.
              if (inFlight <= concurrency >> 1) void pump();
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
      const verdict = decide(outcome, attemptNumber, retryScheduleMs, Math.random());
      if (verdict.kind === 'delivered') {
        await store.recordDelivered(item.eventId, attempt);
        metrics.deliveryAttempts.inc({ source: item.source, outcome: 'delivered' });
        logger.info(log, 'delivery: delivered');
      } else if (verdict.kind === 'dead') {
        await store.recordFailed(item.eventId, attempt, 'dead');
        metrics.deliveryAttempts.inc({ source: item.source, outcome: 'dead' });
        metrics.deadEvents.inc({ source: item.source });
        logger.error(
          { ...log, error: outcome.error, why: verdict.why },
          'delivery: the event is dead; replay it with POST /admin/events/:id/replay',
        );
      } else {
        const retryAt = Date.now() + verdict.delayMs;
        await store.recordFailed(item.eventId, attempt, { retryAt });
        // A retry due before the next poll gets a timer of its own; later ones wait for a poll.
        if (verdict.delayMs < pollIntervalMs) setTimeout(pump, verdict.delayMs).unref();
        metrics.deliveryAttempts.inc({ source: item.source, outcome: 'failed' });
        logger.warn(
          { ...log, error: outcome.error, retryAt: new Date(retryAt).toISOString() },
          'delivery: failed; will retry',
        );
      }
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
      if (options.shadowFallbackAfterMs === undefined) {
        // Fallback times set while SHADOW_FALLBACK_AFTER was on must not fire if it is turned on again later.
        const cleared = await store.clearFallbacks();
        if (cleared > 0)
          logger.info(
            { cleared },
            'delivery: SHADOW_FALLBACK_AFTER is off; pending fallbacks dropped',
          );
      }
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
