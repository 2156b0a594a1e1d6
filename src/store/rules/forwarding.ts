import type { Source } from '../../normalize/normalized-schema.js';
import { isMoved } from './bucket.js';
import type { Fate } from './login.js';

/**
 * How the cut-over mode (FORWARD_SOURCE) treats an arriving report: its source is the one the
 * mode prefers for this customer, the other one, or the mode has no preference (`both`).
 */
export type Preference = 'preferred' | 'other' | 'none';

/**
 * The cut-over mode as the store decides by it, plain data: one source preferred for everyone
 * (`legacy`, `workflows`), none (`both`), or a share of customers (basis points) for whom
 * Workflows is preferred, legacy for the rest.
 */
export type ForwardingMode = { prefer: Source | null } | { share: number };

/**
 * How a mode treats a report of `source` for this customer: a share prefers Workflows for the
 * customers it moves (store/rules/bucket.ts) and legacy for the rest. A report whose customer is
 * not known (a Workflows report that names none, and no report of its login that does) cannot be
 * placed under a share: it is treated as the other source, and waits.
 */
export function preferenceOf(
  mode: ForwardingMode,
  source: Source,
  customerId: string | null,
): Preference {
  if ('prefer' in mode) {
    if (mode.prefer === null) return 'none';
    return mode.prefer === source ? 'preferred' : 'other';
  }
  if (customerId === null) return 'other';
  const preferred: Source = isMoved(customerId, mode.share) ? 'workflows' : 'legacy';
  return source === preferred ? 'preferred' : 'other';
}

/** What an arriving report becomes, and what happens to its login's other report. */
export interface FateDecision {
  /**
   * forward: to the callback now. wait: not yet; forwarded alone at its fallback time if its
   * login's other report has not come by then. shadow: stored, paired and compared, never sent.
   */
  fate: 'forward' | 'wait' | 'shadow';
  /**
   * For a login's other report that was waiting: settle (it will never be sent, the arriving one
   * is) or release (it is sent now, the arriving one is shadowed). Null when nothing changes.
   */
  counterpart: 'settle' | 'release' | null;
}

/**
 * One callback per login, whichever sources report it and in whichever order. The invariants:
 * - a login never reaches the callback twice: once one report of it is forwarded, the other is
 *   shadowed;
 * - a login is never dropped: a report is shadowed only when its login's other report is (or is
 *   now) forwarded, and one that waits is forwarded alone at its fallback time;
 * - the preferred source is never held: it is forwarded at once unless its login was forwarded
 *   already; only the other source waits, at most `waitMs`;
 * - without a preference (`both`) nothing waits: the first report of a login is forwarded.
 * `counterpart` is the fate of the login's other report, if one is stored. Pure.
 */
export function decideFate(
  preference: Preference,
  counterpart: Fate | undefined,
  waitMs: number,
): FateDecision {
  switch (counterpart) {
    case undefined:
      return {
        fate: preference === 'other' && waitMs > 0 ? 'wait' : 'forward',
        counterpart: null,
      };
    case 'forwarded':
      return { fate: 'shadow', counterpart: null };
    case 'shadowed':
      // Never sent (a report shadowed before this rule, or its wait settled by hand): this one is.
      return { fate: 'forward', counterpart: null };
    case 'waiting':
      // The preferred report ends the other's wait; otherwise the one that came first goes now.
      return preference === 'preferred'
        ? { fate: 'forward', counterpart: 'settle' }
        : { fate: 'shadow', counterpart: 'release' };
  }
}
