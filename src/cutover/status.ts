import {
  type ForwardMode,
  legacyForwarded,
  sourceText,
  workflowsShare,
} from '../config/forward-source.js';
import type { Store } from '../store/store.js';
import { daysLeft, timeLeft } from './deadlines.js';
import {
  type CutoverFacts,
  type GuardSettings,
  nextAction,
  readFacts,
  windowStart,
} from './guard.js';
import { percent } from './share.js';

const iso = (ms: number) => new Date(ms).toISOString();

/**
 * Where the cut-over stands, as GET /admin/forward-source and `faceauth-shim forward-source show`
 * print it: the share, the plan and its steps, the guard's figures, and why the plan waits.
 */
export function statusView(
  mode: ForwardMode,
  facts: CutoverFacts | undefined,
  settings: GuardSettings,
  now: number,
) {
  const legacy = {
    forwardedForSomeCustomers: legacyForwarded(mode),
    daysLeft: daysLeft(now),
    timeLeft: timeLeft(now),
  };
  if ('word' in mode || !facts) {
    return {
      source: sourceText(mode),
      share: percent(workflowsShare(mode)),
      plan: null,
      paused: null,
      guard: null,
      next: null,
      legacy,
    };
  }
  const state = mode.state;
  const { window, sinceStep } = facts;
  const action = nextAction(state, facts, settings, now);
  return {
    source: sourceText(mode),
    share: percent(state.share),
    since: iso(state.since),
    from: state.from,
    lastGoodShare: percent(state.lastGood),
    plan: state.plan && {
      text: state.plan.text,
      step: state.plan.step + 1,
      steps: state.plan.steps.map((step, index) => ({
        share: percent(step.share),
        notBefore: iso(step.at),
        taken: index <= (state.plan?.step ?? -1),
      })),
    },
    paused: state.paused && {
      at: iso(state.paused.at),
      from: percent(state.paused.from),
      to: percent(state.paused.to),
      reason: state.paused.reason,
      pairIds: state.paused.pairIds,
    },
    guard: {
      status: action.action === 'rollback' ? 'red' : 'green',
      windowFrom: iso(windowStart(state, settings, now)),
      window: { pairs: window.pairs, agreeing: window.agreeing, agreement: window.agreement },
      sinceStep: {
        pairs: sinceStep.pairs,
        agreeing: sinceStep.agreeing,
        agreement: sinceStep.agreement,
      },
      minPairs: settings.minPairs,
      minAgreement: settings.minAgreement,
      maxDisagreements: settings.maxDisagreements ?? null,
    },
    next:
      action.action === 'wait'
        ? { action: 'wait', reason: action.reason }
        : action.action === 'rollback'
          ? { action: 'rollback', reason: action.reason }
          : { action: 'advance', reason: `the step to ${percent(action.next.share)} is due` },
    legacy,
  };
}

export type StatusView = ReturnType<typeof statusView>;

/** Reads the figures the status needs and builds it. */
export async function readStatus(
  store: Pick<Store, 'movedPairFigures'>,
  mode: ForwardMode,
  settings: GuardSettings,
  now: number,
): Promise<StatusView> {
  if ('word' in mode) return statusView(mode, undefined, settings, now);
  return statusView(mode, await readFacts(store, mode.state, settings, now), settings, now);
}
