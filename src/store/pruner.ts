import type { Logger } from 'pino';
import type { Store } from './store.js';

export interface PrunerOptions {
  store: Pick<Store, 'prune' | 'pruneDedupKeys'>;
  /** RETENTION: events older than this, that nothing will happen to any more, are deleted; undefined: kept. */
  retentionMs: number | undefined;
  /** DEDUP_WINDOW: the keys that find redeliveries are kept this long. */
  dedupWindowMs: number;
  /** How often to look. */
  intervalMs?: number;
  /** Rows deleted per transaction: small enough not to hold up webhooks for long. */
  batch?: number;
  logger: Logger;
  onPruned?: (counts: { events: number; quarantine: number }) => void;
}

export interface Pruner {
  /** One pass: deletes everything past retention, a batch at a time; says how much. */
  runOnce(now?: number): Promise<{ events: number; quarantine: number }>;
  start(): void;
  /** Stops looking, and waits for a pass under way: the store can be closed after it. */
  stop(): Promise<void>;
}

/**
 * Keeps the store's size bounded, every `intervalMs`, in small batches: RETENTION, and the
 * redelivery keys past DEDUP_WINDOW (those always: the table they keep stays small).
 */
export function createPruner(options: PrunerOptions): Pruner {
  const { store, retentionMs, logger } = options;
  const batch = options.batch ?? 250;
  let timer: NodeJS.Timeout | undefined;
  let running: Promise<unknown> | undefined;
  let stopped = false;

  async function runOnce(now = Date.now()) {
    const total = { events: 0, quarantine: 0 };
    while (
      !stopped &&
      (await store.pruneDedupKeys(now - options.dedupWindowMs, batch * 4)) === batch * 4
    ) {
      await new Promise((resolve) => setTimeout(resolve, 25));
    }
    if (retentionMs === undefined) return total;
    const before = now - retentionMs;
    for (;;) {
      const pruned = await store.prune(before, batch);
      total.events += pruned.events;
      total.quarantine += pruned.quarantine;
      if ((pruned.events < batch && pruned.quarantine < batch) || stopped) break;
      // Let webhooks and deliveries in between batches: a backlog of old events (the first
      // pass over a long history) is worked off gently, not in one long stall.
      await new Promise((resolve) => setTimeout(resolve, 25));
    }
    if (total.events > 0 || total.quarantine > 0) {
      options.onPruned?.(total);
      logger.info(total, 'retention: pruned old events and quarantined bodies');
    }
    return total;
  }

  return {
    runOnce,
    start() {
      stopped = false;
      const tick = () => {
        running = runOnce()
          .catch((error: unknown) => {
            // A pass cut short by a stop (the store closing under it) is no failure.
            if (stopped) logger.debug({ err: error }, 'retention: stopped during a pass');
            else logger.error({ err: error }, 'retention: cannot prune');
          })
          .finally(() => {
            running = undefined;
          });
      };
      tick();
      timer = setInterval(() => {
        if (!running) tick();
      }, options.intervalMs ?? 60_000);
      timer.unref();
    },
    async stop() {
      stopped = true;
      clearInterval(timer);
      await running;
    },
  };
}
