import { Counter, collectDefaultMetrics, Gauge, Histogram, Registry } from 'prom-client';
import { EVENT_STATUSES, type Store } from '../store/store.js';

/** The service's Prometheus metrics, on a registry of its own (not prom-client's global one). */
export function createMetrics(store: Pick<Store, 'countByStatus'>) {
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
  const leasesLost = new Counter({
    name: 'faceauth_leases_lost_total',
    help: 'Delivery results not written because the lease had run out and another instance took the event over (PostgreSQL; that instance delivers it).',
    registers: [registry],
  });
  return {
    registry,
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
