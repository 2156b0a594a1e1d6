import { z } from 'zod';
import { SOURCES, WEBHOOK_KINDS } from '../intake/webhook-kinds.js';
import { ReasonCode } from './reason-codes.js';

export { SOURCES };
export const Source = z.enum(SOURCES);
export type Source = z.infer<typeof Source>;

export const AuthStatus = z.enum(['PASS', 'FAIL']);
export type AuthStatus = z.infer<typeof AuthStatus>;

const text = z.string().nullable();
const flag = z.boolean().nullable();
const score = z.number().nullable();

export const Candidate = z.looseObject({
  identityId: z.string().nullish(),
  confidence: z.number().nullish(),
});

/**
 * The normalized result, version 1: everything either source says about one face
 * authentication. A value the source did not send is `null`, never a guess.
 */
export const NormalizedResult = z
  .object({
    version: z.literal(1).describe('Version of this format.'),
    eventId: z.string().describe('faceauth-shim event id; also sent as X-Faceauth-Event-Id.'),
    receivedAt: z.iso.datetime().describe('When faceauth-shim accepted the webhook (UTC).'),
    source: Source.describe('Which Incode webhook produced this result.'),
    status: AuthStatus.describe('Outcome of the authentication.'),
    reason: ReasonCode.nullable().describe('Why it failed, in one vocabulary; null on PASS.'),
    ids: z.object({
      customerId: text.describe('Incode identity id (legacy customerId, Workflows customerId).'),
      interviewId: text.describe('Incode session id.'),
      transactionId: text.describe('Legacy only.'),
      externalCustomerId: text.describe('Workflows only: your own id for the customer.'),
      hint: text.describe('Workflows only: the authentication hint (identity id, email or phone).'),
    }),
    error: z
      .object({
        code: z.number().int().nullable().describe('Legacy errorCode.'),
        name: text.describe('Legacy error text, or Workflows error.name.'),
        message: text.describe('Legacy errorMessage, or Workflows error.message.'),
      })
      .describe('The error fields exactly as the source sent them.'),
    faceMatch: flag,
    spoof: z.object({ attempt: flag, confidence: score.describe('0..1') }),
    recognition: z.object({
      confidence: score.describe('0..1'),
      candidates: z.array(Candidate).nullable(),
    }),
    overallScore: score.describe('0..1'),
    flags: z.object({ faceMask: flag, lenses: flag, headCover: flag }),
    attempts: z.object({
      max: z.number().int().nullable(),
      remaining: z.number().int().nullable(),
    }),
    secondFactor: flag,
    children: z.array(z.unknown()).nullable(),
    tokens: z.object({ token: text, interviewToken: text }),
    unknownFields: z
      .record(z.string(), z.unknown())
      .describe('Top-level fields the source sent that this format has no place for, as sent.'),
    trigger: z
      .object({
        webhook: z.enum(WEBHOOK_KINDS).describe('Which Incode webhook carried the event.'),
        event: text.describe(
          'The session event (SESSION_SUCCEEDED, ...) or onboarding status (ONBOARDING_FINISHED); null for the other webhooks.',
        ),
      })
      .describe('What Incode sent.'),
    enrichment: z
      .object({
        state: z
          .enum(['none', 'scored', 'unavailable'])
          .describe(
            'none: not asked (a legacy event carries its own numbers, or the Incode API is not configured); scored: completed from GET /omni/get/score; unavailable: asked, but no score came within ENRICH_MAX_WAIT (the numbers are null, never invented).',
          ),
        scoreStatus: text.describe('overall.status of the score (OK, WARN, FAIL, MANUAL_*, ...).'),
      })
      .describe('Whether the numbers were fetched from the Incode API.'),
  })
  .strict();

export type NormalizedResult = z.infer<typeof NormalizedResult>;

/** The normalized result with every source-provided value still unknown. */
export function emptyResult(
  meta: Pick<NormalizedResult, 'eventId' | 'receivedAt' | 'source' | 'status'> &
    Partial<Pick<NormalizedResult, 'trigger'>>,
): NormalizedResult {
  const { trigger, ...envelope } = meta;
  return {
    version: 1,
    ...envelope,
    reason: null,
    ids: {
      customerId: null,
      interviewId: null,
      transactionId: null,
      externalCustomerId: null,
      hint: null,
    },
    error: { code: null, name: null, message: null },
    faceMatch: null,
    spoof: { attempt: null, confidence: null },
    recognition: { confidence: null, candidates: null },
    overallScore: null,
    flags: { faceMask: null, lenses: null, headCover: null },
    attempts: { max: null, remaining: null },
    secondFactor: null,
    children: null,
    tokens: { token: null, interviewToken: null },
    unknownFields: {},
    trigger: trigger ?? {
      webhook: meta.source === 'legacy' ? 'legacy' : 'face-authentication',
      event: null,
    },
    enrichment: { state: 'none', scoreStatus: null },
  };
}
