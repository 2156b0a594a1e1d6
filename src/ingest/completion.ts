import type { Score } from '../incode/score-schema.js';
import { parseWebhook } from '../intake/parse-webhook.js';
import { WEBHOOK_ROUTES } from '../intake/webhook-kinds.js';
import type { EnrichmentCompletion, EnrichmentItem } from '../store/accept-types.js';
import { supersededBy } from '../store/rules/supersede.js';
import { type IngestRules, pairingOf } from './ingest-rules.js';
import { prepare } from './prepare.js';

/**
 * How an event's wait for its score ends (store.completeEnrichment): its stored body read again,
 * as on arrival (prepare.ts), now with the score's numbers, or marked as having none. Forwarded
 * when it has an outcome; informational when the score says it has none; dead when no outcome
 * can come (no score for an event that carries none, or a stored body that no longer reads).
 * Throws when the body no longer maps (the tables changed since it arrived).
 */
export function completion(
  item: EnrichmentItem,
  score: Score | undefined,
  error: string | null,
  called: boolean,
  rules: Pick<IngestRules, 'mappings' | 'forwardFormat' | 'compareWindowMs'>,
): EnrichmentCompletion {
  const state = score ? 'scored' : 'unavailable';
  const kind = WEBHOOK_ROUTES[item.route as keyof typeof WEBHOOK_ROUTES];
  const parsed = kind ? parseWebhook(kind, item.rawBody) : undefined;
  if (!kind || !parsed?.ok) {
    // Stored bodies passed these checks when they arrived; a change of schema could break that.
    return {
      state,
      status: 'dead',
      note: `the stored body can no longer be read: ${parsed && !parsed.ok ? parsed.message : item.route}`,
      error,
      called,
    };
  }
  const meta = { eventId: item.eventId, receivedAt: item.receivedAt };
  const read = prepare(kind, parsed.body, item.rawBody, meta, rules, score ?? 'unavailable');
  if (read.outcome === 'no-result') {
    return { state, status: 'informational', note: read.note, error, called };
  }
  if (read.outcome === 'needs-score') {
    return {
      state,
      status: 'dead',
      note: `no outcome to forward: ${read.eventName} carries none, and no score came (${error}); replay it to ask again`,
      error,
      called,
    };
  }
  return {
    state,
    normalized: read.normalized,
    forward: read.forward,
    legacyFields: read.legacyFields,
    error,
    called,
    pairing: pairingOf(rules),
    supersededBy: supersededBy(kind, read.normalized.ids.interviewId),
  };
}
