import { LegacyAuthenticationBody } from '../intake/legacy-schema.js';
import type { NormalizedResult } from './normalized-schema.js';
import { getPath, setPath } from './paths.js';
import { mergeMissing } from './schema-paths.js';
import type { NormalizedToLegacyTable, TextSpec } from './tables.js';

const LEGACY_FIELDS: ReadonlySet<string> = new Set(Object.keys(LegacyAuthenticationBody.shape));

/**
 * Renders a normalized result as the body of the legacy Authentication Webhook 1:1, so a
 * callback written for that webhook needs no change. Pure: the table decides every field.
 */
export function renderLegacy(
  result: NormalizedResult,
  table: NormalizedToLegacyTable,
): Record<string, unknown> {
  const body: Record<string, unknown> = {};
  for (const rule of table.fields) {
    let value = rule.from === undefined ? undefined : getPath(result, rule.from);
    if (value === undefined || value === null) value = rule.defaultByStatus?.[result.status];
    if (value === undefined || value === null) value = rule.default;
    if (value !== undefined && value !== null) setPath(body, rule.legacy, structuredClone(value));
  }
  Object.assign(body, legacyErrorFields(result, table));
  // An unknown field never takes the name of a legacy field (a Workflows `error` object's
  // extra keys must not turn the legacy `error` text into an object).
  if (table.passThroughUnknownFields) mergeMissing(body, result.unknownFields, LEGACY_FIELDS);
  return body;
}

function legacyErrorFields(
  result: NormalizedResult,
  table: NormalizedToLegacyTable,
): Record<string, unknown> {
  if (result.reason === null) return {};
  const { error } = result;
  if (error.code !== null) {
    // The source was the legacy webhook itself: its own spelling wins over the table.
    return withoutNulls({ error: error.name, errorCode: error.code, errorMessage: error.message });
  }
  const rule = table.errors[result.reason];
  if (rule === 'none') return {};
  return withoutNulls({
    error: text(result, rule.error),
    errorCode: rule.errorCode,
    errorMessage: rule.errorMessage === undefined ? null : text(result, rule.errorMessage),
  });
}

function text(result: NormalizedResult, spec: TextSpec): string | null {
  if (typeof spec === 'string') return spec;
  const value = getPath(result, spec.from);
  if (typeof value === 'string') return value;
  return spec.default ?? null;
}

function withoutNulls(fields: Record<string, unknown>): Record<string, unknown> {
  return Object.fromEntries(Object.entries(fields).filter(([, value]) => value !== null));
}
