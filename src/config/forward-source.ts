import { planFrom } from '../cutover/plan.js';
import { parseShare, shareText } from '../cutover/share.js';
import {
  type CutoverState,
  describeState,
  planState,
  readCutoverState,
  resume,
  shareState,
} from '../cutover/state.js';
import type { Logger } from '../ops/logger.js';
import { ALL } from '../store/rules/bucket.js';
import type { Store } from '../store/store.js';
import { FORWARD_SOURCES, type ForwardSource, type ForwardSourceValue } from './config.js';

/**
 * The run-time switch (PUT /admin/forward-source, `faceauth-shim forward-source set`): a word
 * (`legacy`, `workflows`, `both`), or, for a share of customers, the whole cut-over state as
 * JSON (share, plan, guard). One setting, written at once: every instance reads it whole.
 */
const SWITCH = 'forward_source';
/** FORWARD_SOURCE (or `plan:` and FORWARD_SOURCE_PLAN) as the environment gave it at the last start. */
const LAST_ENVIRONMENT = 'forward_source_environment';

/** How often a running service reads the stored switch, to obey one made by another process. */
export const FORWARD_SOURCE_REFRESH_MS = 1_000;

export type ForwardSourceOrigin = { from: 'environment' | 'switch'; since: string | null };

/** What decides forwarding: a word, or a share of customers with its state. */
export type ForwardMode = { word: ForwardSource } | { state: CutoverState };

/** FORWARD_SOURCE and FORWARD_SOURCE_PLAN as the environment gives them. */
export interface ForwardSourceEnvironment {
  value: ForwardSourceValue;
  explicit: boolean;
  plan?: string | undefined;
}

/** Thrown for a value the switch refuses (API: 422, CLI: exit 2), with the reason. */
export class ForwardSourceError extends Error {
  override readonly name = 'ForwardSourceError';
}

/** FORWARD_SOURCE, switchable at run time; the switch is stored. */
export interface ForwardSourceSwitch {
  /** The value in force: `legacy`, `workflows`, `both` or `workflows:<N>%`. */
  get(): ForwardSourceValue;
  mode(): ForwardMode;
  /** Where the value in force comes from, and since when (for a switch). */
  origin(): ForwardSourceOrigin;
  /** Stores a value; a share keeps the guard, and drops a plan. Throws ForwardSourceError. */
  set(source: ForwardSourceValue, now: number): Promise<void>;
  /** Stores a plan, which starts now. Throws ForwardSourceError for a bad plan. */
  setPlan(text: string, now: number): Promise<CutoverState>;
  /** An operator resumes a plan (or a share) paused by the guard. Throws ForwardSourceError. */
  resume(now: number): Promise<CutoverState>;
  /**
   * Writes a state the guard or the plan decided from `basis`, unless the stored state changed
   * since (another instance or an operator got there first): says whether it was written.
   */
  replace(basis: CutoverState, next: CutoverState, now: number): Promise<boolean>;
  /**
   * Reads the stored switch again: one made (or reset) by the CLI or by another instance takes
   * effect here. Says whether the value in force changed.
   */
  refresh(now?: number): Promise<boolean>;
}

type SettingsStore = Pick<Store, 'getSetting' | 'setSetting' | 'replaceSetting' | 'deleteSetting'>;

/** The text form of a mode. */
export function sourceText(mode: ForwardMode): ForwardSourceValue {
  return 'word' in mode ? mode.word : shareText(mode.state.share);
}

/** The share of customers whose Workflows events reach the callback; `both` counts as all. */
export function workflowsShare(mode: ForwardMode): number {
  if ('state' in mode) return mode.state.share;
  return mode.word === 'legacy' ? 0 : ALL;
}

/** Whether some customer's legacy events still reach the callback. */
export function legacyForwarded(mode: ForwardMode): boolean {
  if ('state' in mode) return mode.state.share < ALL;
  return mode.word !== 'workflows';
}

