import { describe, expect, it } from 'vitest';
import type { ForwardSourceValue } from '../../src/cutover/source-value.js';
import { readStatus } from '../../src/cutover/status.js';
import {
  type ForwardSourceEnvironment,
  instanceEnvironments,
  resetStored,
  setSource,
} from '../../src/cutover/stored.js';
import { loadForwardSource } from '../../src/cutover/switch.js';
import { createLogger } from '../../src/ops/logger.js';
import { SqliteStore } from '../../src/store/sqlite/sqlite-store.js';

const T0 = Date.parse('2026-11-30T12:00:00Z');
const GUARD = {
  minPairs: 20,
  minAgreement: 0.99,
  counts: 'reason' as const,
  windowMs: 3_600_000,
  compareWindowMs: 300_000,
};

/** A logger whose warn lines the test reads. */
function recordingLogger() {
  const warned: string[] = [];
  const logger = createLogger({ level: 'silent' });
  const original = logger.warn.bind(logger);
  logger.warn = ((...args: unknown[]) => {
    warned.push(String(args.find((a) => typeof a === 'string') ?? ''));
    return (original as (...a: unknown[]) => void)(...args);
  }) as typeof logger.warn;
  return { logger, warned };
}

const env = (value?: ForwardSourceValue, plan?: string): ForwardSourceEnvironment => ({
  value: value ?? 'legacy',
  explicit: value !== undefined,
  plan,
});

/** One start of an instance with this environment. */
const start = (
  store: SqliteStore,
  environment: ForwardSourceEnvironment,
  now = T0,
  instance = 'a',
) => loadForwardSource(store, environment, recordingLogger().logger, { now, instance });

describe('a restart never changes the cut-over', () => {
  it('the first start stores its environment for every instance', async () => {
    const store = SqliteStore.open(':memory:');
    const first = await start(store, env('both'));
    expect(first.get()).toBe('both');
    expect((await store.getSetting('forward_source'))?.value).toBe('both');
    // Another instance with another environment follows the stored one.
    const other = await start(store, env('legacy'), T0 + 1, 'b');
    expect(other.get()).toBe('both');
    expect(other.environment()).toEqual({ forwardSource: 'legacy', explicit: true, differs: true });
  });

  it("an operator's switch holds over a restart with FORWARD_SOURCE=legacy written out, and the instance says so", async () => {
    const store = SqliteStore.open(':memory:');
    await (await start(store, env())).set('workflows', T0);
    const { logger, warned } = recordingLogger();
    const restarted = await loadForwardSource(store, env('legacy'), logger, {
      now: T0 + 1,
      instance: 'a',
    });
    expect(restarted.get()).toBe('workflows');
    expect(restarted.origin()).toEqual({ from: 'switch', since: '2026-11-30T12:00:00.000Z' });
    expect(warned.join('\n')).toMatch(
      /asks for legacy, but the stored cut-over is workflows: the stored one holds/,
    );
    // Unset, FORWARD_SOURCE asks for nothing: no warning, nothing differs.
    const unset = await start(store, env(), T0 + 2);
    expect(unset.get()).toBe('workflows');
    expect(unset.environment().differs).toBe(false);
  });

  it('a running instance obeys a change made elsewhere within a refresh; a reset stores an environment anew', async () => {
    const store = SqliteStore.open(':memory:');
    const running = await start(store, env('legacy'));
    await setSource(store, 'workflows', T0);
    expect(running.get()).toBe('legacy');
    expect(await running.refresh(T0 + 1)).toBe(true);
    expect(running.get()).toBe('workflows');
    expect(await running.refresh(T0 + 2)).toBe(false);
    await resetStored(store);
    expect(await running.refresh(T0 + 3)).toBe(true);
    expect(running.get()).toBe('legacy');
    expect((await store.getSetting('forward_source'))?.value).toBe('legacy');
  });

  it('two instances finding nothing stored at the same instant: one environment wins, both follow it', async () => {
    const store = SqliteStore.open(':memory:');
    const [a, b] = await Promise.all([
      start(store, env('both'), T0, 'a'),
      start(store, env('legacy'), T0, 'b'),
    ]);
    await Promise.all([a.refresh(T0 + 1), b.refresh(T0 + 1)]);
    expect(a.get()).toBe(b.get());
    expect([a.environment().differs, b.environment().differs].sort()).toEqual([false, true]);
  });

  it("the instances' environments are listed, with which differ; old ones are forgotten", async () => {
    const store = SqliteStore.open(':memory:');
    await start(store, env('both'), T0, 'a');
    await start(store, env('workflows:10%'), T0 + 1, 'b');
    await start(store, env(), T0 + 2, 'c');
    const status = await readStatus(store, { word: 'both' }, GUARD, T0 + 3);
    expect(
      status.environments.instances.map((i) => [i.instance, i.forwardSource, i.differs]),
    ).toEqual([
      ['a', 'both', false],
      ['b', 'workflows:10%', true],
      ['c', 'unset', false],
    ]);
    expect(status.environments.differing).toBe(1);
    expect(await instanceEnvironments(store, T0 + 3 + 11 * 60_000)).toEqual([]);
  });
});

