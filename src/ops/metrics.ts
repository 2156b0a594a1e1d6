import { Counter, collectDefaultMetrics, Gauge, Histogram, Registry } from 'prom-client';
import { LEGACY_OFF_AT } from '../cutover/deadlines.js';
import { SOURCES, WEBHOOK_ROUTES } from '../intake/webhook-kinds.js';
import { ALL } from '../store/rules/bucket.js';
import { EVENT_STATUSES, type Store } from '../store/store.js';

/** What the cut-over gauges read at each scrape. */
export interface CutoverGaugeSource {
  /** Share of customers whose Workflows events reach the callback, in basis points. */
  workflowsShare(): number;
  paused(): boolean;
}

// The label values each counter can take. Every series of a counter is written at 0 when the
// service starts, so a rate() or an alert on it has a series to read before the first event
// (a series that appears with its first increment loses that increment to rate()).

/** faceauth_webhooks_total{outcome}: accepted, duplicate, unavailable (503), or the error code. */
export const WEBHOOK_OUTCOMES = [
  'accepted',
  'duplicate',
  'unavailable',
  'unauthorized',
  'unsupported_media_type',
  'payload_too_large',
  'invalid_json',
  'invalid_payload',
] as const;
export const DELIVERY_OUTCOMES = ['delivered', 'failed', 'dead'] as const;
export const ENRICHMENT_OUTCOMES = ['scored', 'retry', 'unavailable'] as const;
export const PRUNED_KINDS = ['events', 'quarantine'] as const;
/** faceauth_unauthorized_total{route}: the webhook routes and the other routes behind a secret. */
export const UNAUTHORIZED_ROUTES = [
  ...Object.keys(WEBHOOK_ROUTES),
  '/oauth/token',
  '/admin',
  '/console',
  '/metrics',
] as const;
/** faceauth_client_errors_total{kind}: see its help text. */
export const CLIENT_ERROR_KINDS = [
  'client_closed',
  'request_timeout',
  'headers_too_large',
  'bad_request',
  'busy',
  'pipeline_overflow',
] as const;

/**
 * prom-client's default metrics, minus the three gauges it names with `_total` (a suffix
 * Prometheus keeps for counters: `promtool check metrics` refuses them). Their labelled
 * siblings stay: `sum(nodejs_active_handles)` is the same number.
 */
const DEFAULT_GAUGES_NAMED_AS_COUNTERS = [
  'nodejs_active_handles_total',
  'nodejs_active_requests_total',
  'nodejs_active_resources_total',
];

/** Every combination of the given label values, each counter's series to start at 0. */
function combinations(labels: Record<string, readonly string[]>): Record<string, string>[] {
  return Object.entries(labels).reduce<Record<string, string>[]>(
    (rows, [name, values]) => rows.flatMap((row) => values.map((v) => ({ ...row, [name]: v }))),
    [{}],
  );
}

/** A counter whose every known series exists from the start, at 0. */
function counter<L extends string>(
  registry: Registry,
  name: string,
  help: string,
  labels: Record<L, readonly string[]>,
): Counter<L> {
  const labelNames = Object.keys(labels) as L[];
  const metric = new Counter<L>({ name, help, labelNames, registers: [registry] });
  if (labelNames.length === 0) metric.inc(0);
  for (const values of combinations(labels)) metric.inc(values as Record<L, string>, 0);
  return metric;
}

/** The service's Prometheus metrics, on a registry of its own (not prom-client's global one). */
export function createMetrics(store: Pick<Store, 'countByStatus'>, cutover?: CutoverGaugeSource) {
  const registry = new Registry();
  // Unprefixed: the standard process_* and nodejs_* names dashboards and alerts expect.
  collectDefaultMetrics({ register: registry });
  for (const name of DEFAULT_GAUGES_NAMED_AS_COUNTERS) registry.removeSingleMetric(name);
  const webhooks = counter(
    registry,
    'faceauth_webhooks_total',
    'Webhooks received, by route and outcome (accepted, duplicate, unavailable, or the error code).',
    { route: Object.keys(WEBHOOK_ROUTES), outcome: WEBHOOK_OUTCOMES },
  );
  const deliveryAttempts = counter(
    registry,
    'faceauth_delivery_attempts_total',
    'Delivery attempts to the callback, by source and outcome (delivered, failed, dead).',
    { source: SOURCES, outcome: DELIVERY_OUTCOMES },
  );
  const deliveryDuration = new Histogram({
    name: 'faceauth_delivery_duration_seconds',
    help: 'Duration of one delivery attempt to the callback.',
    buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
    registers: [registry],
  });
  new Gauge({
    name: 'faceauth_events',
    help: `Stored events by status (${EVENT_STATUSES.join(', ')}); database-wide.`,
    labelNames: ['status'] as const,
    registers: [registry],
    async collect() {
      const counts = await store.countByStatus();
      for (const status of EVENT_STATUSES) this.set({ status }, counts[status]);
    },
  });
  const deadEvents = counter(
    registry,
    'faceauth_dead_events_total',
    'Events that became dead: no attempts left, or the callback answered 410 Gone.',
    { source: SOURCES },
  );
  const shadowFallbacks = counter(
    registry,
    'faceauth_shadow_fallbacks_total',
    'Shadowed events forwarded after all because no counterpart arrived (SHADOW_FALLBACK_AFTER).',
    {},
  );
  const enrichment = counter(
    registry,
    'faceauth_enrichment_total',
    'Calls for scores to the Incode API, by outcome: scored, retry (asked again later), unavailable (forwarded without the numbers).',
    { outcome: ENRICHMENT_OUTCOMES },
  );
  const pruned = counter(
    registry,
    'faceauth_pruned_total',
    'Rows deleted by RETENTION: events (with their attempts and pairs) and quarantined bodies.',
    { kind: PRUNED_KINDS },
  );
  const unauthorized = counter(
    registry,
    'faceauth_unauthorized_total',
    'Requests answered 401, by route (webhooks, /oauth/token, /admin, /console sign-in, /metrics).',
    { route: UNAUTHORIZED_ROUTES },
  );
  const clientErrors = counter(
    registry,
    'faceauth_client_errors_total',
    'Requests the client broke off or got wrong before a route answered: client_closed (hung up mid-body), request_timeout (408), headers_too_large (431), bad_request (400), busy (503, too many bodies in flight), pipeline_overflow (a connection closed for sending more requests ahead of its answers than it may).',
    { kind: CLIENT_ERROR_KINDS },
  );
  new Gauge({
    name: 'faceauth_legacy_off_timestamp_seconds',
    help: 'When Incode switches the legacy Authentication Webhook 1:1 off (2027-04-01T00:00:00Z), as a Unix time. Days left: (faceauth_legacy_off_timestamp_seconds - time()) / 86400.',
    registers: [registry],
  }).set(LEGACY_OFF_AT / 1000);
  if (cutover) {
    new Gauge({
      name: 'faceauth_forward_workflows_share_ratio',
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
  const cutoverRollbacks = counter(
    registry,
    'faceauth_forward_guard_rollbacks_total',
    'Times the guard of this instance rolled the share of customers on Workflows back to the last good step.',
    {},
  );
  const cutoverSteps = counter(
    registry,
    'faceauth_forward_plan_steps_total',
    'Steps of FORWARD_SOURCE_PLAN taken by this instance.',
    {},
  );
  const leasesLost = counter(
    registry,
    'faceauth_leases_lost_total',
    'Delivery results not written because the lease had run out and the event was claimed again (PostgreSQL; the new holder delivers it).',
    {},
  );
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
