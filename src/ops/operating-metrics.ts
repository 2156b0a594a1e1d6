import { Counter, Gauge, type Registry } from 'prom-client';
import type { Store } from '../store/store.js';

export interface OperatingMetricSources {
  store: Pick<Store, 'backlogFigures'>;
  /** The callback failing now, as this instance's deliveries see it. */
  callbackFailing(): boolean;
  clock?: () => number;
  /** faceauth_alerts_total's labels, each shown at 0 from the start (alerts/ names them). */
  alertLabels: { kinds: readonly string[]; outcomes: readonly string[] };
}

/**
 * What operators watch during the migration, on the service's registry (ops/metrics.ts), beside
 * its metrics (the logins by who reported them are ops/cutover-metrics.ts's). Database-wide gauges read the store at each scrape and show the same value on
 * every instance (aggregate them with max, never sum); counters and the callback gauge are each
 * instance's own (sum them). A scrape while the store is away leaves the database-wide gauges at
 * their last value rather than failing (store_unavailable says so).
 */
export function createOperatingMetrics(registry: Registry, sources: OperatingMetricSources) {
  const { store } = sources;
  const clock = sources.clock ?? Date.now;
  /** One read of the backlog per scrape for both gauges that show it. */
  let backlog: Promise<Awaited<ReturnType<Store['backlogFigures']>>> | undefined;
  const backlogNow = () => {
    backlog ??= store.backlogFigures().finally(() => {
      setTimeout(() => {
        backlog = undefined;
      }, 1_000).unref();
    });
    return backlog;
  };
  new Gauge({
    name: 'faceauth_oldest_pending_age_seconds',
    help: 'Age of the oldest event waiting for delivery (pending), from when Incode sent it; 0 when none waits. Database-wide: the same on every instance.',
    registers: [registry],
    async collect() {
      const figures = await backlogNow().catch(() => undefined);
      if (!figures) return;
      const oldest = figures.oldestPendingAt;
      this.set(oldest === null ? 0 : Math.max(0, (clock() - oldest) / 1000));
    },
  });
  new Gauge({
    name: 'faceauth_held_customers',
    help: 'Customers whose later events wait behind an event the callback refuses (for ORDER_HOLD_MAX at most). Database-wide: the same on every instance.',
    registers: [registry],
    async collect() {
      const figures = await backlogNow().catch(() => undefined);
      if (figures) this.set(figures.heldCustomers);
    },
  });
  new Gauge({
    name: 'faceauth_callback_failing',
    help: "1 while this instance's attempts to the callback fail (no delivery since the first failure; a refusal of one event does not count). Per instance.",
    registers: [registry],
    collect() {
      this.set(sources.callbackFailing() ? 1 : 0);
    },
  });
  const alerts = new Counter({
    name: 'faceauth_alerts_total',
    help: 'Alerts to ALERT_WEBHOOK_URL by kind and outcome: sent, failed (after its retries; logged), dropped (too many waiting, or stopped; logged), folded (into the next summary, ALERT_INTERVAL). Per instance.',
    labelNames: ['kind', 'outcome'] as const,
    registers: [registry],
  });
  for (const kind of sources.alertLabels.kinds) {
    for (const outcome of sources.alertLabels.outcomes) alerts.inc({ kind, outcome }, 0);
  }
  const holdsReleased = new Counter({
    name: 'faceauth_order_holds_released_total',
    help: "Events the callback refused for ORDER_HOLD_MAX that stopped holding their customer's later events (released by this instance).",
    registers: [registry],
  });
  return {
    countAlert(kind: string, outcome: string, n = 1) {
      alerts.inc({ kind, outcome }, n);
    },
    holdsReleased,
  };
}

export type OperatingMetrics = ReturnType<typeof createOperatingMetrics>;
