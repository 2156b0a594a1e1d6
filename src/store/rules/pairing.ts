/** What pairing needs to know of an event. */
export interface PairingCandidate {
  id: string;
  customerId: string | null;
  interviewId: string | null;
  receivedAt: number;
}

/**
 * Whether two events of different sources describe the same authentication: the same
 * customer, the same interview where both carry one, received within `windowMs` of each other.
 */
export function isCounterpart(a: PairingCandidate, b: PairingCandidate, windowMs: number): boolean {
  if (a.customerId === null || a.customerId !== b.customerId) return false;
  if (a.interviewId !== null && b.interviewId !== null && a.interviewId !== b.interviewId)
    return false;
  return Math.abs(a.receivedAt - b.receivedAt) <= windowMs;
}

/**
 * The counterpart of `event` among the other source's unpaired events: the one received
 * nearest in time (an interview match first, when both carry one), or undefined. Pure.
 */
export function pickCounterpart<T extends PairingCandidate>(
  event: PairingCandidate,
  candidates: readonly T[],
  windowMs: number,
): T | undefined {
  let best: T | undefined;
  let bestScore = Number.POSITIVE_INFINITY;
  for (const candidate of candidates) {
    if (!isCounterpart(event, candidate, windowMs)) continue;
    const sameInterview = event.interviewId !== null && event.interviewId === candidate.interviewId;
    // An interview match beats any distance; then the nearest; ties go to the candidate listed
    // first (the store lists them oldest first).
    const score =
      (sameInterview ? 0 : windowMs + 1) + Math.abs(event.receivedAt - candidate.receivedAt);
    if (score < bestScore) {
      best = candidate;
      bestScore = score;
    }
  }
  return best;
}
