import type { Clock } from '../../src/util/clock.js';

export interface ManualClock extends Clock {
  /** Moves the time on by `ms`, firing every timer that falls due, in order, at its own time. */
  advance(ms: number): void;
  /** Timers set and not fired or cancelled yet, with when they fall due. */
  pending(): number[];
}

/** A clock a test moves by hand: a worker on it sees minutes pass without waiting for them. */
export function manualClock(start: number): ManualClock {
  let time = start;
  let nextId = 0;
  const timers = new Map<number, { at: number; fn: () => void }>();
  return {
    now: () => time,
    after(ms, fn) {
      const id = nextId++;
      timers.set(id, { at: time + Math.max(0, ms), fn });
      return () => timers.delete(id);
    },
    advance(ms) {
      const target = time + ms;
      for (;;) {
        const due = [...timers.entries()]
          .filter(([, timer]) => timer.at <= target)
          .sort(([a, x], [b, y]) => x.at - y.at || a - b)[0];
        if (!due) break;
        const [id, timer] = due;
        timers.delete(id);
        time = timer.at;
        timer.fn();
      }
      time = target;
    },
    pending: () => [...timers.values()].map((timer) => timer.at).sort((a, b) => a - b),
  };
}
