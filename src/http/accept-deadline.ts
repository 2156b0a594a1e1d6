import { StoreUnavailableError } from '../store/errors.js';

/** Thrown when a webhook's store work did not end within ACCEPT_TIMEOUT: it is answered 503. */
export class AcceptTimeoutError extends StoreUnavailableError {
  override readonly name = 'AcceptTimeoutError';
}

/** Seconds a webhook answered 503 for the store is told to wait (Retry-After). */
export const UNAVAILABLE_RETRY_AFTER_S = 5;

/**
 * ACCEPT_TIMEOUT for one webhook: `at` is passed to the store (it gives its transaction up by
 * then, uncommitted), and `race` answers for any wait of the store work (a lookup, the accept):
 * its result, or AcceptTimeoutError once the time is up, whatever the store does meanwhile.
 * Before, a hung database held a webhook as long as it hung (69.7 s), past Incode's own timeout.
 */
export interface AcceptDeadline {
  at: number;
  /**
   * `work`'s result, or AcceptTimeoutError at the deadline. `late` gets the result of work that
   * ends after it (a COMMIT sent in time and answered late: the event is stored although the
   * webhook was answered 503).
   */
  race<T>(work: Promise<T>, late?: (value: T) => void): Promise<T>;
}

export function acceptDeadline(ms: number, now = Date.now()): AcceptDeadline {
  const at = now + ms;
  return {
    at,
    async race(work, late) {
      let timer: NodeJS.Timeout | undefined;
      let timedOut = false;
      const timeUp = new Promise<never>((_, reject) => {
        timer = setTimeout(
          () => {
            timedOut = true;
            reject(
              new AcceptTimeoutError(
                `store: the event was not stored within ${ms} ms (ACCEPT_TIMEOUT)`,
              ),
            );
          },
          Math.max(0, at - Date.now()),
        );
      });
      work.then(
        (value) => {
          if (timedOut) late?.(value);
        },
        () => {},
      );
      try {
        return await Promise.race([work, timeUp]);
      } finally {
        clearTimeout(timer);
      }
    },
  };
}
