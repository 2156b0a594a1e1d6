import { z } from 'zod';
import { guessed } from './lenient.js';

/**
 * Body of the Flows/Workflows session webhooks (Session Started, Progress, Succeeded, Failed,
 * Pending Review, Identity Enrolled). Incode's docs do not list their fields: only
 * `interviewId` is certain. The event name is read from `eventType` or `event`; the other
 * fields are what public integrations read: guesses, so a value of another type is ignored
 * (read as missing) rather than refused, and everything else is kept.
 */
export const SessionBody = z.looseObject({
  interviewId: z.string(),
  eventType: guessed(z.string()),
  event: guessed(z.string()),
  identityId: guessed(z.string()),
  customerId: guessed(z.string()),
  loginHint: guessed(z.string()),
  externalCustomerId: guessed(z.string()),
  error: guessed(
    z.looseObject({
      name: guessed(z.string()),
      message: guessed(z.string()),
    }),
  ),
});

export type SessionBody = z.infer<typeof SessionBody>;

/**
 * The event name in one spelling: `SESSION_SUCCEEDED` whether sent as `eventType`, `event`,
 * "Session Succeeded" or "session-succeeded"; null when the body names none.
 */
export function sessionEventName(body: SessionBody): string | null {
  // The first of the two that is a non-blank text (the body is the raw JSON: any type).
  const raw = [body.eventType, body.event].find(
    (value): value is string => typeof value === 'string' && value.trim() !== '',
  );
  if (raw === undefined) return null;
  return raw
    .trim()
    .replace(/[\s-]+/g, '_')
    .toUpperCase();
}
