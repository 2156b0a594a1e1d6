import type { Context } from 'hono';
import type { ForwardSourceSwitch } from '../cutover/switch.js';
import type { AdminActionDeps } from '../http/admin-actions.js';
import type { Logger } from '../ops/logger.js';
import type { Metrics } from '../ops/metrics.js';
import type { Store } from '../store/store.js';
import type { PageContext } from './context.js';
import type { Session } from './session.js';

// What the console's route files share (console-routes.ts puts them together): the options,
// the request's variables, the limits, and what a page reads from its request.

export interface ConsoleOptions {
  store: Store;
  adminToken: string;
  forwardSource: ForwardSourceSwitch;
  actions: AdminActionDeps;
  logger: Logger;
  metrics: Metrics;
}

/** What a request carries past the session check: its session, and a POST's form. */
export type ConsoleEnv = { Variables: { session: Session; form: URLSearchParams } };

export const PAGE_SIZE = 50;
export const ID = /^.{1,256}$/s;

/** What a `done` in a page's address says (a fixed text per word: nothing of the address shows). */
const DONE: Record<string, string> = {
  replayed: 'Replayed: it is sent again from the first attempt of the schedule.',
  cancelled: "Cancelled: it is never delivered, and its customer's line moved on.",
  reingested: 'Taken in again through the webhook’s checks: this is the event it became.',
  duplicate: 'Already taken in: this is the event it became.',
  switched: 'The cut-over changed; every instance follows within a second.',
  resumed: 'The cut-over resumed.',
};

/** What a page reads: the store, the cut-over, the shared actions, the request's session. */
export function pageContext(options: ConsoleOptions, c: Context<ConsoleEnv>): PageContext {
  return {
    store: options.store,
    forwardSource: options.forwardSource,
    actions: options.actions,
    session: c.get('session'),
    now: Date.now(),
  };
}

/** The notice a page shows for the `done` in its address, if any. */
export function notice(c: Context<ConsoleEnv>): string | null {
  const done = c.req.query('done');
  if (done === 'replayed-all') {
    const n = Number(c.req.query('n'));
    return `${Number.isSafeInteger(n) ? n : 0} dead events replayed: each is sent again from the first attempt.`;
  }
  return done !== undefined ? (DONE[done] ?? null) : null;
}
