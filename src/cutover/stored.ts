import type { Store } from '../store/store.js';
import { shareText } from './share.js';
import {
  FORWARD_SOURCES,
  type ForwardMode,
  ForwardSourceError,
  type ForwardSourceValue,
  modeFor,
  modeForPlan,
} from './source-value.js';
import { type CutoverState, readCutoverState, resume } from './state.js';

// The cut-over as stored: one setting every instance reads whole, changed only by an operator
// (admin API, CLI), by the guard and the plan (compare and set), or stored once from the
// environment of the first instance that finds nothing stored. A restart never changes it: an
// instance whose environment differs says so (environments below), and changes nothing.

/** The stored cut-over: a word, or a share's whole state as JSON. */
const SWITCH = 'forward_source';
/** Each instance's environment, as it last said: `instance_environment:<instance id>`. */
const ENVIRONMENT = 'instance_environment:';

type Settings = Pick<
  Store,
  'getSetting' | 'setSetting' | 'insertSetting' | 'deleteSetting' | 'listSettings'
>;

/** FORWARD_SOURCE and FORWARD_SOURCE_PLAN as an instance's environment gives them. */
export interface ForwardSourceEnvironment {
  value: ForwardSourceValue;
  /** FORWARD_SOURCE was set (not the default). */
  explicit: boolean;
  plan?: string | undefined;
}

export interface StoredCutover {
  mode: ForwardMode;
  /** When it was last changed. */
  since: string;
  /** The stored text, for compare and set. */
  raw: string;
}

/** The stored cut-over, if there is a valid one. */
export async function readStored(
  store: Pick<Store, 'getSetting'>,
): Promise<StoredCutover | undefined> {
  const stored = await store.getSetting(SWITCH);
  if (!stored) return undefined;
  const since = new Date(stored.updatedAt).toISOString();
  const word = FORWARD_SOURCES.find((v) => v === stored.value);
  if (word) return { mode: { word }, since, raw: stored.value };
  const state = readCutoverState(stored.value);
  return state ? { mode: { state }, since, raw: stored.value } : undefined;
}

/** A mode as the setting stores it. */
export function storedText(mode: ForwardMode): string {
  return 'word' in mode ? mode.word : JSON.stringify(mode.state);
}

/** Stores a cut-over an operator (or the guard, through replace) decided. */
export async function store(
  store: Pick<Store, 'setSetting'>,
  mode: ForwardMode,
  now: number,
): Promise<void> {
  await store.setSetting(SWITCH, storedText(mode), now);
}

/** Compare and set: only if the stored text is still `expected`; says whether it did. */
export async function replaceStored(
  store: Pick<Store, 'replaceSetting'>,
  expected: string,
  mode: ForwardMode,
  now: number,
): Promise<boolean> {
  return store.replaceSetting(SWITCH, expected, storedText(mode), now);
}

/** Forgets the stored cut-over: the next instance to look stores its own environment's. */
export async function resetStored(store: Pick<Store, 'deleteSetting'>): Promise<void> {
  await store.deleteSetting(SWITCH);
}

/** The mode an environment asks for, at `now` (a plan starts then). */
export function environmentMode(environment: ForwardSourceEnvironment, now: number): ForwardMode {
  const legacy: ForwardMode = { word: 'legacy' };
  if (environment.plan !== undefined) {
    return modeForPlan(environment.plan, legacy, now, 'environment');
  }
  return modeFor(environment.value, legacy, now, 'environment');
}

/** The environment in the words FORWARD_SOURCE and FORWARD_SOURCE_PLAN use. */
export function environmentText(environment: ForwardSourceEnvironment): string {
  return environment.plan !== undefined ? `plan ${environment.plan}` : environment.value;
}

/**
 * Whether an environment asks for something else than the stored cut-over. An environment that
 * sets neither FORWARD_SOURCE nor FORWARD_SOURCE_PLAN asks for nothing: it never differs. A share
 * the guard rolled back, and a plan that took steps, are still what their environment asked for.
 */
export function environmentDiffers(
  environment: ForwardSourceEnvironment,
  stored: ForwardMode,
): boolean {
  if (!environment.explicit && environment.plan === undefined) return false;
  const wanted = environmentText(environment);
  if ('word' in stored) return wanted !== stored.word;
  const state = stored.state;
  if (state.plan) return wanted !== `plan ${state.plan.text}`;
  if (state.paused && wanted === shareText(state.paused.from)) return false;
  return wanted !== shareText(state.share);
}

