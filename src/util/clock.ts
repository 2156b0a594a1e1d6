/**
 * Time as a worker sees it: the current time, and a call after a delay of that time. The
 * service runs on the system's clock; a test passes one it moves by hand, so a retry schedule of
 * minutes is checked without waiting for it.
 */
export interface Clock {
  /** Milliseconds since the epoch. */
  now(): number;
  /**
   * Calls `fn` once `ms` have passed on this clock; returns what cancels it. A timer that
   * `keepsAlive` holds the process open until it fires (a worker's poll); others do not.
   */
  after(ms: number, fn: () => void, options?: { keepsAlive?: boolean }): () => void;
}

export const systemClock: Clock = {
  now: Date.now,
  after(ms, fn, options) {
    const timer = setTimeout(fn, ms);
    if (!options?.keepsAlive) timer.unref();
    return () => clearTimeout(timer);
  },
};
