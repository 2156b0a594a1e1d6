import { z } from 'zod';
import { lenient } from './lenient.js';

/**
 * Body of the onboarding status webhook: `{interviewId, externalId?, onboardingStatus}`. It
 * says nothing about the face result: that comes from GET /omni/get/score after
 * ONBOARDING_FINISHED. Other fields (Incode's test samples add `clientId` and `flowId`) are
 * kept as unknown fields and passed on.
 */
export const OnboardingStatusBody = z.looseObject({
  interviewId: z.string(),
  onboardingStatus: z.string().min(1),
  externalId: lenient(z.string()),
});

export type OnboardingStatusBody = z.infer<typeof OnboardingStatusBody>;