/**
 * The stored cut-over, or, where none is stored, this environment's, stored now if no other
 * instance got there first (insert if absent: one wins, every instance then reads the winner's).
 */
export async function readOrInitialize(
  settings: Settings,
  environment: ForwardSourceEnvironment,
  now: number,
): Promise<StoredCutover> {
  for (let tries = 0; tries < 3; tries++) {
    const stored = await readStored(settings);
    if (stored) return stored;
    const mode = environmentMode(environment, now);
    if (await settings.insertSetting(SWITCH, storedText(mode), now)) {
      return { mode, since: new Date(now).toISOString(), raw: storedText(mode) };
    }
  }
  throw new Error('the stored cut-over could not be read nor stored');
}

/** What an instance says of its environment. */
export interface InstanceEnvironment {
  instance: string;
  /** `workflows:10%`, `plan 1%,10%@2d`, or `unset` where it sets neither variable. */
  forwardSource: string;
  /** When it last said so. */
  seenAt: string;
}

/** How long an instance's word counts: it says it again every refresh of the environment. */
export const ENVIRONMENT_TTL_MS = 10 * 60_000;

/** Records what this instance's environment asks for (on start, then every few minutes). */
export async function recordEnvironment(
  settings: Pick<Store, 'setSetting'>,
  instance: string,
  environment: ForwardSourceEnvironment,
  now: number,
): Promise<void> {
  const asked =
    environment.explicit || environment.plan !== undefined ? environmentText(environment) : 'unset';
  await settings.setSetting(`${ENVIRONMENT}${instance}`, asked, now);
}

/** The environments instances stated within ENVIRONMENT_TTL_MS; older entries are forgotten. */
export async function instanceEnvironments(
  settings: Pick<Store, 'listSettings' | 'deleteSetting'>,
  now: number,
): Promise<InstanceEnvironment[]> {
  const entries = await settings.listSettings(ENVIRONMENT);
  const live: InstanceEnvironment[] = [];
  for (const entry of entries) {
    if (now - entry.updatedAt > ENVIRONMENT_TTL_MS) {
      await settings.deleteSetting(entry.key);
      continue;
    }
    live.push({
      instance: entry.key.slice(ENVIRONMENT.length),
      forwardSource: entry.value,
      seenAt: new Date(entry.updatedAt).toISOString(),
    });
  }
  return live;
}

/** The mode a change starts from: the stored cut-over, or `legacy` where none is stored. */
async function current(settings: Pick<Store, 'getSetting'>): Promise<ForwardMode> {
  return (await readStored(settings))?.mode ?? { word: 'legacy' };
}

/**
 * An operator sets a word or a share (PUT /admin/forward-source, `forward-source set`): stored
 * for every instance until an operator changes it again. Throws ForwardSourceError.
 */
export async function setSource(
  settings: Pick<Store, 'getSetting' | 'setSetting'>,
  value: ForwardSourceValue,
  now: number,
): Promise<ForwardMode> {
  const mode = modeFor(value, await current(settings), now, 'switch');
  await store(settings, mode, now);
  return mode;
}

/** An operator stores a plan, which starts now. Throws ForwardSourceError for a bad plan. */
export async function setPlan(
  settings: Pick<Store, 'getSetting' | 'setSetting'>,
  text: string,
  now: number,
): Promise<{ state: CutoverState }> {
  const mode = modeForPlan(text, await current(settings), now, 'switch');
  await store(settings, mode, now);
  return mode;
}

/** An operator resumes a plan (or a share) the guard paused. Throws ForwardSourceError. */
export async function resumeStored(
  settings: Pick<Store, 'getSetting' | 'setSetting'>,
  now: number,
): Promise<ForwardMode> {
  const stored = await readStored(settings);
  if (!stored || !('state' in stored.mode) || !stored.mode.state.paused) {
    throw new ForwardSourceError('nothing to resume: the guard has not paused the cut-over');
  }
  const mode = { state: resume(stored.mode.state, now) };
  await store(settings, mode, now);
  return mode;
}
