import { Agent, request } from 'undici';
import type { Logger } from '../ops/logger.js';
import type { AlertPayload } from './alert.js';

/** How a POST ended: sent; failed after every attempt; dropped (the queue was full). */
export type SendOutcome = 'sent' | 'failed' | 'dropped';

export interface AlertSenderOptions {
  url: string;
  logger: Logger;
  /** Told how each alert ended (the metric faceauth_alerts_total). */
  onOutcome: (payload: AlertPayload, outcome: SendOutcome) => void;
  /** Delays between attempts: N delays, N + 1 attempts. */
  retryDelaysMs?: readonly number[];
  /** One attempt's limit. */
  timeoutMs?: number;
  /** Alerts waiting to be sent at most; past it, one is dropped (counted and logged). */
  queueMax?: number;
}

export interface AlertSender {
  /** Queues the POST and returns at once: an alert never holds up the service. */
  send(payload: AlertPayload): void;
  /** Waits up to `graceMs` for what is queued; what is left is counted as dropped. */
  close(graceMs: number): Promise<void>;
}

/**
 * POSTs alerts to ALERT_WEBHOOK_URL, one at a time in the order raised, each retried on its own
 * schedule (a 2xx ends it; anything else, a timeout, a refused connection is tried again). None
 * is lost silently: one that cannot be delivered, or does not fit in the queue, is counted and
 * logged at error with its kind and summary (never the URL: a chat webhook's path is its secret).
 */
export function createAlertSender(options: AlertSenderOptions): AlertSender {
  const { logger, onOutcome } = options;
  const retryDelaysMs = options.retryDelaysMs ?? [1_000, 5_000, 30_000];
  const timeoutMs = options.timeoutMs ?? 5_000;
  const queueMax = options.queueMax ?? 100;
  const queue: AlertPayload[] = [];
  const stopping = new AbortController();
  // A dispatcher of its own: alerts never queue behind deliveries, nor share their connections.
  const dispatcher = new Agent({ connections: 2, connectTimeout: timeoutMs });
  let running: Promise<void> | undefined;

  async function attempt(payload: AlertPayload): Promise<string | null> {
    try {
      const response = await request(options.url, {
        method: 'POST',
        headers: { 'content-type': 'application/json', 'user-agent': 'faceauth-shim/0.1' },
        body: JSON.stringify(payload),
        dispatcher,
        headersTimeout: timeoutMs,
        bodyTimeout: timeoutMs,
        signal: AbortSignal.any([stopping.signal, AbortSignal.timeout(timeoutMs)]),
      });
      await response.body.dump();
      return response.statusCode >= 200 && response.statusCode < 300
        ? null
        : `HTTP ${response.statusCode}`;
    } catch (error) {
      const { code, message } = error as { code?: string; message?: string };
      return code ?? message ?? String(error);
    }
  }

  async function deliver(payload: AlertPayload): Promise<void> {
    let why: string | null = null;
    for (let i = 0; i <= retryDelaysMs.length; i++) {
      why = await attempt(payload);
      if (why === null) {
        onOutcome(payload, 'sent');
        return;
      }
      const delay = retryDelaysMs[i];
      if (delay === undefined || stopping.signal.aborted) break;
      await new Promise((resolve) => setTimeout(resolve, delay).unref());
    }
    onOutcome(payload, 'failed');
    logger.error(
      { alert: payload.alert, summary: payload.summary, why },
      'alerts: cannot deliver an alert to ALERT_WEBHOOK_URL; it is only in this log',
    );
  }

  async function drain(): Promise<void> {
    for (let next = queue.shift(); next; next = queue.shift()) await deliver(next);
    running = undefined;
  }

  return {
    send(payload) {
      if (queue.length >= queueMax) {
        onOutcome(payload, 'dropped');
        logger.error(
          { alert: payload.alert, summary: payload.summary },
          'alerts: too many alerts waiting to be sent; this one is only in this log',
        );
        return;
      }
      queue.push(payload);
      running ??= drain();
    },
    async close(graceMs) {
      const timer = new Promise<void>((resolve) => setTimeout(resolve, graceMs).unref());
      await Promise.race([running ?? Promise.resolve(), timer]);
      stopping.abort();
      for (const payload of queue.splice(0)) {
        onOutcome(payload, 'dropped');
        logger.error(
          { alert: payload.alert, summary: payload.summary },
          'alerts: stopped before this alert was sent; it is only in this log',
        );
      }
      await running;
      await dispatcher.close();
    },
  };
}
