import type { Logger } from 'pino';
import type { Store } from '../store/store.js';
import {
  type ForwardMode,
  type ForwardSourceValue,
  parseForwardSource,
  sourceText,
} from './source-value.js';
import type { CutoverState } from './state.js';
import { describeState } from './state.js';
import {
  environmentDiffers,
  environmentMode,
  environmentText,
  type ForwardSourceEnvironment,
  readOrInitialize,
  readStored,
  recordEnvironment,
  replaceStored,
  resetStored,
  resumeStored,
  type StoredCutover,
  setPlan,
  setSource,
} from './stored.js';

/** How often a running service reads the stored cut-over, to obey a change made elsewhere. */
export const FORWARD_SOURCE_REFRESH_MS = 1_000;
/** How often an instance says again what its environment asks for. */
const ENVIRONMENT_EVERY_MS = 60_000;

export type ForwardSourceOrigin = { from: 'environment' | 'switch'; since: string | null };

/** The cut-over as one instance holds it: the stored one, read every second. */
export interface ForwardSourceSwitch {
  /** The value in force: `legacy`, `workflows`, `both` or `workflows:<N>%`. */
  get(): ForwardSourceValue;
  mode(): ForwardMode;
  /** Whether the stored cut-over came from an environment (the first instance's) or an operator. */
  origin(): ForwardSourceOrigin;
  /** What this instance's environment asks for, and whether that differs from the stored cut-over. */
  environment(): { forwardSource: string; explicit: boolean; differs: boolean };
  /** An operator stores a value; a share keeps the guard, and drops a plan. Throws ForwardSourceError. */
  set(source: ForwardSourceValue, now: number): Promise<void>;
  /** An operator stores a plan, which starts now. Throws ForwardSourceError for a bad plan. */
  setPlan(text: string, now: number): Promise<CutoverState>;
  /** An operator resumes a plan (or a share) paused by the guard. Throws ForwardSourceError. */
  resume(now: number): Promise<CutoverState>;
  /** An operator forgets the stored cut-over: this instance's environment is stored instead. */
  reset(now: number): Promise<void>;
  /**
   * Writes a state the guard or the plan decided from `basis`, unless the stored state changed
   * since (another instance or an operator got there first): says whether it was written.
   */
  replace(basis: CutoverState, next: CutoverState, now: number): Promise<boolean>;
  /**
   * Reads the stored cut-over again (one changed by the CLI or another instance takes effect
   * here); where none is stored, stores this environment's. Says whether the value changed.
   */
  refresh(now?: number): Promise<boolean>;
}

export interface ForwardSourceSwitchOptions {
  /** This instance, as its environment is recorded (several instances share one database). */
  instance?: string;
  logger?: Logger;
  clock?: () => number;
}

type Settings = Pick<
  Store,
  | 'getSetting'
  | 'setSetting'
  | 'insertSetting'
  | 'replaceSetting'
  | 'deleteSetting'
  | 'listSettings'
>;

/** An environment from a value alone (tests, and an app without a service around it). */
function asEnvironment(
  environment: ForwardSourceEnvironment | ForwardSourceValue,
): ForwardSourceEnvironment {
  if (typeof environment !== 'string') return environment;
  const parsed = parseForwardSource(environment);
  return { value: 'error' in parsed ? 'legacy' : parsed.value, explicit: true };
}

/**
 * The cut-over of one instance. Until `refresh` first reads the store it is the environment's
 * (the service takes no webhook before that).
 */
export function createForwardSourceSwitch(
  settings: Settings,
  environment: ForwardSourceEnvironment | ForwardSourceValue,
  options: ForwardSourceSwitchOptions = {},
): ForwardSourceSwitch {
  const env = asEnvironment(environment);
  const { logger } = options;
  const clock = options.clock ?? Date.now;
  const instance = options.instance ?? 'this-instance';
  let current: ForwardMode = environmentMode(env, clock());
  let origin: ForwardSourceOrigin = { from: 'environment', since: null };
  let recordedAt: number | undefined;

  function hold(stored: StoredCutover) {
    current = stored.mode;
    origin = {
      from: 'state' in stored.mode ? stored.mode.state.from : 'switch',
      since: stored.since,
    };
  }

  async function keep(mode: ForwardMode, now: number) {
    current = mode;
    origin = { from: 'switch', since: new Date(now).toISOString() };
  }

  return {
    get: () => sourceText(current),
    mode: () => current,
    origin: () => origin,
    environment: () => ({
      forwardSource: environmentText(env),
      explicit: env.explicit || env.plan !== undefined,
      differs: environmentDiffers(env, current),
    }),
    async set(source, now) {
      await keep(await setSource(settings, source, now), now);
    },
    async setPlan(text, now) {
      const mode = await setPlan(settings, text, now);
      await keep(mode, now);
      return mode.state;
    },
    async resume(now) {
      const mode = await resumeStored(settings, now);
      await keep(mode, now);
      return (mode as { state: CutoverState }).state;
    },
    async reset(now) {
      await resetStored(settings);
      await this.refresh(now);
    },
    async replace(basis, next, now) {
      const stored = await readStored(settings);
      const storedState = stored && 'state' in stored.mode ? stored.mode.state : undefined;
      if (!stored || JSON.stringify(storedState) !== JSON.stringify(basis)) return false;
      if (!(await replaceStored(settings, stored.raw, { state: next }, now))) return false;
      current = { state: next };
      origin = { from: next.from, since: new Date(now).toISOString() };
      return true;
    },
    async refresh(now = clock()) {
      const before = sourceText(current);
      const first = recordedAt === undefined;
      hold(await readOrInitialize(settings, env, now));
      if (first || now - (recordedAt ?? 0) >= ENVIRONMENT_EVERY_MS) {
        recordedAt = now;
        await recordEnvironment(settings, instance, env, now);
      }
      const changed = sourceText(current) !== before;
      if (changed && !first) {
        logger?.warn(
          { previous: before, forwardSource: sourceText(current), from: origin.from },
          'FORWARD_SOURCE: the stored cut-over changed; reports that arrive from now on follow it',
        );
      }
      return changed;
    },
  };
}

/**
 * The cut-over at start: the stored one, which a restart never changes; where none is stored
 * (the first start, or after `forward-source reset`), this environment's, stored for every
 * instance. An environment that asks for something else is said once, at warn, and ignored.
 */
export async function loadForwardSource(
  settings: Settings,
  environment: ForwardSourceEnvironment,
  logger: Logger,
  options: { instance?: string; now?: number } = {},
): Promise<ForwardSourceSwitch> {
  const created = createForwardSourceSwitch(settings, environment, {
    logger,
    ...(options.instance ? { instance: options.instance } : {}),
  });
  await created.refresh(options.now ?? Date.now());
  announceCutover(created, logger);
  return created;
}

/** Says at start what the cut-over is, and whether this instance's environment asks for another. */
export function announceCutover(created: ForwardSourceSwitch, logger: Logger): void {
  const mode = created.mode();
  const env = created.environment();
  if (env.differs) {
    logger.warn(
      {
        forwardSource: created.get(),
        environment: env.forwardSource,
        since: created.origin().since,
      },
      `FORWARD_SOURCE: this instance's environment asks for ${env.forwardSource}, but the stored cut-over is ${created.get()}: the stored one holds (a restart never changes it); change it with PUT /admin/forward-source or \`faceauth-shim forward-source set|plan|reset\``,
    );
  }
  if ('state' in mode) {
    logger.info({ forwardSource: created.get() }, `FORWARD_SOURCE: ${describeState(mode.state)}`);
  }
}
