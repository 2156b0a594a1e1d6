import { z } from 'zod';
import { guessed, lenient } from '../intake/lenient.js';

// The answer of Incode's `GET /omni/get/score?id=<interviewId>` and of its errors. Known
// from Incode's samples, not from a published schema: every part may be missing, unknown
// fields are kept, an unknown status is carried rather than rejected (Incode adds statuses).

/** The statuses Incode documents for a score; others are accepted as they come. */
export const SCORE_STATUSES = [
  'OK',
  'WARN',
  'FAIL',
  'UNKNOWN',
  'MANUAL',
  'MANUAL_OK',
  'MANUAL_FAIL',
  'MANUAL_PENDING',
] as const;

/**
 * A score as Incode writes it: a string number on 0..100 such as "89.2". Kept a string (the
 * conversion to the legacy 0..1 happens where it is mapped); a plain JSON number, should
 * Incode ever send one, is turned into the same string form instead of failing the answer.
 */
const ScoreNumber = z.union([z.string(), z.number().transform(String)]);

/** `{value, status}`, the shape of every scored part. */
export const ScoreValue = z.looseObject({
  value: guessed(ScoreNumber),
  status: guessed(z.string()),
});

export type ScoreValue = z.infer<typeof ScoreValue>;

/** The score of a face-authentication session, every part optional. */
export const Score = z.looseObject({
  authentication: guessed(
    z.looseObject({
      overall: guessed(ScoreValue),
      /** Incode's own check: it equals the identity the session was meant to authenticate. */
      identityId: guessed(z.string()),
    }),
  ),
  liveness: guessed(
    z.looseObject({
      overall: guessed(ScoreValue),
      physicalAttack: guessed(ScoreValue),
      livenessScore: guessed(ScoreValue),
      /** How spoofing was looked for, e.g. "SF". */
      spoofDetectionMethod: guessed(z.string()),
    }),
  ),
  deviceRisk: guessed(
    z.looseObject({
      overall: guessed(ScoreValue),
    }),
  ),
  reasonMsg: guessed(z.string()),
  overall: guessed(ScoreValue),
});

export type Score = z.infer<typeof Score>;

/**
 * Incode's error body, `{timestamp, status, error, message, path}` (Spring's). Read only to
 * say what went wrong, so nothing in it is required and a number may come as a string.
 */
export const IncodeErrorBody = z.looseObject({
  timestamp: lenient(z.union([z.string(), z.number()])),
  status: lenient(z.union([z.number(), z.string()])),
  error: lenient(z.string()),
  message: lenient(z.string()),
  path: lenient(z.string()),
});

export type IncodeErrorBody = z.infer<typeof IncodeErrorBody>;
