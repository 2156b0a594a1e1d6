import type { Logger } from '../ops/logger.js';
import type { Store } from '../store/store.js';
import type { Alerter } from './alerter.js';

export interface StoreWatchOptions {
  store: Pick<Store, 'ping'>;
  alerts: Pick<Alerter, 'raise'>;
  logger: Logger;
  intervalMs?: number;
  /** Failed looks in a row that make it unavailable (one may be a blip). */
  failAfter?: number;
}

export interface StoreWatch {
  /** One look now (the timer's; tests call it). */
  check(): Promise<void>;
  start(): void;
  stop(): Promise<void>;
}

/**
 * Tells when the store cannot be used (store_unavailable: webhooks get 503, deliveries wait),
 * and when it can again (store_recovered): what /readyz sees, looked at every few seconds.
 * Each instance tells for itself (they cannot agree through a store that is away).
 */
export function createStoreWatch(options: StoreWatchOptions): StoreWatch {
  const { store, alerts, logger } = options;
  const failAfter = options.failAfter ?? 2;
  let failures = 0;
  let down = false;
  let timer: NodeJS.Timeout | undefined;
  let checking: Promise<void> | undefined;

  async function check(): Promise<void> {
    try {
      await store.ping();
    } catch (error) {
      failures += 1;
      if (failures < failAfter || down) return;
      down = true;
      const why = (error as Error).message.replace(/^store: /, '');
      alerts.raise({
        kind: 'store_unavailable',
        summary: `the store (DATABASE_URL) cannot be used: ${why}; webhooks are answered 503 (Incode sends them again) and deliveries wait`,
        ids: {},
      });
      return;
    }
    failures = 0;
    if (!down) return;
    down = false;
    alerts.raise({
      kind: 'store_recovered',
      summary:
        'the store (DATABASE_URL) can be used again: webhooks are stored and deliveries go on',
      ids: {},
    });
  }

  return {
    check,
    start() {
      timer = setInterval(() => {
        checking ??= check()
          .catch((error: unknown) =>
            logger.error({ err: error }, 'alerts: cannot look at the store'),
          )
          .finally(() => {
            checking = undefined;
          });
      }, options.intervalMs ?? 5_000);
      timer.unref();
    },
    async stop() {
      clearInterval(timer);
      await checking;
    },
  };
}
