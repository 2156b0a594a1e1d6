import { percent } from '../cutover/share.js';
import type { Rollback } from '../cutover/state.js';
import type { Alert } from './alert.js';

/** guard_rollback: the share it rolled back, why, and how to go on. */
export function rollbackAlert(rollback: Rollback): Alert {
  return {
    kind: 'guard_rollback',
    summary: `the FORWARD_SOURCE guard rolled the customers on Workflows back from ${percent(rollback.from)} to ${percent(rollback.to)} and paused the plan: ${rollback.reason}; look at the pairs, then resume (POST /admin/forward-source/resume or faceauth-shim forward-source resume)`,
    ids: { pairIds: rollback.pairIds },
  };
}
