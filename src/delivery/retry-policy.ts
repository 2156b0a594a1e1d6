import type { DeliveryOutcome } from './callback-client.js';

/** A Retry-After longer than this is not waited for in full. */
export const MAX_RETRY_AFTER_MS = 60 * 60 * 1000;
/** Each scheduled delay is moved by up to this share, either way, so retries do not come in waves. */
export const JITTER = 0.2;

export type Verdict =
  | { kind: 'delivered' }
  | { kind: 'retry'; delayMs: number }
  | { kind: 'dead'; why: string };

/**
 * What to do after one attempt (pure). `attempt` counts from 1 in this round; `schedule`
 * holds the delays between attempts: N delays, N + 1 attempts. `random` is in [0, 1).
 */
export function decide(
  outcome: Pick<DeliveryOutcome, 'ok' | 'statusCode' | 'retryAfterMs'>,
  attempt: number,
  schedule: readonly number[],
  random: number,
): Verdict {
  if (outcome.ok) return { kind: 'delivered' };
  if (outcome.statusCode === 410) return { kind: 'dead', why: 'the callback answered 410 Gone' };
  const delay = schedule[attempt - 1];
  if (delay === undefined) return { kind: 'dead', why: `no attempts left after ${attempt}` };
  const jittered = Math.round(delay * (1 - JITTER + 2 * JITTER * random));
  const retryAfter = Math.min(outcome.retryAfterMs ?? 0, MAX_RETRY_AFTER_MS);
  return { kind: 'retry', delayMs: Math.max(jittered, retryAfter) };
}
