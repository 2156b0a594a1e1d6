import { z } from 'zod';
import { lenient } from './lenient.js';

/**
 * Body of the Face Authentication webhook of Incode Workflows/Flows. Only `interviewId` and
 * `overallStatus` are always there; an unknown `error.name` is carried, not rejected.
 */
export const FaceAuthenticationBody = z.looseObject({
  interviewId: z.string(),
  overallStatus: z.enum(['PASS', 'FAIL']),
  customerId: lenient(z.string()),
  externalCustomerId: lenient(z.string()),
  hint: lenient(z.string()),
  attemptCounterState: lenient(
    z.looseObject({
      max: lenient(z.number().int()),
      remaining: lenient(z.number().int()),
    }),
  ),
  error: lenient(
    z.looseObject({
      name: z.string(),
      message: lenient(z.string()),
    }),
  ),
});

export type FaceAuthenticationBody = z.infer<typeof FaceAuthenticationBody>;
