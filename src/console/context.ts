import type { ForwardSourceSwitch } from '../cutover/switch.js';
import type { AdminActionDeps } from '../http/admin-actions.js';
import type { Store } from '../store/store.js';
import type { Session } from './session.js';

/** What a console page reads: the store, the cut-over, the shared actions, the session. */
export interface PageContext {
  store: Store;
  forwardSource: ForwardSourceSwitch;
  actions: AdminActionDeps;
  session: Session;
  now: number;
}
