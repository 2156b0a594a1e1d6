import type { z } from 'zod';
import { FaceAuthenticationBody } from '../intake/face-authentication-schema.js';
import { LegacyAuthenticationBody } from '../intake/legacy-schema.js';
import {
  type AuthStatus,
  emptyResult,
  type NormalizedResult,
  type Source,
} from './normalized-schema.js';
import { getPath, setPath } from './paths.js';
import type { ReasonCode } from './reason-codes.js';
import { unknownPart } from './schema-paths.js';
import type { LegacyToNormalizedTable, WorkflowsToNormalizedTable } from './tables.js';

/** What faceauth-shim itself knows of an event, as opposed to what the source said. */
export interface EventMeta {
  eventId: string;
  receivedAt: string;
}

// Pure functions: a source body and the tables in, the normalized result out.

export function normalizeLegacy(
  body: LegacyAuthenticationBody,
  table: LegacyToNormalizedTable,
  meta: EventMeta,
): NormalizedResult {
  const result = fromFields('legacy', body, table.fields, meta, LegacyAuthenticationBody);
  result.reason = legacyReason(body, result, table);
  return result;
}

export function normalizeWorkflows(
  body: FaceAuthenticationBody,
  table: WorkflowsToNormalizedTable,
  meta: EventMeta,
): NormalizedResult {
  const result = fromFields('workflows', body, table.fields, meta, FaceAuthenticationBody);
  if (result.status === 'PASS') return result;
  result.reason = workflowsReason(result, table);
  return result;
}

/**
 * Why a Workflows FAIL failed, from its error.name; also sets what the name itself states
 * (SPOOF_DETECTED: a spoof attempt), which holds for a failure only.
 */
export function workflowsReason(
  result: NormalizedResult,
  table: WorkflowsToNormalizedTable,
): ReasonCode {
  const name = result.error.name;
  if (name === null) return table.reasons.failureWithoutReason;
  const rule = Object.hasOwn(table.reasons.errorNames, name)
    ? table.reasons.errorNames[name]
    : undefined;
  for (const [target, value] of Object.entries(rule?.sets ?? {})) {
    setPath(result as unknown as Record<string, unknown>, target, value);
  }
  return rule?.reason ?? table.reasons.unknownErrorName;
}

function legacyReason(
  body: LegacyAuthenticationBody,
  result: NormalizedResult,
  table: LegacyToNormalizedTable,
): ReasonCode | null {
  if (result.status === 'PASS') return null;
  const { reasons } = table;
  const code = result.error.code;
  if (code !== null) {
    const key = String(code);
    return Object.hasOwn(reasons.errorCodes, key)
      ? (reasons.errorCodes[key] as ReasonCode)
      : reasons.unknownErrorCode;
  }
  if (result.error.name !== null || result.error.message !== null) return reasons.unknownErrorCode;
  const flagged = reasons.failureFlags.find((rule) => getPath(body, rule.field) === true);
  return flagged ? flagged.reason : reasons.failureWithoutReason;
}

function fromFields(
  source: Source,
  body: Record<string, unknown>,
  fields: Record<string, string>,
  meta: EventMeta,
  schema: z.ZodType,
): NormalizedResult {
  const status = getPath(body, fields.status ?? 'overallStatus') as AuthStatus;
  const result = emptyResult({ ...meta, source, status });
  const writable = result as unknown as Record<string, unknown>;
  for (const [target, from] of Object.entries(fields)) {
    const value = getPath(body, from);
    if (value !== undefined && value !== null) setPath(writable, target, value);
  }
  result.unknownFields = unknownPart(body, schema);
  return result;
}
