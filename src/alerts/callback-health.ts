import type { DeliveryOutcome } from '../delivery/callback-client.js';
import { PERMANENT_STATUSES } from '../delivery/retry-policy.js';
import type { Logger } from '../ops/logger.js';
import type { Store } from '../store/store.js';
import { formatDuration } from '../util/duration.js';
import type { Alerter } from './alerter.js';

/** The stored state of the callback as alerted: `down` or `up`, one value for every instance. */
export const CALLBACK_STATE_KEY = 'alerts:callback';

export interface CallbackHealthOptions {
  /** ALERT_CALLBACK_DOWN_AFTER. */
  downAfterMs: number;
  settings: Pick<Store, 'getSetting' | 'insertSetting' | 'replaceSetting'>;
  alerts: Pick<Alerter, 'raise'>;
  logger: Logger;
  /** How often the state is looked at (between attempts too: retries may be an hour apart). */
  checkEveryMs?: number;
  clock?: () => number;
}

export interface CallbackHealth {
  /** One attempt's outcome, as the delivery worker got it. */
  record(outcome: Pick<DeliveryOutcome, 'ok' | 'statusCode' | 'error'>): void;
  /** Every attempt since the first failure failed (faceauth_callback_failing). */
  failing(): boolean;
  /** One look now (the timer's; tests call it). */
  check(): Promise<void>;
  start(): void;
  stop(): Promise<void>;
}

/**
 * Whether the callback is failing: an attempt that was not delivered, other than a refusal of
 * that one event (410, a permanent refusal: those are event_dead's), with no delivery since.
 * Failing for ALERT_CALLBACK_DOWN_AFTER is callback_down; the first delivery after it,
 * callback_recovered. With several instances, each alert is sent once: the state is a setting
 * every instance shares, changed by compare and set, and only the instance whose change won
 * raises the alert. When the store cannot be reached the alert is raised anyway (told twice
 * rather than not at all).
 */
export function createCallbackHealth(options: CallbackHealthOptions): CallbackHealth {
  const { settings, alerts, logger, downAfterMs } = options;
  const clock = options.clock ?? Date.now;
  let failingSince: number | null = null;
  let lastProblem = '';
  /** This instance has seen the callback answer since it started (it may end a stored `down`). */
  let answeredSince = false;
  /** This instance has found the callback down for the current failure. */
  let noted = false;
  let timer: NodeJS.Timeout | undefined;
  let checking: Promise<void> | undefined;

  async function flip(from: 'up' | 'down', to: 'up' | 'down', now: number): Promise<boolean> {
    try {
      if (to === 'down' && (await settings.insertSetting(CALLBACK_STATE_KEY, to, now))) return true;
      return await settings.replaceSetting(CALLBACK_STATE_KEY, from, to, now);
    } catch (error) {
      logger.debug({ err: error }, 'alerts: cannot read the stored callback state');
      return true;
    }
  }

  async function check(): Promise<void> {
    const now = clock();
    if (failingSince !== null) {
      if (noted || now - failingSince < downAfterMs) return;
      noted = true;
      if (!(await flip('up', 'down', now))) return;
      alerts.raise({
        kind: 'callback_down',
        summary: `the callback has failed every attempt for ${formatDuration(Math.round((now - failingSince) / 1000) * 1000)} (since ${new Date(failingSince).toISOString()}; the last: ${lastProblem}); events wait and are retried on DELIVERY_RETRY_SCHEDULE`,
        ids: {},
      });
      return;
    }
    if (!answeredSince) return;
    const stored = await settings.getSetting(CALLBACK_STATE_KEY).catch(() => undefined);
    if (stored?.value !== 'down') return;
    if (!(await flip('down', 'up', now))) return;
    alerts.raise({
      kind: 'callback_recovered',
      summary:
        'the callback takes deliveries again; the events that waited are sent on their schedule (dead ones only by a replay)',
      ids: {},
    });
  }

  return {
    record(outcome) {
      if (outcome.ok) {
        failingSince = null;
        noted = false;
        answeredSince = true;
        return;
      }
      const refusal =
        outcome.statusCode !== null &&
        (outcome.statusCode === 410 || PERMANENT_STATUSES.has(outcome.statusCode));
      if (refusal) return;
      failingSince ??= clock();
      lastProblem =
        outcome.statusCode === null ? (outcome.error ?? 'no answer') : `HTTP ${outcome.statusCode}`;
    },
    failing: () => failingSince !== null,
    check,
    start() {
      timer = setInterval(() => {
        checking ??= check()
          .catch((error: unknown) =>
            logger.error({ err: error }, 'alerts: cannot check the callback'),
          )
          .finally(() => {
            checking = undefined;
          });
      }, options.checkEveryMs ?? 1_000);
      timer.unref();
    },
    async stop() {
      clearInterval(timer);
      await checking;
    },
  };
}
