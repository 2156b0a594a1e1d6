import { daysLeft, timeLeft } from '../cutover/deadlines.js';
import type { RealityView } from '../cutover/reality.js';
import type { LoginCounts } from '../store/figure-types.js';
import type { Populations } from './populations.js';
import type { ComparisonReport } from './report-schema.js';

/**
 * Pairs speak for the logins when at least this share of them was reported by both webhooks;
 * below it, most logins were never compared on the same authentication and the verdict rests on
 * the populations.
 */
export const MIN_PAIR_COVERAGE = 0.5;

const percent = (value: number) => `${(value * 100).toFixed(1)}%`;
const plural = (n: number, one: string, many: string) => `${n} ${n === 1 ? one : many}`;

export interface VerdictFacts {
  thresholds: { minPairs: number; minAgreement: number };
  workflowsEvents: number;
  workflowsDead: number;
  pairs: { count: number; statusAgreement: number | null; reasonAgreement: number | null };
  logins: LoginCounts & Pick<RealityView, 'reality'>;
  populations: Populations;
  now: number;
}

/**
 * Whether moving customers to Workflows is safe, judged as a reviewer would: by the pairs where
 * logins are reported by both webhooks and pairs cover most of them; otherwise by the
 * populations (pass rates per source, the same customers before and after), saying plainly that
 * pair-level evidence is missing. Never "safe" from a handful of agreeing pairs among many
 * one-sided logins. Pure.
 */
export function judge(facts: VerdictFacts): ComparisonReport['verdict'] {
  const { thresholds, pairs, logins, populations } = facts;
  const { minPairs, minAgreement } = thresholds;
  const reasons: string[] = [];
  if (facts.workflowsEvents === 0) reasons.push('no Workflows events in the range');
  const coverage = logins.total === 0 ? 0 : logins.bothSources / logins.total;
  const pairEvidence = pairs.count >= minPairs && coverage >= MIN_PAIR_COVERAGE;
  const { legacy, workflows } = populations.passRate;
  const same = populations.sameCustomers;
  // The populations speak for a switch only with customers seen on both sides: a population of
  // users still on the legacy SDK says nothing of how Workflows treats them.
  const populationEvidence =
    legacy.results >= minPairs && workflows.results >= minPairs && same.customers >= minPairs;
  let evidence: 'pairs' | 'populations' | 'none' = 'none';
  let note: string | null = null;
  if (pairEvidence) evidence = 'pairs';
  else {
    note =
      logins.total === 0
        ? 'no login in the range'
        : `pair-level evidence is missing: pairs cover ${percent(coverage)} of the ${logins.total} logins (${logins.legacyOnly} reported by the legacy webhook only, ${logins.workflowsOnly} by Workflows only), so the two products were not compared on the same authentication for most logins; the verdict rests on the populations (pass rates per source, the same customers before and after), which show a difference between the products only on average and can hide one for some users`;
    if (populationEvidence) evidence = 'populations';
    else {
      reasons.push(
        `not enough evidence: ${plural(pairs.count, 'pair', 'pairs')} (${percent(coverage)} of logins; at least ${minPairs} pairs covering ${percent(MIN_PAIR_COVERAGE)} of logins, COMPARE_MIN_PAIRS), and ${plural(same.customers, 'customer', 'customers')} seen under legacy before and Workflows after (at least ${minPairs}, with ${minPairs} results of each source)`,
      );
    }
  }
  // The pairs there are: what they say holds whatever their number.
  if (pairs.statusAgreement !== null && pairs.statusAgreement < minAgreement) {
    reasons.push(
      `status agrees in ${percent(pairs.statusAgreement)} of pairs; at least ${percent(minAgreement)} needed (COMPARE_MIN_AGREEMENT)`,
    );
  }
  if (pairs.reasonAgreement !== null && pairs.reasonAgreement < minAgreement) {
    reasons.push(
      `reason agrees in ${percent(pairs.reasonAgreement)} of pairs (differences mappings/comparison.yaml declares equivalent count as agreeing); at least ${percent(minAgreement)} needed (COMPARE_MIN_AGREEMENT)`,
    );
  }
  if (populations.passRate.workflowsClearlyLower) {
    reasons.push(
      `Workflows passes clearly fewer logins: ${rateText(workflows)} against ${rateText(legacy)} for legacy (95% intervals apart)`,
    );
  }
  if (same.workflowsClearlyLower) {
    reasons.push(
      `the same ${same.customers} customers pass clearly fewer under Workflows (${rateText(same.workflowsAfter)}) than they did under legacy before (${rateText(same.legacyBefore)})`,
    );
  }
  if (facts.workflowsDead > 0) {
    reasons.push(
      `${plural(facts.workflowsDead, 'Workflows event', 'Workflows events')} could not be delivered (dead)`,
    );
  }
  const safe = reasons.length === 0;
  return {
    safe,
    line: safe ? 'safe to switch' : `not safe to switch: ${reasons.join('; ')}`,
    reasons,
    evidence,
    note,
    daysLeft: daysLeft(facts.now),
    timeLeft: timeLeft(facts.now),
  };
}

function rateText(rate: {
  rate: number | null;
  low: number | null;
  high: number | null;
  results: number;
}) {
  if (rate.rate === null) return 'no results';
  return `${percent(rate.rate)} of ${rate.results} (${percent(rate.low ?? 0)} to ${percent(rate.high ?? 1)})`;
}