/** The stored switch, if there is a valid one. */
export async function readForwardSourceSwitch(store: Pick<Store, 'getSetting'>): Promise<
  | {
      source: ForwardSourceValue;
      since: string;
      mode: ForwardMode;
      raw: string;
    }
  | undefined
> {
  const stored = await store.getSetting(SWITCH);
  if (!stored) return undefined;
  const since = new Date(stored.updatedAt).toISOString();
  const word = FORWARD_SOURCES.find((v) => v === stored.value);
  if (word) return { source: word, since, mode: { word }, raw: stored.value };
  const state = readCutoverState(stored.value);
  if (!state) return undefined;
  return { source: shareText(state.share), since, mode: { state }, raw: stored.value };
}

/** Stores a run-time switch (every running instance obeys it within a second or two). */
export async function storeForwardSourceSwitch(
  store: Pick<Store, 'setSetting'>,
  mode: ForwardMode | ForwardSource,
  now: number,
): Promise<void> {
  const value =
    typeof mode === 'string' ? mode : 'word' in mode ? mode.word : JSON.stringify(mode.state);
  await store.setSetting(SWITCH, value, now);
}

/** Forgets the run-time switch: FORWARD_SOURCE from the environment applies again. */
export async function resetForwardSourceSwitch(store: Pick<Store, 'deleteSetting'>): Promise<void> {
  await store.deleteSetting(SWITCH);
}

/**
 * The mode a value sets, after `current`. A share keeps counting from the share before it (the
 * last good step a rollback returns to); a word ends any share, plan and pause.
 */
export function modeFor(
  value: ForwardSourceValue,
  current: ForwardMode,
  now: number,
  from: CutoverState['from'],
): ForwardMode {
  const word = FORWARD_SOURCES.find((w) => w === value);
  if (word) return { word };
  const parsed = parseShare(value);
  if ('error' in parsed) throw new ForwardSourceError(parsed.error);
  return { state: shareState(parsed.share, shareBefore(current), now, from) };
}

/** The mode a plan sets: it starts now, its first step is taken at once when it is due. */
export function modeForPlan(
  text: string,
  current: ForwardMode,
  now: number,
  from: CutoverState['from'],
): { state: CutoverState } {
  const plan = planFrom(text, now);
  if ('error' in plan) throw new ForwardSourceError(plan.error);
  return { state: planState(text.trim(), plan.steps, shareBefore(current), now, from) };
}

/** The share on Workflows before a change (`both` forwards legacy for everyone: 0). */
function shareBefore(mode: ForwardMode): number {
  if ('state' in mode) return mode.state.share;
  return mode.word === 'workflows' ? ALL : 0;
}

/** Where a stored mode comes from: a share or plan from the environment says so itself. */
function originOf(mode: ForwardMode, since: string): ForwardSourceOrigin {
  return { from: 'state' in mode ? mode.state.from : 'switch', since };
}

/** The mode the environment asks for, at `now`. */
function environmentMode(environment: ForwardSourceEnvironment, now: number): ForwardMode {
  const legacy: ForwardMode = { word: 'legacy' };
  if (environment.plan !== undefined) {
    return modeForPlan(environment.plan, legacy, now, 'environment');
  }
  return modeFor(environment.value, legacy, now, 'environment');
}

