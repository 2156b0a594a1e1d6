import type { Logger } from '../ops/logger.js';
import type { Store } from '../store/store.js';
import { FORWARD_SOURCES, type ForwardSource } from './config.js';

/** The run-time switch (PUT /admin/forward-source, `faceauth-shim forward-source set`). */
const SWITCH = 'forward_source';
/** FORWARD_SOURCE as the environment gave it at the last start (`unset` when it did not). */
const LAST_ENVIRONMENT = 'forward_source_environment';

/** How often a running service reads the stored switch, to obey one made by another process. */
export const FORWARD_SOURCE_REFRESH_MS = 1_000;

export type ForwardSourceOrigin = { from: 'environment' | 'switch'; since: string | null };

/** FORWARD_SOURCE, switchable at run time; the switch is stored. */
export interface ForwardSourceSwitch {
  get(): ForwardSource;
  /** Where the value in force comes from, and since when (for a switch). */
  origin(): ForwardSourceOrigin;
  set(source: ForwardSource, now: number): Promise<void>;
  /**
   * Reads the stored switch again: one made (or reset) by the CLI or by another instance takes
   * effect here. Says whether the value in force changed.
   */
  refresh(): Promise<boolean>;
}

type SettingsStore = Pick<Store, 'getSetting' | 'setSetting' | 'deleteSetting'>;

/** The stored switch, if there is a valid one. */
export async function readForwardSourceSwitch(
  store: Pick<Store, 'getSetting'>,
): Promise<{ source: ForwardSource; since: string } | undefined> {
  const stored = await store.getSetting(SWITCH);
  const source = FORWARD_SOURCES.find((v) => v === stored?.value);
  return stored && source ? { source, since: new Date(stored.updatedAt).toISOString() } : undefined;
}

/** Stores a run-time switch (every running instance obeys it within a second or two). */
export async function storeForwardSourceSwitch(
  store: Pick<Store, 'setSetting'>,
  source: ForwardSource,
  now: number,
): Promise<void> {
  await store.setSetting(SWITCH, source, now);
}

/** Forgets the run-time switch: FORWARD_SOURCE from the environment applies again. */
export async function resetForwardSourceSwitch(store: Pick<Store, 'deleteSetting'>): Promise<void> {
  await store.deleteSetting(SWITCH);
}

export function createForwardSourceSwitch(
  store: SettingsStore,
  fromEnvironment: ForwardSource,
  initial: { source: ForwardSource; since: string } | undefined = undefined,
  logger?: Logger,
): ForwardSourceSwitch {
  let current = initial?.source ?? fromEnvironment;
  let currentOrigin: ForwardSourceOrigin = initial
    ? { from: 'switch', since: initial.since }
    : { from: 'environment', since: null };
  return {
    get: () => current,
    origin: () => currentOrigin,
    async set(source, now) {
      await storeForwardSourceSwitch(store, source, now);
      current = source;
      currentOrigin = { from: 'switch', since: new Date(now).toISOString() };
    },
    async refresh() {
      const stored = await readForwardSourceSwitch(store);
      const next = stored?.source ?? fromEnvironment;
      const origin: ForwardSourceOrigin = stored
        ? { from: 'switch', since: stored.since }
        : { from: 'environment', since: null };
      const changed = next !== current;
      if (changed) {
        logger?.warn(
          { previous: current, forwardSource: next, from: origin.from },
          'FORWARD_SOURCE: the stored switch changed; events that arrive from now on follow it',
        );
      }
      current = next;
      currentOrigin = origin;
      return changed;
    },
  };
}

/**
 * What FORWARD_SOURCE is at start. A run-time switch is stored and wins over the environment,
 * so a restart does not undo it, until FORWARD_SOURCE itself changes: an operator who sets
 * another value (or sets it where it was unset) has decided anew, and the switch is dropped.
 * A store from before this rule knows no previous environment: its switch is kept.
 */
export async function loadForwardSource(
  store: SettingsStore,
  environment: { value: ForwardSource; explicit: boolean },
  logger: Logger,
  now: number = Date.now(),
): Promise<ForwardSourceSwitch> {
  const word = environment.explicit ? environment.value : 'unset';
  const last = (await store.getSetting(LAST_ENVIRONMENT))?.value;
  await store.setSetting(LAST_ENVIRONMENT, word, now);
  let stored = await readForwardSourceSwitch(store);
  if (stored && last !== undefined && last !== word) {
    logger.warn(
      { switched: stored.source, since: stored.since, environment: word, previously: last },
      'FORWARD_SOURCE changed since the last start: it wins over the run-time switch, which is dropped',
    );
    await resetForwardSourceSwitch(store);
    stored = undefined;
  } else if (stored && stored.source !== environment.value) {
    logger.warn(
      { forwardSource: stored.source, environment: environment.value, since: stored.since },
      "FORWARD_SOURCE: using the value switched at run time, not the environment's; change it with PUT /admin/forward-source or `faceauth-shim forward-source set|reset`",
    );
  }
  return createForwardSourceSwitch(store, environment.value, stored, logger);
}
