import { prepareForward } from '../delivery/forward-decision.js';
import type { Score } from '../incode/score-schema.js';
import type { SourceBody } from '../intake/parse-webhook.js';
import { SOURCE_OF, type WebhookKind } from '../intake/webhook-kinds.js';
import { type Interpretation, interpret } from '../normalize/interpret.js';
import type { NewEvent } from '../store/accept-types.js';
import type { IngestRules } from './ingest-rules.js';

/**
 * What a webhook body is for the callback: its interpretation and, for a result, the body the
 * callback gets (rendered once). Made when the webhook arrives (ingest.ts) and again when its
 * score comes (completion.ts), by the same steps.
 */
export type Prepared = Interpretation &
  (
    | { outcome: 'result'; forward: NonNullable<NewEvent['forward']>; legacyFields: string[] }
    | { outcome: 'needs-score' | 'no-result' }
  );

/**
 * Reads the body through the tables, with its score when Incode gave one (`unavailable`: it was
 * asked for and none came, said in the result), and renders what the callback gets. Throws when
 * the body cannot be mapped (a gap in mappings/): on arrival that is a 422, later a dead event.
 */
export function prepare(
  kind: WebhookKind,
  body: SourceBody,
  bytes: Uint8Array,
  meta: { eventId: string; receivedAt: number },
  rules: Pick<IngestRules, 'mappings' | 'forwardFormat'>,
  score?: Score | 'unavailable',
): Prepared {
  const read = interpret(
    kind,
    body,
    rules.mappings,
    { eventId: meta.eventId, receivedAt: new Date(meta.receivedAt).toISOString() },
    score === 'unavailable' ? undefined : score,
  );
  if (read.outcome !== 'result') return read;
  if (score === 'unavailable') {
    read.normalized.enrichment = { state: 'unavailable', scoreStatus: null };
  }
  const source = SOURCE_OF[kind];
  const { mappings, forwardFormat } = rules;
  return {
    ...read,
    ...prepareForward(source, bytes, body, read.normalized, forwardFormat, mappings),
  };
}
