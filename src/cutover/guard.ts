import type { PopulationFigures, StoredPair } from '../store/figure-types.js';
import { isMoved } from '../store/rules/bucket.js';
import type { Store } from '../store/store.js';
import { clearlyLower, type PassRate, passRate } from '../util/pass-rate.js';
import { percent } from './share.js';
import { advance, type CutoverState, rollBack } from './state.js';

/** What the guard and the plan go by (COMPARE_MIN_PAIRS, COMPARE_MIN_AGREEMENT, FORWARD_SOURCE_GUARD_*). */
export interface GuardSettings {
  minPairs: number;
  minAgreement: number;
  /**
   * FORWARD_SOURCE_GUARD_COUNTS: a pair disagrees when its status differs (`status`), or its
   * status or its reason (`reason`); differences mappings/comparison.yaml declares expected agree.
   */
  counts: 'status' | 'reason';
  /** The sliding window the guard looks at. */
  windowMs: number;
  /** COMPARE_WINDOW: how far apart the two events of a pair may be. */
  compareWindowMs: number;
}

/** A pair of a moved customer, as the guard sees it. */
export interface MovedPair {
  /** `legacyEventId/workflowsEventId` */
  id: string;
  /** When the pair was complete: the later of its two events. */
  at: number;
  agrees: boolean;
}

/**
 * The pairs of customers the share moves to Workflows, completed at or after `from`. A pair
 * agrees when both sources give the same status and reason (what the report's verdict counts).
 */
export function movedPairs(
  pairs: readonly StoredPair[],
  share: number,
  from: number,
  counts: GuardSettings['counts'] = 'reason',
): MovedPair[] {
  const moved: MovedPair[] = [];
  for (const pair of pairs) {
    const customerId = pair.legacy.customerId ?? pair.workflows.customerId;
    const at = Math.max(pair.legacy.receivedAt, pair.workflows.receivedAt);
    if (customerId === null || at < from || !isMoved(customerId, share)) continue;
    moved.push({
      id: `${pair.legacy.eventId}/${pair.workflows.eventId}`,
      at,
      agrees: pair.statusAgrees && (counts === 'status' || pair.reasonAgrees),
    });
  }
  return moved.sort((a, b) => a.at - b.at);
}

/** How many disagreeing pairs the guard names (in the warn log and the pause), oldest first. */
export const NAMED_PAIRS = 20;

export interface Agreement {
  pairs: number;
  agreeing: number;
  /** agreeing / pairs; null without pairs. */
  agreement: number | null;
  /** How many disagree. */
  disagreeing: number;
  /** The first NAMED_PAIRS of them, `legacyEventId/workflowsEventId`. */
  disagreeingIds: string[];
}

function agreement(pairs: number, agreeing: number, disagreeingIds: string[]): Agreement {
  return {
    pairs,
    agreeing,
    agreement: pairs === 0 ? null : agreeing / pairs,
    disagreeing: pairs - agreeing,
    disagreeingIds,
  };
}

/** The figures of some moved pairs (what the store counts, in SQL, from the pairs it keeps). */
export function agreementOf(pairs: readonly MovedPair[]): Agreement {
  const disagreeing = pairs.filter((p) => !p.agrees).map((p) => p.id);
  return agreement(
    pairs.length,
    pairs.length - disagreeing.length,
    disagreeing.slice(0, NAMED_PAIRS),
  );
}

/**
 * The moved customers as populations (their forwarded results since the share took effect),
 * against their own results before it and against the customers not moved over the same time:
 * what the guard goes by where logins are reported by one webhook and pairs are rare.
 */
export interface PopulationFacts {
  moved: PassRate;
  movedBefore: PassRate;
  notMoved: PassRate;
}

/** The population facts from the store's counts. */
export function populationFacts(figures: PopulationFigures): PopulationFacts {
  return {
    moved: passRate(figures.moved.pass, figures.moved.results),
    movedBefore: passRate(figures.movedBefore.pass, figures.movedBefore.results),
    notMoved: passRate(figures.notMoved.pass, figures.notMoved.results),
  };
}

const rateText = (r: PassRate) => `${share(r.rate ?? 0)} of ${r.results}`;

/**
 * Why the populations make the guard red, or null: the moved customers pass clearly fewer (95%
 * intervals apart) than they did before the share moved them AND than the customers not moved
 * do now, each over at least COMPARE_MIN_PAIRS results. Both, so that a bad hour for everyone
 * (an outage, a busy day) does not roll back the cut-over.
 */
export function populationAlarm(facts: PopulationFacts, settings: GuardSettings): string | null {
  const enough = [facts.moved, facts.movedBefore, facts.notMoved].every(
    (r) => r.results >= Math.max(settings.minPairs, 1),
  );
  if (!enough) return null;
  if (!clearlyLower(facts.moved, facts.movedBefore) || !clearlyLower(facts.moved, facts.notMoved)) {
    return null;
  }
  return `moved customers pass clearly fewer logins since the share moved them (${rateText(facts.moved)}) than before it (${rateText(facts.movedBefore)}) and than the customers not moved (${rateText(facts.notMoved)})`;
}

/** Why the guard is red, or null when it is green: a rate over a minimum sample, never a count. */
export function guardAlarm(window: Agreement, settings: GuardSettings): string | null {
  if (
    window.agreement !== null &&
    window.pairs >= Math.max(settings.minPairs, 1) &&
    window.agreement < settings.minAgreement
  ) {
    return `agreement ${share(window.agreement)} over ${window.pairs} pairs of moved customers in the guard window, below COMPARE_MIN_AGREEMENT=${settings.minAgreement}`;
  }
  return null;
}

