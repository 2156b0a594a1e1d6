import type { DeliveryOutcome } from './callback-client.js';

/** A Retry-After longer than this is not waited for in full. */
export const MAX_RETRY_AFTER_MS = 60 * 60 * 1000;
/** Each scheduled delay is moved by up to this share, either way, so retries do not come in waves. */
export const JITTER = 0.2;

/**
 * Answers that refuse this body itself (malformed, unknown resource, not allowed, too large,
 * wrong type, unprocessable): the same bytes sent again get the same answer, so the event dies
 * after PERMANENT_ATTEMPTS instead of retrying for hours. Not 401 or 403: credentials are ours
 * to fix (CALLBACK_HEADERS, CALLBACK_OAUTH_*) and then every event goes through, so they are
 * retried on the schedule like 408, 425, 429, 5xx, a timeout and anything else.
 */
export const PERMANENT_STATUSES: ReadonlySet<number> = new Set([400, 404, 405, 413, 415, 422]);

/**
 * Attempts a permanent refusal gets: more than one, so a callback that answers 404 for a moment
 * (a deploy) does not kill what it is sent then.
 */
export const PERMANENT_ATTEMPTS = 3;

export type Verdict =
  | { kind: 'delivered' }
  | { kind: 'retry'; delayMs: number }
  | { kind: 'dead'; why: string };

/**
 * What to do after one attempt (pure). `attempt` counts from 1 in this round; `schedule`
 * holds the delays between attempts: N delays, N + 1 attempts. `random` is in [0, 1).
 * 410 is dead at once; a permanent refusal (PERMANENT_STATUSES) at its PERMANENT_ATTEMPTS-th
 * attempt; anything else when the schedule is used up.
 */
export function decide(
  outcome: Pick<DeliveryOutcome, 'ok' | 'statusCode' | 'retryAfterMs'>,
  attempt: number,
  schedule: readonly number[],
  random: number,
): Verdict {
  if (outcome.ok) return { kind: 'delivered' };
  if (outcome.statusCode === 410) return { kind: 'dead', why: 'the callback answered 410 Gone' };
  if (
    outcome.statusCode !== null &&
    PERMANENT_STATUSES.has(outcome.statusCode) &&
    attempt >= PERMANENT_ATTEMPTS
  ) {
    return {
      kind: 'dead',
      why: `the callback refused it ${attempt} times (HTTP ${outcome.statusCode}): a permanent refusal`,
    };
  }
  const delay = schedule[attempt - 1];
  if (delay === undefined) return { kind: 'dead', why: `no attempts left after ${attempt}` };
  const jittered = Math.round(delay * (1 - JITTER + 2 * JITTER * random));
  const retryAfter = Math.min(outcome.retryAfterMs ?? 0, MAX_RETRY_AFTER_MS);
  return { kind: 'retry', delayMs: Math.max(jittered, retryAfter) };
}
