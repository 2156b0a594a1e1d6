import { z } from 'zod';
import { lenient } from './lenient.js';

const LegacyCandidate = z.looseObject({
  identityId: lenient(z.string()),
  confidence: lenient(z.number()),
});

/**
 * Body of the legacy Authentication Webhook 1:1 (and its 1:N sibling). Strict about the type of
 * every field we know, lenient about its presence (only `customerId`, `faceMatch` and
 * `overallStatus` are always there), unknown fields kept.
 */
export const LegacyAuthenticationBody = z.looseObject({
  customerId: z.string(),
  faceMatch: z.boolean(),
  overallStatus: z.enum(['PASS', 'FAIL']),
  token: lenient(z.string()),
  interviewId: lenient(z.string()),
  interviewToken: lenient(z.string()),
  transactionId: lenient(z.string()),
  spoofAttempt: lenient(z.boolean()),
  secondFactor: lenient(z.boolean()),
  children: lenient(z.array(z.unknown())),
  hasFaceMask: lenient(z.boolean()),
  hasLenses: lenient(z.boolean()),
  spoofConfidence: lenient(z.number()),
  recognitionConfidence: lenient(
    z.looseObject({
      confidence: lenient(z.number()),
      candidates: lenient(z.array(LegacyCandidate)),
    }),
  ),
  overallScore: lenient(z.number()),
  error: lenient(z.string()),
  errorCode: lenient(z.number().int()),
  errorMessage: lenient(z.string()),
});

export type LegacyAuthenticationBody = z.infer<typeof LegacyAuthenticationBody>;