const share = (value: number) => `${(value * 100).toFixed(1)}%`;

/** What the guard and the plan do now. */
export type CutoverAction =
  | { action: 'rollback'; next: CutoverState; reason: string; pairIds: string[] }
  | { action: 'advance'; next: CutoverState }
  | { action: 'wait'; reason: string };

export interface CutoverFacts {
  /** Moved customers' pairs in the guard window (completed since max(guardFrom, now - window)). */
  window: Agreement;
  /** Moved customers' pairs since the share in force was set. */
  sinceStep: Agreement;
  /** The moved customers as populations (absent where none was read: a share of 0% or 100%). */
  populations?: PopulationFacts;
}

/** Where the guard's window starts: its length back from now, not before `guardFrom`. */
export function windowStart(state: CutoverState, settings: GuardSettings, now: number): number {
  return Math.max(state.guardFrom, now - settings.windowMs);
}

/**
 * The guard's facts from a list of pairs: the moved customers' pairs in the guard's window,
 * and since the last step. The reference for what readFacts asks the store to count.
 */
export function factsOf(
  pairs: readonly StoredPair[],
  state: CutoverState,
  settings: GuardSettings,
  now: number,
): CutoverFacts {
  const from = windowStart(state, settings, now);
  return {
    window: agreementOf(movedPairs(pairs, state.share, from, settings.counts)),
    sinceStep: agreementOf(movedPairs(pairs, state.share, state.since, settings.counts)),
  };
}

/**
 * The guard's facts as the store counts them: two index ranges over the pairs it keeps, however
 * many events the window or the step holds (the guard looks every few seconds on every instance).
 */
export async function readFacts(
  store: Pick<Store, 'movedPairFigures' | 'populationFigures'>,
  state: CutoverState,
  settings: GuardSettings,
  now: number,
): Promise<CutoverFacts> {
  const count = async (from: number) => {
    const figures = await store.movedPairFigures({
      from,
      to: now + 1,
      belowBucket: state.share,
      ids: NAMED_PAIRS,
      counts: settings.counts,
    });
    return agreement(figures.pairs, figures.agreeing, figures.disagreeingIds);
  };
  // The populations since the share took effect (at most the guard's window back), against as
  // long before it; only where the share moves some customers and leaves others.
  const populations = async () => {
    if (state.share <= 0 || state.share >= 10_000) return undefined;
    const since = Math.max(state.since, now - settings.windowMs);
    const figures = await store.populationFigures({
      from: since - (now - since),
      since,
      to: now + 1,
      belowBucket: state.share,
    });
    return populationFacts(figures);
  };
  const [window, sinceStep, found] = await Promise.all([
    count(windowStart(state, settings, now)),
    count(state.since),
    populations(),
  ]);
  return found ? { window, sinceStep, populations: found } : { window, sinceStep };
}

/**
 * The guard first: a red guard rolls back to the last good step and pauses. Then the plan: its
 * next step is taken when its time has come, the guard is green, and the customers moved so far
 * have at least COMPARE_MIN_PAIRS pairs since the last step, agreeing as COMPARE_MIN_AGREEMENT
 * asks. Pure: the same state, facts and time always give the same answer, on every instance.
 */
export function nextAction(
  state: CutoverState,
  facts: CutoverFacts,
  settings: GuardSettings,
  now: number,
): CutoverAction {
  if (state.share > 0) {
    const alarm =
      guardAlarm(facts.window, settings) ??
      (facts.populations ? populationAlarm(facts.populations, settings) : null);
    if (alarm) {
      const cause = { reason: alarm, pairIds: facts.window.disagreeingIds };
      return { action: 'rollback', next: rollBack(state, cause, now), ...cause };
    }
  }
  const plan = state.plan;
  if (!plan)
    return { action: 'wait', reason: 'no plan: the share stays until an operator changes it' };
  if (state.paused) {
    return {
      action: 'wait',
      reason: `paused by the guard at ${new Date(state.paused.at).toISOString()} (${percent(state.paused.from)} back to ${percent(state.paused.to)}): ${state.paused.reason}; an operator resumes with POST /admin/forward-source/resume or \`faceauth-shim forward-source resume\``,
    };
  }
  const next = plan.steps[plan.step + 1];
  if (!next) return { action: 'wait', reason: 'the plan is complete' };
  if (now < next.at) {
    return {
      action: 'wait',
      reason: `the step to ${percent(next.share)} is not due before ${new Date(next.at).toISOString()}`,
    };
  }
  // The first step moves customers who have no pairs yet: only its time counts.
  if (state.share > 0) {
    const since = facts.sinceStep;
    if (since.pairs < settings.minPairs) {
      return {
        action: 'wait',
        reason: `${since.pairs} of ${settings.minPairs} pairs (COMPARE_MIN_PAIRS) among moved customers since ${new Date(state.since).toISOString()}`,
      };
    }
    if (since.agreement !== null && since.agreement < settings.minAgreement) {
      return {
        action: 'wait',
        reason: `agreement ${share(since.agreement)} among moved customers since the last step is below COMPARE_MIN_AGREEMENT=${settings.minAgreement}`,
      };
    }
  }
  return { action: 'advance', next: advance(state, now) };
}
