import type { PostgresDriver } from './driver.js';
import { classifyPostgresError, PostgresUnavailableError, reason, toStoreError } from './errors.js';

// At start: waiting for a database that cannot be reached yet, and stopping at once for one
// that waiting will not fix.

export interface WaitOptions {
  /** Said once, when the first try fails for a reason that may pass: which host it waits for. */
  onWaiting?: (message: string) => void;
  /** Said once, when it worked after waiting. */
  onReady?: (message: string) => void;
  /** First pause between tries; doubles up to maxRetryMs. */
  retryMs?: number;
  maxRetryMs?: number;
  signal?: AbortSignal;
}

/**
 * Runs ready (typically: migrate, then one write) until it succeeds, waiting while the database
 * cannot be reached (a container started before its database). Throws PostgresConfigError at once
 * for a problem waiting will not fix (refused login, unknown database), the signal's reason when
 * aborted, and a bug as it is.
 */
export async function waitForDatabase<T>(
  driver: PostgresDriver,
  ready: () => Promise<T>,
  options: WaitOptions = {},
): Promise<T> {
  const maxRetryMs = options.maxRetryMs ?? 5_000;
  let pause = options.retryMs ?? 250;
  let waiting = false;
  for (;;) {
    options.signal?.throwIfAborted();
    try {
      const result = await ready();
      if (waiting) options.onReady?.(`PostgreSQL at ${driver.target} is reachable`);
      return result;
    } catch (error) {
      const failure = classifyPostgresError(error);
      if (failure === 'config' || failure === 'other') {
        if (failure === 'config') {
          const cause = error instanceof PostgresUnavailableError ? error.cause : error;
          throw toStoreError(cause, driver.config, { atStart: true });
        }
        throw error;
      }
      if (!waiting) {
        waiting = true;
        options.onWaiting?.(
          `waiting for PostgreSQL at ${driver.target} (DATABASE_URL): ${reason(error instanceof Error && error.cause ? error.cause : error)}`,
        );
      }
    }
    await new Promise<void>((resolve, reject) => {
      const timer = setTimeout(done, pause);
      function done() {
        options.signal?.removeEventListener('abort', aborted);
        resolve();
      }
      function aborted() {
        clearTimeout(timer);
        reject(options.signal?.reason);
      }
      options.signal?.addEventListener('abort', aborted, { once: true });
    });
    pause = Math.min(pause * 2, maxRetryMs);
  }
}
