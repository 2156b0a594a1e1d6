import { createHash } from 'node:crypto';
import { ROUTE_OF } from '../../src/intake/webhook-kinds.js';
import {
  emptyResult,
  type NormalizedResult,
  type Source,
} from '../../src/normalize/normalized-schema.js';
import type { NewEvent } from '../../src/store/accept-types.js';
import type { Preference } from '../../src/store/rules/forwarding.js';

export const T0 = Date.parse('2026-11-25T12:00:00.000Z');

/** COMPARE_WINDOW and a comparison table of status and reason, as most store tests use them. */
export const PAIRING: NewEvent['pairing'] = {
  windowMs: 5 * 60_000,
  comparison: { compared: [{ field: 'status' }, { field: 'reason' }], ignored: [] },
};

/** The webhook route of each source (a Workflows event: the Face Authentication webhook). */
export const ROUTES: Record<Source, string> = {
  legacy: ROUTE_OF.legacy,
  workflows: ROUTE_OF['face-authentication'],
};

export interface EventSpec {
  id: string;
  source?: Source;
  customerId?: string | null;
  interviewId?: string | null;
  receivedAt?: number;
  status?: NormalizedResult['status'];
  reason?: NormalizedResult['reason'];
  /** How the cut-over mode treats it (default: preferred, forwarded at once without a counterpart). */
  preference?: Preference;
  /** SHADOW_FALLBACK_AFTER (default 0; with `other`, a waiting report waits this long). */
  waitMs?: number;
  /** Shorthand: the source not preferred, waiting until `fallbackAt` (default: 10 minutes). */
  shadowed?: boolean;
  fallbackAt?: number;
  /** The raw body; by default a small JSON object naming the customer and the event. */
  body?: string;
  legacyFields?: string[];
  pairing?: NewEvent['pairing'];
}

/** A NewEvent as src/http/webhook-routes.ts fills it: for a legacy body, forward.body is rawBody. */
export function newEvent(spec: EventSpec): NewEvent {
  const source = spec.source ?? 'legacy';
  const customerId = spec.customerId === undefined ? 'customer-a' : spec.customerId;
  const interviewId = spec.interviewId ?? null;
  const receivedAt = spec.receivedAt ?? T0;
  const route = ROUTES[source];
  const status = spec.status ?? 'PASS';
  const rawBody = new TextEncoder().encode(
    spec.body ??
      JSON.stringify({ customerId, interviewId, overallStatus: status, note: `event ${spec.id}` }),
  );
  const normalized = emptyResult({
    eventId: spec.id,
    receivedAt: new Date(receivedAt).toISOString(),
    source,
    status,
  });
  normalized.ids.customerId = customerId;
  normalized.ids.interviewId = interviewId;
  normalized.reason = spec.reason ?? null;
  const preference = spec.preference ?? (spec.shadowed ? 'other' : 'preferred');
  const other: Source = source === 'legacy' ? 'workflows' : 'legacy';
  const waitMs =
    spec.waitMs ?? (spec.shadowed ? (spec.fallbackAt ?? receivedAt + 10 * 60_000) - receivedAt : 0);
  return {
    id: spec.id,
    source,
    route,
    receivedAt,
    dedupKey: createHash('sha256').update(route).update('\n').update(rawBody).digest('hex'),
    contentType: 'application/json',
    rawBody,
    normalized,
    forward: { format: 'legacy', body: rawBody },
    mode: { prefer: preference === 'none' ? null : preference === 'preferred' ? source : other },
    waitMs,
    orderKey: customerId ?? spec.id,
    ...(spec.legacyFields ? { legacyFields: spec.legacyFields } : {}),
    pairing: spec.pairing ?? PAIRING,
  };
}
