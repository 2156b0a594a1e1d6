import { diffResults, type PairDiff } from '../../compare/diff/pair-diff.js';
import type { NormalizedResult, Source } from '../../normalize/normalized-schema.js';
import type { ComparisonTable } from '../../normalize/tables.js';
import { bucketOf } from './bucket.js';
import type { LoginCandidate } from './login.js';

/**
 * How an arriving (or newly scored) event is paired and compared: its counterpart within
 * COMPARE_WINDOW, diffed through mappings/comparison.yaml. Plain data, so it can travel in a
 * NewEvent to any backend; the store applies it with pickCounterpart and diffResults (compare/diff).
 */
export interface PairingRule {
  windowMs: number;
  comparison: ComparisonTable;
}

/**
 * The pair an event makes with `other` (the other source's result): which is legacy, which
 * Workflows, and how they compare.
 */
export function pairOf(
  source: NormalizedResult['source'],
  event: NormalizedResult,
  other: NormalizedResult,
  rule: Pick<PairingRule, 'comparison'>,
): { legacy: NormalizedResult; workflows: NormalizedResult; diff: PairDiff } {
  const [legacy, workflows] = source === 'legacy' ? [event, other] : [other, event];
  return { legacy, workflows, diff: diffResults(legacy, workflows, rule.comparison) };
}

/** How the two reports of a pair compare; null until both have a result (one waits for its score). */
export interface PairComparison {
  statusAgrees: boolean;
  reasonAgrees: boolean;
  kind: string | null;
  /** The differences, JSON. */
  differences: string;
}

/** A pair to store: the two reports of one login, one from each source. */
export interface NewPair {
  legacyId: string;
  workflowsId: string;
  /** When it was complete: when its second report arrived. */
  pairedAt: number;
  /** When its first report arrived: the login's time, which ranges count it by. */
  firstAt: number;
  /** Which source's report reaches the callback (null: neither, yet). */
  forwarded: Source | null;
  comparison: PairComparison | null;
  /** The customer's cut-over bucket, which the guard counts by; null without a customer. */
  bucket: number | null;
}

/** How two results of one login compare (null while one has none), through mappings/comparison.yaml. */
export function compareResults(
  source: Source,
  result: NormalizedResult | null,
  other: NormalizedResult | null,
  rule: Pick<PairingRule, 'comparison'>,
): PairComparison | null {
  if (!result || !other) return null;
  const { diff } = pairOf(source, result, other, rule);
  return {
    statusAgrees: diff.statusAgrees,
    reasonAgrees: diff.reasonAgrees,
    kind: diff.kind,
    differences: JSON.stringify(diff.differences),
  };
}

/**
 * The pair an arriving report makes with its login's other report (rules/login.ts picked it),
 * and which of the two the callback gets. Pure.
 */
export function newPair(
  event: {
    id: string;
    source: Source;
    receivedAt: number;
    customerId: string | null;
    normalized: NormalizedResult | null;
  },
  counterpart: LoginCandidate,
  rule: Pick<PairingRule, 'comparison'>,
  forwarded: Source | null,
): NewPair {
  const legacyFirst = event.source === 'legacy';
  const customerId = event.customerId ?? counterpart.customerId;
  return {
    legacyId: legacyFirst ? event.id : counterpart.id,
    workflowsId: legacyFirst ? counterpart.id : event.id,
    pairedAt: Math.max(event.receivedAt, counterpart.receivedAt),
    firstAt: Math.min(event.receivedAt, counterpart.receivedAt),
    forwarded,
    comparison: compareResults(event.source, event.normalized, counterpart.normalized, rule),
    bucket: customerId === null ? null : bucketOf(customerId),
  };
}