describe('a share of customers and a plan in the stored cut-over', () => {
  it('FORWARD_SOURCE=workflows:10% is stored at the first start, so every instance counts from one time', async () => {
    const store = SqliteStore.open(':memory:');
    const running = await start(store, env('workflows:10%'));
    expect(running.get()).toBe('workflows:10%');
    expect(running.origin()).toEqual({ from: 'environment', since: '2026-11-30T12:00:00.000Z' });
    const other = await start(store, env('workflows:10%'), T0 + 5000, 'b');
    const mode = other.mode();
    expect('state' in mode && mode.state).toMatchObject({ share: 1000, since: T0 });
    expect(other.environment().differs).toBe(false);
  });

  it("a rollback (the guard's write) and its pause survive a restart; only an operator resumes", async () => {
    const store = SqliteStore.open(':memory:');
    const running = await start(store, env(undefined, '10%,50%@1d'));
    const mode = running.mode();
    if (!('state' in mode)) throw new Error('no state');
    expect(mode.state).toMatchObject({ share: 1000, plan: { step: 0 } });
    const rolledBack = {
      ...mode.state,
      share: 0,
      plan: mode.state.plan && { ...mode.state.plan, step: -1 },
      paused: { at: T0 + 1, from: 1000, to: 0, reason: 'test', pairIds: ['l/w'] },
    };
    expect(await running.replace(mode.state, rolledBack, T0 + 1)).toBe(true);
    // A second instance that saw the same rollback from the same state writes nothing.
    const second = await start(store, env(undefined, '10%,50%@1d'), T0 + 2, 'b');
    expect(await second.replace(mode.state, rolledBack, T0 + 3)).toBe(false);
    const restarted = await start(store, env(undefined, '10%,50%@1d'), T0 + 9);
    expect(restarted.get()).toBe('workflows:0%');
    expect(restarted.environment().differs).toBe(false);
    const resumed = await restarted.resume(T0 + 10);
    expect(resumed).toMatchObject({ paused: null, since: T0 + 10 });
    await expect(restarted.resume(T0 + 11)).rejects.toThrow(/nothing to resume/);
  });

  it('a changed FORWARD_SOURCE_PLAN changes nothing until a reset, which stores it anew', async () => {
    const store = SqliteStore.open(':memory:');
    const first = await start(store, env(undefined, '10%,50%@1d'));
    await first.set('workflows:20%', T0 + 1);
    const changed = await start(store, env(undefined, '5%,50%@1d'), T0 + 2);
    expect(changed.get()).toBe('workflows:20%');
    expect(changed.environment().differs).toBe(true);
    await changed.reset(T0 + 4);
    expect(changed.get()).toBe('workflows:5%');
    const mode = changed.mode();
    expect('state' in mode && mode.state.since).toBe(T0 + 4);
  });

  it('refuses a share above 100% and a plan that goes down, with the reason, changing nothing', async () => {
    const store = SqliteStore.open(':memory:');
    const running = await start(store, env('legacy'));
    await expect(running.set('workflows:120%', T0)).rejects.toThrow(/cannot be above 100%/);
    await expect(running.setPlan('10%,5%', T0)).rejects.toThrow(/goes down/);
    expect(running.get()).toBe('legacy');
  });
});
