import { z } from 'zod';
import type { ForwardSource } from '../config/config.js';
import { LegacyAuthenticationBody } from '../intake/legacy-schema.js';
import { lenient } from '../intake/lenient.js';
import type { NormalizedResult, Source } from '../normalize/normalized-schema.js';
import type { Mappings } from '../normalize/tables.js';
import { renderLegacy } from '../normalize/to-legacy.js';
import type { ForwardFormat, NewEvent } from '../store/store.js';

const encoder = new TextEncoder();

/** A legacy body as rendered from a Workflows event, which may not name a customer. */
const RenderedLegacyBody = LegacyAuthenticationBody.extend({ customerId: lenient(z.string()) });

/**
 * What the callback gets for an event, decided once when it arrives: nothing (the source
 * is shadowed), the legacy body (a legacy event byte for byte, a Workflows event rendered
 * through mappings/), or the normalized result.
 */
export function forwardFor(
  source: Source,
  rawBody: Uint8Array,
  normalized: NormalizedResult,
  settings: { forwardSource: ForwardSource; forwardFormat: ForwardFormat },
  mappings: Mappings,
): NewEvent['forward'] {
  if (settings.forwardSource !== 'both' && settings.forwardSource !== source) return null;
  if (settings.forwardFormat === 'normalized') {
    return { format: 'normalized', body: encoder.encode(JSON.stringify(normalized)) };
  }
  if (source === 'legacy') return { format: 'legacy', body: rawBody };
  const rendered = renderLegacy(normalized, mappings.toLegacy);
  // The table is data a team can edit: what it renders must still be a legacy body.
  const check = RenderedLegacyBody.safeParse(rendered);
  if (!check.success) {
    throw new Error(
      `mappings/normalized-to-legacy.yaml renders no legacy body: ${z.prettifyError(check.error)}`,
    );
  }
  return { format: 'legacy', body: encoder.encode(JSON.stringify(rendered)) };
}
