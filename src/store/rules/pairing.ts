import { bucketOf } from '../../cutover/bucket.js';
import type { NormalizedResult, Source } from '../../normalize/normalized-schema.js';
import { type PairingRule, pairOf } from './pair-diff.js';

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

/** A stored result of the other source, as both stores read the candidates of a pairing. */
export interface CandidateRow {
  id: string;
  customer_id: string;
  interview_id: string | null;
  received_at: number;
  /** The normalized result, JSON. */
  normalized: string;
}

/** A pair to store. */
export interface NewPair {
  legacyId: string;
  workflowsId: string;
  /** When it was complete: when its second event arrived (an enriched event may be the earlier). */
  pairedAt: number;
  statusAgrees: boolean;
  reasonAgrees: boolean;
  kind: string | null;
  /** The differences, JSON. */
  differences: string;
  /** The customer's cut-over bucket, which the guard counts by (cutover/bucket.ts). */
  bucket: number;
}

/**
 * The pair an arriving result (with its customer id) makes with the nearest counterpart among
 * the other source's unpaired results, as each store reads them; null without one. Pure.
 */
export function newPair(
  event: { id: string; source: Source; receivedAt: number; normalized: NormalizedResult },
  customerId: string,
  candidates: readonly CandidateRow[],
  rule: PairingRule,
): NewPair | null {
  const match = pickCounterpart(
    {
      id: event.id,
      customerId,
      interviewId: event.normalized.ids.interviewId,
      receivedAt: event.receivedAt,
    },
    candidates.map((r) => ({
      id: r.id,
      customerId: r.customer_id,
      interviewId: r.interview_id,
      receivedAt: r.received_at,
      normalized: r.normalized,
    })),
    rule.windowMs,
  );
  if (!match) return null;
  const other = JSON.parse(match.normalized) as NormalizedResult;
  const { legacy, workflows, diff } = pairOf(event.source, event.normalized, other, rule);
  return {
    legacyId: legacy.eventId,
    workflowsId: workflows.eventId,
    pairedAt: Math.max(event.receivedAt, match.receivedAt),
    statusAgrees: diff.statusAgrees,
    reasonAgrees: diff.reasonAgrees,
    kind: diff.kind,
    differences: JSON.stringify(diff.differences),
    bucket: bucketOf(customerId),
  };
}
