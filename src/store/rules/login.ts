import type { NormalizedResult, Source } from '../../normalize/normalized-schema.js';
import type { EventStatus } from './statuses.js';

/**
 * A login is one face authentication attempt. Incode may report it through the legacy webhook,
 * through a Workflows webhook, or through both; this file is the one definition of "the same
 * login" that forwarding, pairing, the report and the guard all go by.
 */
export interface LoginIds {
  source: Source;
  customerId: string | null;
  interviewId: string | null;
  /** Milliseconds since the epoch. */
  receivedAt: number;
}

/**
 * Whether two reports are the same login: one from each source, received within `windowMs`
 * (COMPARE_WINDOW) of each other, and
 * - the same interview where both carry an interview id (and not two different customers);
 * - the same customer where one of them carries no interview id (a legacy failure drops it).
 * A legacy report without an interview id and a Workflows report without a customer share
 * nothing to match on: they are never the same login.
 */
export function isSameLogin(a: LoginIds, b: LoginIds, windowMs: number): boolean {
  if (a.source === b.source) return false;
  if (Math.abs(a.receivedAt - b.receivedAt) > windowMs) return false;
  if (a.customerId !== null && b.customerId !== null && a.customerId !== b.customerId) return false;
  if (a.interviewId !== null && b.interviewId !== null) return a.interviewId === b.interviewId;
  return a.customerId !== null && a.customerId === b.customerId;
}

/**
 * Where a login's other report may be, as a store looks it up (an index lookup, not a read of
 * the window): the other source, received within the window, the same customer or the same
 * interview. A superset: isSameLogin decides among what it finds.
 */
export interface CounterpartQuery {
  source: Source;
  customerId: string | null;
  interviewId: string | null;
  from: number;
  to: number;
}

export function counterpartQuery(event: LoginIds, windowMs: number): CounterpartQuery {
  return {
    source: event.source === 'legacy' ? 'workflows' : 'legacy',
    customerId: event.customerId,
    interviewId: event.interviewId,
    from: event.receivedAt - windowMs,
    to: event.receivedAt + windowMs,
  };
}

/**
 * What became of a stored report, as far as the callback is concerned:
 * - forwarded: it reached, or will reach, the callback (pending, delivered, dead; or waiting for
 *   its score and then forwarded); or an operator cancelled it, deciding that login: its other
 *   report is not forwarded in its place;
 * - waiting: not forwarded yet, it waits for its login's other report until its fallback time
 *   (SHADOW_FALLBACK_AFTER), and is forwarded alone if none comes;
 * - shadowed: stored and compared, never forwarded.
 */
export type Fate = 'forwarded' | 'waiting' | 'shadowed';

/**
 * A stored report's fate from its row: the status, whether it was not to be forwarded when it
 * arrived (`shadowed`), and its fallback time. Null for what is not a login's result
 * (informational, superseded).
 */
export function fateOf(row: {
  status: EventStatus;
  shadowed: boolean;
  fallbackAt: number | null;
}): Fate | null {
  switch (row.status) {
    case 'pending':
    case 'delivered':
    case 'dead':
    case 'cancelled':
      return 'forwarded';
    case 'shadowed':
      return row.fallbackAt !== null ? 'waiting' : 'shadowed';
    case 'enriching':
      if (!row.shadowed) return 'forwarded';
      return row.fallbackAt !== null ? 'waiting' : 'shadowed';
    default:
      return null;
  }
}

/** A stored report that is not matched to a login's other report yet, as the stores read it. */
export interface LoginCandidate extends LoginIds {
  id: string;
  fate: Fate;
  /** Still waiting for its score: no result yet (ONBOARDING_FINISHED before its score). */
  normalized: NormalizedResult | null;
  /** Its status: a waiting report still to be scored is released by forwarding it once scored. */
  status: EventStatus;
}

/**
 * The other report of `event`'s login among the stored, unmatched reports: an interview match
 * first, then the nearest in time; ties go to the one listed first (the stores list them oldest
 * first). Undefined when none is the same login. Pure.
 */
export function pickCounterpart<T extends LoginIds>(
  event: LoginIds,
  candidates: readonly T[],
  windowMs: number,
): T | undefined {
  let best: T | undefined;
  let bestScore = Number.POSITIVE_INFINITY;
  for (const candidate of candidates) {
    if (!isSameLogin(event, candidate, windowMs)) continue;
    const sameInterview = event.interviewId !== null && event.interviewId === candidate.interviewId;
    const score =
      (sameInterview ? 0 : windowMs + 1) + Math.abs(event.receivedAt - candidate.receivedAt);
    if (score < bestScore) {
      best = candidate;
      bestScore = score;
    }
  }
  return best;
}
