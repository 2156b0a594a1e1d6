import { z } from 'zod';
import { lenient } from './lenient.js';

/**
 * Body of the Flows/Workflows session webhooks (Session Started, Progress, Succeeded, Failed,
 * Pending Review, Identity Enrolled). Incode's docs do not list their fields: only
 * `interviewId` is certain. The event name is read from `eventType` or `event`; the other
 * fields are what public integrations read, all optional, and everything else is kept.
 */
export const SessionBody = z.looseObject({
  interviewId: z.string(),
  eventType: lenient(z.string()),
  event: lenient(z.string()),
  identityId: lenient(z.string()),
  customerId: lenient(z.string()),
  loginHint: lenient(z.string()),
  externalCustomerId: lenient(z.string()),
  error: lenient(
    z.looseObject({
      name: lenient(z.string()),
      message: lenient(z.string()),
    }),
  ),
});

export type SessionBody = z.infer<typeof SessionBody>;

/**
 * The event name in one spelling: `SESSION_SUCCEEDED` whether sent as `eventType`, `event`,
 * "Session Succeeded" or "session-succeeded"; null when the body names none.
 */
export function sessionEventName(body: SessionBody): string | null {
  const raw = body.eventType ?? body.event;
  if (typeof raw !== 'string' || raw.trim() === '') return null;
  return raw
    .trim()
    .replace(/[\s-]+/g, '_')
    .toUpperCase();
}
