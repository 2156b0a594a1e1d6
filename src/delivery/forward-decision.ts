import { z } from 'zod';
import { presentLegacyFields } from '../compare/legacy-fields.js';
import { LegacyAuthenticationBody } from '../intake/legacy-schema.js';
import { lenient } from '../intake/lenient.js';
import { MappingsError } from '../normalize/mappings-error.js';
import type { NormalizedResult, Source } from '../normalize/normalized-schema.js';
import type { Mappings } from '../normalize/tables.js';
import { renderLegacy } from '../normalize/to-legacy.js';
import type { ForwardFormat, NewEvent } from '../store/accept-types.js';

const encoder = new TextEncoder();

/** A legacy body as rendered from a Workflows event, which may not name a customer. */
const RenderedLegacyBody = LegacyAuthenticationBody.extend({ customerId: lenient(z.string()) });

/**
 * The event as a legacy 1:1 body: a legacy event's own parsed body, a Workflows event rendered
 * through mappings/ and checked (the table is data a team can edit: what it renders must still
 * be a legacy body).
 */
export function legacyView(
  source: Source,
  parsedBody: unknown,
  normalized: NormalizedResult,
  mappings: Mappings,
): unknown {
  if (source === 'legacy') return parsedBody;
  const rendered = renderLegacy(normalized, mappings.toLegacy);
  const check = RenderedLegacyBody.safeParse(rendered);
  if (!check.success) {
    throw new MappingsError(
      `mappings/normalized-to-legacy.yaml renders no legacy body: ${z.prettifyError(check.error)}`,
    );
  }
  return rendered;
}

/**
 * Everything forwarding needs of a result, rendered once: the body the callback gets, and
 * which legacy-only fields its legacy view carries (for the report).
 */
export function prepareForward(
  source: Source,
  rawBody: Uint8Array,
  parsedBody: unknown,
  normalized: NormalizedResult,
  format: ForwardFormat,
  mappings: Mappings,
): { forward: NonNullable<NewEvent['forward']>; legacyFields: string[] } {
  const legacy = legacyView(source, parsedBody, normalized, mappings);
  return {
    forward: renderForward(source, rawBody, normalized, format, legacy),
    legacyFields: presentLegacyFields(legacy),
  };
}

/**
 * What the callback gets for an event, rendered once when it arrives: the legacy body (a
 * legacy event byte for byte, a Workflows event as its legacyView), or the normalized result.
 */
export function renderForward(
  source: Source,
  rawBody: Uint8Array,
  normalized: NormalizedResult,
  format: ForwardFormat,
  legacy: unknown,
): NonNullable<NewEvent['forward']> {
  if (format === 'normalized') {
    return { format, body: encoder.encode(JSON.stringify(normalized)) };
  }
  if (source === 'legacy') return { format, body: rawBody };
  return { format, body: encoder.encode(JSON.stringify(legacy)) };
}
