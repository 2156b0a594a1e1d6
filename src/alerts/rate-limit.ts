import { formatDuration } from '../util/duration.js';
import type { Alert, AlertIds, AlertKind } from './alert.js';

/** Ids a summary carries at most, per list: the first ones folded into it. */
export const SUMMARY_IDS = 20;

/** What the limiter lets through: an alert as raised, or a summary of those folded. */
export interface Release {
  alert: Alert;
  /** How many alerts it stands for. */
  count: number;
}

interface Window {
  /** Folded since the window opened. */
  folded: number;
  ids: Required<AlertIds>;
  latest: string;
  timer: NodeJS.Timeout;
}

export interface RateLimiter {
  /** The alert goes out now (returned), or is folded into its kind's next summary (undefined). */
  offer(alert: Alert): Release | undefined;
  /** Sends the summaries pending now (at a stop) and forgets every window. */
  flush(): void;
}

/**
 * At most one alert of a kind per `intervalMs`: the first goes out at once, those that follow
 * within the interval are folded into one summary sent at its end (with how many, the first
 * ids, the latest summary), and a storm that goes on gets one summary per interval. One bad
 * minute sends two posts of a kind, not thousands.
 */
export function createRateLimiter(
  intervalMs: number,
  release: (summary: Release) => void,
): RateLimiter {
  const windows = new Map<AlertKind, Window>();

  function open(kind: AlertKind): Window {
    const window: Window = {
      folded: 0,
      ids: { eventIds: [], customerIds: [], pairIds: [] },
      latest: '',
      timer: setTimeout(() => close(kind), intervalMs),
    };
    window.timer.unref();
    windows.set(kind, window);
    return window;
  }

  function close(kind: AlertKind): void {
    const window = windows.get(kind);
    if (!window) return;
    clearTimeout(window.timer);
    windows.delete(kind);
    if (window.folded === 0) return;
    // The storm goes on: the summary opens the next window (not at a stop).
    if (!flushing) open(kind);
    release({ alert: summaryOf(kind, window, intervalMs), count: window.folded });
  }

  let flushing = false;
  return {
    offer(alert) {
      const window = windows.get(alert.kind);
      if (!window) {
        open(alert.kind);
        return { alert, count: 1 };
      }
      window.folded += 1;
      window.latest = alert.summary;
      for (const key of ['eventIds', 'customerIds', 'pairIds'] as const) {
        const list = window.ids[key];
        for (const id of alert.ids[key] ?? []) {
          if (list.length < SUMMARY_IDS && !list.includes(id)) list.push(id);
        }
      }
      return undefined;
    },
    flush() {
      flushing = true;
      for (const kind of [...windows.keys()]) close(kind);
      flushing = false;
    },
  };
}

function summaryOf(kind: AlertKind, window: Window, intervalMs: number): Alert {
  const ids: AlertIds = {};
  for (const key of ['eventIds', 'customerIds', 'pairIds'] as const) {
    if (window.ids[key].length > 0) ids[key] = window.ids[key];
  }
  return {
    kind,
    summary: `${window.folded} more ${kind} alert${window.folded === 1 ? '' : 's'} in the last ${formatDuration(intervalMs)} (ALERT_INTERVAL); the latest: ${window.latest}`,
    ids,
  };
}
