import type { LoginFigures } from '../store/figure-types.js';
import type { Store } from '../store/store.js';
import { daysLeft, timeLeft } from './deadlines.js';
import {
  type CutoverFacts,
  type GuardSettings,
  nextAction,
  readFacts,
  windowStart,
} from './guard.js';
import { type RealityView, realityOf } from './reality.js';
import { percent } from './share.js';
import {
  type ForwardMode,
  type ForwardSourceValue,
  legacyForwarded,
  sourceText,
  workflowsShare,
} from './source-value.js';
import { environmentDiffers, type InstanceEnvironment, instanceEnvironments } from './stored.js';

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
      counts: settings.counts,
      populations: facts.populations ?? null,
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

/** The logins of the last LOGINS_DAYS days, as the report counts them over its default range. */
export const LOGINS_DAYS = 7;

/** Who reports the logins, and which reality that is. */
export interface LoginsView extends LoginFigures, RealityView {
  range: { from: string; to: string };
}

/** What the instances' environments ask for, against the stored cut-over. */
export interface EnvironmentsView {
  /** This instance: what its FORWARD_SOURCE / FORWARD_SOURCE_PLAN ask for, and whether that differs. */
  thisInstance: { forwardSource: string; differs: boolean } | null;
  /** Every instance seen in the last minutes, with whether its environment differs. */
  instances: (InstanceEnvironment & { differs: boolean })[];
  /** How many of them differ from the stored cut-over (a restart would not change it). */
  differing: number;
}

export type StatusView = ReturnType<typeof statusView> & {
  logins: LoginsView;
  environments: EnvironmentsView;
};

/** Reads the figures the status needs and builds it. */
export async function readStatus(
  store: Pick<
    Store,
    'movedPairFigures' | 'populationFigures' | 'loginFigures' | 'listSettings' | 'deleteSetting'
  >,
  mode: ForwardMode,
  settings: GuardSettings,
  now: number,
  thisInstance: { forwardSource: string; differs: boolean } | null = null,
  /** The logins' range: by default the last LOGINS_DAYS days, as the report's default range. */
  range: { from: number; to: number } = { from: now - LOGINS_DAYS * 86_400_000, to: now },
): Promise<StatusView> {
  const view =
    'word' in mode
      ? statusView(mode, undefined, settings, now)
      : statusView(mode, await readFacts(store, mode.state, settings, now), settings, now);
  const figures = await store.loginFigures(range.from, range.to);
  const instances = (await instanceEnvironments(store, now)).map((instance) => ({
    ...instance,
    differs: differsFrom(instance.forwardSource, mode),
  }));
  return {
    ...view,
    logins: {
      range: { from: iso(range.from), to: iso(range.to) },
      ...figures,
      ...realityOf(figures),
    },
    environments: {
      thisInstance,
      instances,
      differing: instances.filter((i) => i.differs).length,
    },
  };
}

/** Whether an environment, as recorded ("workflows:10%", "plan 1%,10%@2d"), differs from the mode. */
function differsFrom(recorded: string, mode: ForwardMode): boolean {
  const plan = recorded.startsWith('plan ') ? recorded.slice(5) : undefined;
  return environmentDiffers(
    plan !== undefined
      ? { value: 'legacy', explicit: true, plan }
      : { value: recorded as ForwardSourceValue, explicit: recorded !== 'unset' },
    mode,
  );
}