export function createForwardSourceSwitch(
  store: SettingsStore,
  environment: ForwardSourceEnvironment | ForwardSourceValue,
  initial: { mode: ForwardMode; since: string } | undefined = undefined,
  logger?: Logger,
  clock: () => number = Date.now,
): ForwardSourceSwitch {
  const env: ForwardSourceEnvironment =
    typeof environment === 'string' ? { value: environment, explicit: true } : environment;
  let current: ForwardMode = initial?.mode ?? environmentMode(env, clock());
  let currentOrigin: ForwardSourceOrigin = initial
    ? originOf(initial.mode, initial.since)
    : { from: 'environment', since: null };

  async function keep(mode: ForwardMode, now: number) {
    await storeForwardSourceSwitch(store, mode, now);
    current = mode;
    currentOrigin = originOf(mode, new Date(now).toISOString());
  }

  return {
    get: () => sourceText(current),
    mode: () => current,
    origin: () => currentOrigin,
    async set(source, now) {
      await keep(modeFor(source, current, now, 'switch'), now);
    },
    async setPlan(text, now) {
      const mode = modeForPlan(text, current, now, 'switch');
      await keep(mode, now);
      return mode.state;
    },
    async resume(now) {
      await this.refresh(now);
      if (!('state' in current) || !current.state.paused) {
        throw new ForwardSourceError('nothing to resume: the guard has not paused the cut-over');
      }
      const next = resume(current.state, now);
      await keep({ state: next }, now);
      return next;
    },
    async replace(basis, next, now) {
      const stored = await readForwardSourceSwitch(store);
      const storedState = stored && 'state' in stored.mode ? stored.mode.state : undefined;
      if (!stored || JSON.stringify(storedState) !== JSON.stringify(basis)) return false;
      // Written only if no other instance changed it since it was read (compare and set).
      const value = JSON.stringify(next);
      if (!(await store.replaceSetting(SWITCH, stored.raw, value, now))) return false;
      current = { state: next };
      currentOrigin = originOf(current, new Date(now).toISOString());
      return true;
    },
    async refresh(now = clock()) {
      const before = sourceText(current);
      const stored = await readForwardSourceSwitch(store);
      if (stored) {
        current = stored.mode;
        currentOrigin = originOf(stored.mode, stored.since);
      } else {
        // Reset: the environment applies again; a share or a plan from it starts anew, stored
        // so that the guard has a state to work on and every instance shares it.
        const mode = environmentMode(env, now);
        if ('state' in mode) await keep(mode, now);
        else {
          current = mode;
          currentOrigin = { from: 'environment', since: null };
        }
      }
      const changed = sourceText(current) !== before;
      if (changed) {
        logger?.warn(
          { previous: before, forwardSource: sourceText(current), from: currentOrigin.from },
          'FORWARD_SOURCE: the stored switch changed; events that arrive from now on follow it',
        );
      }
      return changed;
    },
  };
}

/** What the environment asked for at a start, as remembered in LAST_ENVIRONMENT. */
function environmentWord(environment: ForwardSourceEnvironment): string {
  if (environment.plan !== undefined) return `plan:${environment.plan}`;
  return environment.explicit ? environment.value : 'unset';
}

/**
 * What FORWARD_SOURCE is at start. A run-time switch is stored and wins over the environment,
 * so a restart does not undo it (nor a rollback by the guard, nor a pause), until
 * FORWARD_SOURCE (or FORWARD_SOURCE_PLAN) itself changes: an operator who sets another value
 * (or sets it where it was unset) has decided anew, and the switch is dropped. A store from
 * before this rule knows no previous environment: its switch is kept.
 */
export async function loadForwardSource(
  store: SettingsStore,
  environment: ForwardSourceEnvironment,
  logger: Logger,
  now: number = Date.now(),
): Promise<ForwardSourceSwitch> {
  const word = environmentWord(environment);
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
  } else if (
    stored &&
    originOf(stored.mode, stored.since).from === 'switch' &&
    stored.source !== environment.value
  ) {
    logger.warn(
      { forwardSource: stored.source, environment: word, since: stored.since },
      "FORWARD_SOURCE: using the value switched at run time, not the environment's; change it with PUT /admin/forward-source or `faceauth-shim forward-source set|reset`",
    );
  }
  if (stored && 'state' in stored.mode) {
    logger.info(
      { forwardSource: stored.source },
      `FORWARD_SOURCE: ${describeState(stored.mode.state)}`,
    );
  }
  const created = createForwardSourceSwitch(
    store,
    environment,
    stored ? { mode: stored.mode, since: stored.since } : undefined,
    logger,
  );
  // A share or a plan from the environment is stored at once: every instance counts its pairs
  // from the same time, and the guard's rollback has a state to replace.
  if (!stored) await created.refresh(now);
  return created;
}
