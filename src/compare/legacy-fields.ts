import { getPath } from '../normalize/paths.js';

/**
 * Fields a callback may have read from the legacy webhook that the Face Authentication
 * webhook does not provide; the report counts how often they were there and then missing.
 */
export const LEGACY_ONLY_FIELDS = [
  'transactionId',
  'token',
  'interviewToken',
  'secondFactor',
  'children',
  'spoofConfidence',
  'recognitionConfidence.confidence',
  'recognitionConfidence.candidates',
  'overallScore',
] as const;

/** Which of LEGACY_ONLY_FIELDS a legacy-shaped body carries (a value other than null). */
export function presentLegacyFields(body: unknown): string[] {
  return LEGACY_ONLY_FIELDS.filter((field) => {
    const value = getPath(body, field);
    return value !== undefined && value !== null;
  });
}
