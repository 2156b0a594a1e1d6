import type { Logger } from '../ops/logger.js';
import { type Alert, type AlertKind, payloadOf } from './alert.js';
import { createAlertSender, type SendOutcome } from './alert-sender.js';
import { createRateLimiter } from './rate-limit.js';

/** faceauth_alerts_total's outcomes: sent, failed, dropped, or folded into a summary. */
export type AlertOutcome = SendOutcome | 'folded';
export const ALERT_OUTCOMES: readonly AlertOutcome[] = ['sent', 'failed', 'dropped', 'folded'];

export interface AlerterOptions {
  /** ALERT_WEBHOOK_URL; without it alerts are only logged (each is a log line already). */
  url: string | undefined;
  /** ALERT_INTERVAL. */
  intervalMs: number;
  logger: Logger;
  /** Counts each alert by kind and outcome (operating-metrics.ts). */
  count?: (kind: AlertKind, outcome: AlertOutcome, n?: number) => void;
  clock?: () => number;
  /** The sender's retry delays (tests pass short ones). */
  retryDelaysMs?: readonly number[];
}

export interface Alerter {
  /** Raises an alert: never throws, never waits (the POST happens in the background). */
  raise(alert: Alert): void;
  /** Sends the summaries pending, waits up to `graceMs` for the queue, stops. */
  close(graceMs: number): Promise<void>;
}

/** Alerts, rate-limited per kind (rate-limit.ts), delivered with retries (alert-sender.ts). */
export function createAlerter(options: AlerterOptions): Alerter {
  const { logger, url } = options;
  const clock = options.clock ?? Date.now;
  const count = options.count ?? (() => {});
  if (url === undefined) {
    return {
      raise() {},
      async close() {},
    };
  }
  const sender = createAlertSender({
    url,
    logger,
    ...(options.retryDelaysMs ? { retryDelaysMs: options.retryDelaysMs } : {}),
    onOutcome: (payload, outcome) => count(payload.alert, outcome),
  });
  const limiter = createRateLimiter(options.intervalMs, ({ alert, count: n }) =>
    sender.send(payloadOf(alert, n, clock())),
  );
  let closed = false;
  return {
    raise(alert) {
      if (closed) return;
      try {
        const release = limiter.offer(alert);
        if (release) sender.send(payloadOf(release.alert, release.count, clock()));
        else count(alert.kind, 'folded');
      } catch (error) {
        // An alert must never break what raised it.
        logger.error({ err: error, alert: alert.kind }, 'alerts: cannot raise an alert');
      }
    },
    async close(graceMs) {
      closed = true;
      limiter.flush();
      await sender.close(graceMs);
    },
  };
}
