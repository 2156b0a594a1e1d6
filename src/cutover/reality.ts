import type { LoginCounts } from '../store/figure-types.js';

/**
 * Which of the two realities of the migration the logins show. Incode publishes no migration
 * guide: a login may be reported by one webhook (users split between an app on the legacy SDK
 * and one on the Workflow) or by both (one authentication, two webhooks). faceauth-shim is right
 * in either; which one it is decides the path to take.
 */
export type Reality =
  /** No login in the range. */
  | 'none'
  /** Too few logins to tell. */
  | 'unclear'
  /** Only the legacy webhook reports logins. */
  | 'legacy-only'
  /** Only Workflows reports logins. */
  | 'workflows-only'
  /** Each login is reported by one webhook: users are split between app versions. */
  | 'split'
  /** Each login is reported by both webhooks. */
  | 'both'
  /** Some logins by both, many by one. */
  | 'mixed';

/** Fewer logins than this tell nothing about which reality it is. */
export const MIN_LOGINS_TO_TELL = 20;
/** A share of logins reported by both at or above this is the "both" reality; at or below 1 - this, "split". */
const CLEAR_SHARE = 0.9;

export interface RealityView {
  reality: Reality;
  /** The share of logins reported by both sources (null without logins). */
  bothShare: number | null;
  /** One sentence for people: what the figures say. */
  line: string;
  /** What to do next in this reality (a sentence, with the setting to use). */
  next: string;
}

const pct = (n: number) => `${(n * 100).toFixed(n > 0 && n < 0.01 ? 2 : 1)}%`;

/** The reality the counts show, and the path it asks for. Pure. */
export function realityOf(counts: LoginCounts): RealityView {
  const { total, bothSources, legacyOnly, workflowsOnly } = counts;
  const bothShare = total === 0 ? null : bothSources / total;
  const tally = `${total} logins: ${bothSources} reported by both webhooks, ${legacyOnly} by the legacy webhook only, ${workflowsOnly} by Workflows only`;
  const view = (reality: Reality, line: string, next: string): RealityView => ({
    reality,
    bothShare,
    line,
    next,
  });
  if (total === 0) {
    return view(
      'none',
      'no login in the range',
      'configure both webhooks to faceauth-shim (MIGRATION.md, "Which Incode webhooks to configure") and look again after a day',
    );
  }
  if (total < MIN_LOGINS_TO_TELL) {
    return view(
      'unclear',
      `${tally}: too few to tell which reality this is (at least ${MIN_LOGINS_TO_TELL})`,
      'keep FORWARD_SOURCE=both (each login reaches the callback once, from whichever webhook reports it first) and look again after more logins',
    );
  }
  if (bothSources === 0 && workflowsOnly === 0) {
    return view(
      'legacy-only',
      `${tally}: only the legacy webhook reports logins`,
      'configure the Face Authentication webhook (or move users to the app version on the Workflow); the comparison needs Workflows reports',
    );
  }
  if (bothSources === 0 && legacyOnly === 0) {
    return view(
      'workflows-only',
      `${tally}: only Workflows reports logins; the legacy webhook has gone quiet`,
      'set FORWARD_SOURCE=workflows (nothing is lost: a legacy report that still comes is forwarded after SHADOW_FALLBACK_AFTER)',
    );
  }
  const share = bothShare as number;
  if (share >= CLEAR_SHARE) {
    return view(
      'both',
      `${tally}: ${pct(share)} of logins are reported by both webhooks, so each login can be compared pair by pair`,
      'move customers to Workflows with the guarded plan (FORWARD_SOURCE_PLAN, or PUT /admin/forward-source {"plan":"1%,10%@2d,50%@7d,100%@14d"}), never all at once',
    );
  }
  if (share <= 1 - CLEAR_SHARE) {
    return view(
      'split',
      `${tally}: users are split between app versions, each login reported by one webhook (${pct(share)} by both)`,
      'use FORWARD_SOURCE=both: each login reaches the callback at once from whichever webhook reports it; judge Workflows by the populations (pass rates per source, each customer before and after), and set workflows once legacy-only logins are near zero',
    );
  }
  return view(
    'mixed',
    `${tally}: ${pct(share)} of logins are reported by both webhooks, the rest by one`,
    'use FORWARD_SOURCE=both while so many logins are one-sided; judge Workflows by the pairs and the populations together',
  );
}
