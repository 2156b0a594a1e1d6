import type { Mappings } from '../normalize/tables.js';
import type { ForwardFormat } from '../store/accept-types.js';
import type { PairingRule } from '../store/rules/pairing.js';

/** The settings what a webhook becomes depends on, as the composition root hands them over. */
export interface IngestRules {
  mappings: Mappings;
  /** FORWARD_FORMAT: the shape the callback gets. */
  forwardFormat: ForwardFormat;
  /** COMPARE_WINDOW: how far apart a login's two reports may arrive. */
  compareWindowMs: number;
  /** SHADOW_FALLBACK_AFTER: how long the source not preferred waits for its login's other report. */
  shadowFallbackAfterMs: number;
  /** Set when the Incode API is configured (ENRICH_MAX_WAIT): results wait for their score. */
  enrichment?: { maxWaitMs: number } | undefined;
}

/** How an event's login's other report is found and compared: COMPARE_WINDOW and the comparison table. */
export function pairingOf(rules: Pick<IngestRules, 'compareWindowMs' | 'mappings'>): PairingRule {
  return { windowMs: rules.compareWindowMs, comparison: rules.mappings.comparison };
}
