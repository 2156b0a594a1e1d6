import type { Logger } from '../ops/logger.js';
import type { Store } from '../store/store.js';
import type { ForwardSource } from './config.js';

const KEY = 'forward_source';
const VALUES: readonly ForwardSource[] = ['legacy', 'workflows', 'both'];

/** FORWARD_SOURCE, switchable at run time (PUT /admin/forward-source); the switch is stored. */
export interface ForwardSourceSwitch {
  get(): ForwardSource;
  /** Where the value in force comes from, and since when (for a switch). */
  origin(): { from: 'environment' | 'admin'; since: string | null };
  set(source: ForwardSource, now: number): Promise<void>;
}

export function createForwardSourceSwitch(
  store: Pick<Store, 'setSetting'>,
  initial: ForwardSource,
  origin: { from: 'environment' | 'admin'; since: string | null } = {
    from: 'environment',
    since: null,
  },
): ForwardSourceSwitch {
  let current = initial;
  let currentOrigin = origin;
  return {
    get: () => current,
    origin: () => currentOrigin,
    async set(source, now) {
      await store.setSetting(KEY, source, now);
      current = source;
      currentOrigin = { from: 'admin', since: new Date(now).toISOString() };
    },
  };
}

/** The switch as stored by a previous run, else the environment's FORWARD_SOURCE. */
export async function loadForwardSource(
  store: Pick<Store, 'getSetting' | 'setSetting'>,
  fromEnvironment: ForwardSource,
  logger: Logger,
): Promise<ForwardSourceSwitch> {
  const stored = await store.getSetting(KEY);
  const value = VALUES.find((v) => v === stored?.value);
  if (!stored || !value) return createForwardSourceSwitch(store, fromEnvironment);
  const since = new Date(stored.updatedAt).toISOString();
  if (value !== fromEnvironment) {
    logger.warn(
      { forwardSource: value, environment: fromEnvironment, since },
      "FORWARD_SOURCE: using the value switched at run time, not the environment's; PUT /admin/forward-source to change it",
    );
  }
  return createForwardSourceSwitch(store, value, { from: 'admin', since });
}
