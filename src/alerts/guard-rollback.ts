import { percent } from '../cutover/share.js';
import type { CutoverState, Rollback } from '../cutover/state.js';
import type { Alert } from './alert.js';

/** guard_rollback: the share it rolled back, why, and how to go on. */
export function rollbackAlert(rollback: Rollback): Alert {
  return {
    kind: 'guard_rollback',
    summary: `the FORWARD_SOURCE guard rolled the customers on Workflows back from ${percent(rollback.from)} to ${percent(rollback.to)} and paused the plan: ${rollback.reason}; look at the pairs, then resume (POST /admin/forward-source/resume or faceauth-shim forward-source resume)`,
    ids: { pairIds: rollback.pairIds },
  };
}

type Replace = (basis: CutoverState, next: CutoverState, now: number) => Promise<boolean>;

/**
 * The hook for the guard: wraps the compare-and-set the cut-over watch writes its decisions
 * with, and calls `onRollback` when a write that won pauses the cut-over (a rollback). Once
 * across instances: only the instance whose write won is told. The watch may call
 * `onRollback` itself instead, where it logs the rollback (src/cutover/cutover-watch.ts).
 */
export function reportingRollbacks(
  replace: Replace,
  onRollback: (rollback: Rollback) => void,
): Replace {
  return async function replaceAndReport(basis, next, now) {
    const written = await replace(basis, next, now);
    if (written && next.paused !== null && basis.paused?.at !== next.paused.at) {
      onRollback(next.paused);
    }
    return written;
  };
}
