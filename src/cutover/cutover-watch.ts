import type { Logger } from 'pino';
import type { Store } from '../store/store.js';
import { dayOf, deadlineWarning } from './deadlines.js';
import { type GuardSettings, nextAction, readFacts } from './guard.js';
import { percent } from './share.js';
import { legacyForwarded } from './source-value.js';
import type { Rollback } from './state.js';
import type { ForwardSourceSwitch } from './switch.js';

export interface CutoverWatchOptions {
  store: Pick<Store, 'movedPairFigures' | 'populationFigures'>;
  forwardSource: ForwardSourceSwitch;
  settings: GuardSettings;
  logger: Logger;
  /** The service's counters of the guard's rollbacks and the plan's steps (ops/metrics.ts). */
  metrics: { cutoverRollbacks: { inc(): void }; cutoverSteps: { inc(): void } };
  /**
   * Told of a rollback this instance wrote (the write that won the compare and set), so once
   * across instances: the service raises the guard_rollback alert with it.
   */
  onRollback?: (rollback: Rollback) => void;
  clock?: () => number;
}

/**
 * The guard, the plan and Incode's dates, looked at once per call of `check` (the service calls
 * it every FORWARD_SOURCE_GUARD_INTERVAL, after reading the stored switch). Every instance may
 * run it: the decision comes from the stored state and the store's count of the pairs alone, and a
 * change is written only if the stored state is still the one it was decided from (compare and
 * set), so two instances that see the same rollback write it once.
 */
export function createCutoverWatch(options: CutoverWatchOptions) {
  const { store, forwardSource, settings, logger, metrics } = options;
  const clock = options.clock ?? Date.now;
  let warnedOn: number | undefined;

  function warnDeadline(now: number) {
    const warning = deadlineWarning(legacyForwarded(forwardSource.mode()), now);
    if (!warning || warnedOn === dayOf(now)) return;
    warnedOn = dayOf(now);
    logger.warn({ forwardSource: forwardSource.get() }, warning);
  }

  return {
    /** One look: warns about the dates once a day, rolls back or takes a step when due. */
    async check(): Promise<'rollback' | 'advance' | 'wait'> {
      const now = clock();
      warnDeadline(now);
      const mode = forwardSource.mode();
      if (!('state' in mode)) return 'wait';
      const state = mode.state;
      const action = nextAction(state, await readFacts(store, state, settings, now), settings, now);
      if (action.action === 'wait') return 'wait';
      if (!(await forwardSource.replace(state, action.next, now))) return 'wait';
      if (action.action === 'rollback') {
        metrics.cutoverRollbacks.inc();
        if (action.next.paused) options.onRollback?.(action.next.paused);
        logger.warn(
          {
            from: percent(state.share),
            to: percent(action.next.share),
            reason: action.reason,
            pairIds: action.pairIds,
          },
          `FORWARD_SOURCE guard: rolled back from ${percent(state.share)} to ${percent(action.next.share)} of customers on Workflows, and paused until an operator resumes (POST /admin/forward-source/resume or \`faceauth-shim forward-source resume\`)`,
        );
      } else {
        metrics.cutoverSteps.inc();
        logger.warn(
          { from: percent(state.share), to: percent(action.next.share) },
          `FORWARD_SOURCE plan: step taken, ${percent(action.next.share)} of customers on Workflows`,
        );
      }
      return action.action;
    },
  };
}

export type CutoverWatch = ReturnType<typeof createCutoverWatch>;
