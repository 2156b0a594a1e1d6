import type { Logger } from './logger.js';

/** How often a kind of rejection still arriving is summed up in one line. */
export const REJECTION_SUMMARY_INTERVAL_MS = 60_000;

export interface RejectionLogOptions {
  logger: Logger;
  intervalMs?: number;
}

/**
 * Rejected requests, logged without letting a flood write a line each (20,000 wrong-key webhooks
 * were 4.7 MB of warn lines): the first rejection of a kind (a route and a code) is logged as it
 * is; the others are counted, and at the end of each interval in which more came, one line says
 * how many (`repeated`). A kind quiet for a whole interval is forgotten: its next rejection is
 * logged in full again. The metrics keep the exact counts; this only bounds the log.
 */
export interface RejectionLog {
  warn(kind: string, fields: Record<string, unknown>, message: string): void;
  /** Writes the summary lines due now (at the end of each interval, and at a stop). */
  flush(): void;
  /** Flushes and stops the interval. */
  close(): void;
}

export function createRejectionLog(options: RejectionLogOptions): RejectionLog {
  const { logger } = options;
  const intervalMs = options.intervalMs ?? REJECTION_SUMMARY_INTERVAL_MS;
  /** Each kind seen in this interval: what its first line said, and how many came since. */
  const kinds = new Map<
    string,
    { fields: Record<string, unknown>; message: string; repeated: number }
  >();
  let timer: NodeJS.Timeout | undefined;

  function flush(): void {
    for (const [kind, seen] of kinds) {
      if (seen.repeated === 0) {
        kinds.delete(kind);
        continue;
      }
      logger.warn(
        { ...seen.fields, repeated: seen.repeated, intervalMs },
        `${seen.message} (${seen.repeated} more like it, not logged one by one)`,
      );
      seen.repeated = 0;
    }
    if (kinds.size === 0 && timer) {
      clearInterval(timer);
      timer = undefined;
    }
  }

  return {
    warn(kind, fields, message) {
      const seen = kinds.get(kind);
      if (seen) {
        seen.repeated++;
        return;
      }
      logger.warn(fields, message);
      // Only what names the kind is repeated in the summary, not the first one's details.
      const { route, status, code } = fields;
      kinds.set(kind, { fields: { route, status, code }, message, repeated: 0 });
      timer ??= setInterval(flush, intervalMs).unref();
    },
    flush,
    close() {
      flush();
      // A kind left (seen once, nothing repeated) needs no line and no timer.
      kinds.clear();
      clearInterval(timer);
      timer = undefined;
    },
  };
}
