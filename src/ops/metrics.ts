import { Counter, collectDefaultMetrics, Gauge, Histogram, Registry } from 'prom-client';
import { daysLeft } from '../cutover/deadlines.js';
import { ALL } from '../store/rules/bucket.js';
import { EVENT_STATUSES, type Store } from '../store/store.js';

/** What the cut-over gauges read at each scrape. */
export interface CutoverGaugeSource {
  /** Share of customers whose Workflows events reach the callback, in basis points. */
  workflowsShare(): number;
  paused(): boolean;
}

/** The service's Prometheus metrics, on a registry of its own (not prom-client's global one). */
export function createMetrics(
  store: Pick<Store, 'countByStatus'>,
  cutover?: CutoverGaugeSource,
  clock: () => number = Date.now,
) {
  const registry = new Registry();
  collectDefaultMetrics({ register: registry, prefix: 'faceauth_' });
  const webhooks = new Counter({
    name: 'faceauth_webhooks_total',
    help: 'Webhooks received, by route and outcome (accepted, duplicate, or the error code).',
    labelNames: ['route', 'outcome'] as const,
    registers: [registry],
  });
  const deliveryAttempts = new Counter({
    name: 'faceauth_delivery_attempts_total',
    help: 'Delivery attempts to the callback, by source and outcome (delivered, failed, dead).',
    labelNames: ['source', 'outcome'] as const,
    registers: [registry],
  });
  const deliveryDuration = new Histogram({
    name: 'faceauth_delivery_duration_seconds',
    help: 'Duration of one delivery attempt to the callback.',
    buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
    registers: [registry],
  });
  new Gauge({
    name: 'faceauth_events',
    help: `Stored events by status (${EVENT_STATUSES.join(', ')}).`,
    labelNames: ['status'] as const,
    registers: [registry],
    async collect() {
      const counts = await store.countByStatus();
      for (const status of EVENT_STATUSES) this.set({ status }, counts[status]);
    },
  });
  const deadEvents = new Counter({
    name: 'faceauth_dead_events_total',
    help: 'Events that became dead: no attempts left, or the callback answered 410 Gone.',
    labelNames: ['source'] as const,
    registers: [registry],
  });
  const shadowFallbacks = new Counter({
    name: 'faceauth_shadow_fallbacks_total',
    help: 'Shadowed events forwarded after all because no counterpart arrived (SHADOW_FALLBACK_AFTER).',
    registers: [registry],
  });
  const enrichment = new Counter({
    name: 'faceauth_enrichment_total',
    help: 'Calls for scores to the Incode API, by outcome: scored, retry (asked again later), unavailable (forwarded without the numbers).',
    labelNames: ['outcome'] as const,
    registers: [registry],
  });
  const pruned = new Counter({
    name: 'faceauth_pruned_total',
    help: 'Rows deleted by RETENTION: events (with their attempts and pairs) and quarantined bodies.',
    labelNames: ['kind'] as const,
    registers: [registry],
  });
  const unauthorized = new Counter({
    name: 'faceauth_unauthorized_total',
    help: 'Requests answered 401, by route (webhooks, /oauth/token, /admin).',
    labelNames: ['route'] as const,
    registers: [registry],
  });
  const clientErrors = new Counter({
    name: 'faceauth_client_errors_total',
    help: 'Requests the client broke off or got wrong before a route answered: client_closed (hung up mid-body), request_timeout (408), headers_too_large (431), bad_request (400), busy (503, too many bodies in flight).',
    labelNames: ['kind'] as const,
    registers: [registry],
  });
  new Gauge({
    name: 'faceauth_legacy_days_left',
    help: 'Days left before Incode switches the legacy Authentication Webhook 1:1 off (2027-04-01); 0 from then on.',
    registers: [registry],
    collect() {
      this.set(daysLeft(clock()));
    },
  });
  if (cutover) {
    new Gauge({
      name: 'faceauth_forward_workflows_share',
      help: 'Share of customers (0 to 1) whose Workflows events reach the callback (FORWARD_SOURCE; both counts as 1).',
      registers: [registry],
      collect() {
        this.set(cutover.workflowsShare() / ALL);
      },
    });
    new Gauge({
      name: 'faceauth_forward_guard_paused',
      help: '1 while the guard has rolled the share back and the cut-over waits for an operator to resume it.',
      registers: [registry],
      collect() {
        this.set(cutover.paused() ? 1 : 0);
      },
    });
  }
  const cutoverRollbacks = new Counter({
    name: 'faceauth_forward_guard_rollbacks_total',
    help: 'Times the guard rolled the share of customers on Workflows back to the last good step.',
    registers: [registry],
  });
  const cutoverSteps = new Counter({
    name: 'faceauth_forward_plan_steps_total',
    help: 'Steps of FORWARD_SOURCE_PLAN taken by this instance.',
    registers: [registry],
  });
  const leasesLost = new Counter({
    name: 'faceauth_leases_lost_total',
    help: 'Delivery results not written because the lease had run out and another instance took the event over (PostgreSQL; that instance delivers it).',
    registers: [registry],
  });
  return {
    registry,
    cutoverRollbacks,
    cutoverSteps,
    leasesLost,
    clientErrors,
    webhooks,
    deliveryAttempts,
    deliveryDuration,
    deadEvents,
    shadowFallbacks,
    enrichment,
    pruned,
    unauthorized,
  };
}

export type Metrics = ReturnType<typeof createMetrics>;
