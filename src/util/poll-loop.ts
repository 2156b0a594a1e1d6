import { atMost } from './at-most.js';
import { type Clock, systemClock } from './clock.js';

export interface PollLoopOptions {
  /**
   * One turn: reads what is due and starts it (each piece of work through `track`). A turn is
   * never run twice at once; a wake during a turn runs it once more right after.
   */
  turn: () => Promise<void>;
  /** How long the loop rests between turns when nothing wakes it. */
  intervalMs: number;
  /** A turn that failed (the store away, say): said once per turn, tried again at the next. */
  onError: (error: unknown) => void;
  clock?: Clock;
}

/**
 * The poll / wake / stop loop both workers run: a turn now, then one every `intervalMs` or when
 * woken, and the work those turns started counted until it settles, so a stop can wait for it.
 */
export interface PollLoop {
  readonly running: boolean;
  /** Pieces of work started and not settled yet. */
  readonly inFlight: number;
  /** Starts the turns (a loop stopped while its owner was starting stays stopped). */
  start(): void;
  /** A turn now, or right after the one under way. */
  poll(): Promise<void>;
  /** A turn soon, outside the caller's stack (when something new is due). */
  wake(): void;
  /** A turn after `ms` (work due before the next turn would come). */
  pollIn(ms: number): void;
  /** Counts `work` in flight until it settles, then calls `settled`. */
  track(work: Promise<unknown>, settled?: () => void): void;
  /** Stops the turns; the work in flight goes on. */
  stop(): void;
  readonly stopped: boolean;
  /** Waits up to `graceMs` (without a limit when left out) for the work in flight to settle; says whether it did. */
  drained(graceMs?: number): Promise<boolean>;
}

export function createPollLoop(options: PollLoopOptions): PollLoop {
  const { turn, intervalMs, onError } = options;
  const clock = options.clock ?? systemClock;
  let running = false;
  let stopped = false;
  let turning = false;
  let again = false;
  let inFlight = 0;
  let cancelRest: (() => void) | undefined;
  const idle: (() => void)[] = [];

  async function poll(): Promise<void> {
    if (!running) return;
    if (turning) {
      again = true;
      return;
    }
    turning = true;
    cancelRest?.();
    try {
      do {
        again = false;
        await turn();
      } while (again && running);
    } catch (error) {
      onError(error);
    } finally {
      turning = false;
      // The rest between turns holds the process open, as the worker runs until it is stopped.
      if (running) cancelRest = clock.after(intervalMs, poll, { keepsAlive: true });
    }
  }

  return {
    get running() {
      return running;
    },
    get inFlight() {
      return inFlight;
    },
    get stopped() {
      return stopped;
    },
    start() {
      if (stopped) return;
      running = true;
      void poll();
    },
    poll,
    wake() {
      if (running) setImmediate(poll);
    },
    pollIn(ms) {
      clock.after(ms, poll);
    },
    track(work, settled) {
      inFlight++;
      // The work reports its own failures: a rejection here is a bug, left unhandled to be seen.
      void work.finally(() => {
        inFlight--;
        if (inFlight === 0) for (const resolve of idle.splice(0)) resolve();
        settled?.();
      });
    },
    stop() {
      stopped = true;
      running = false;
      cancelRest?.();
    },
    drained(graceMs) {
      if (inFlight === 0) return Promise.resolve(true);
      const settled = new Promise<void>((resolve) => idle.push(resolve));
      return graceMs === undefined ? settled.then(() => true) : atMost(settled, graceMs);
    },
  };
}
