import { describe, expect, it } from 'vitest';
import type { ForwardSource } from '../../src/config/config.js';
import {
  loadForwardSource,
  resetForwardSourceSwitch,
  storeForwardSourceSwitch,
} from '../../src/config/forward-source.js';
import { createLogger } from '../../src/ops/logger.js';
import { SqliteStore } from '../../src/store/sqlite/sqlite-store.js';

const logger = createLogger({ level: 'silent' });
const T0 = Date.parse('2026-11-30T12:00:00Z');

/** One start of the service: FORWARD_SOURCE as the environment has it (undefined: unset). */
const start = (store: SqliteStore, env?: ForwardSource) =>
  loadForwardSource(store, { value: env ?? 'legacy', explicit: env !== undefined }, logger, T0);

describe('FORWARD_SOURCE and the run-time switch across restarts', () => {
  it('a switch survives a restart while FORWARD_SOURCE stays as it was', async () => {
    const store = SqliteStore.open(':memory:');
    const first = await start(store);
    await first.set('workflows', T0);
    const again = await start(store);
    expect(again.get()).toBe('workflows');
    expect(again.origin()).toEqual({ from: 'switch', since: '2026-11-30T12:00:00.000Z' });
  });

  it('a restart with FORWARD_SOURCE changed (here: set where it was unset) drops the switch', async () => {
    const store = SqliteStore.open(':memory:');
    await (await start(store)).set('workflows', T0);
    const restarted = await start(store, 'legacy');
    expect(restarted.get()).toBe('legacy');
    expect(restarted.origin()).toEqual({ from: 'environment', since: null });
    // And it stays dropped at the next start with the same environment.
    expect((await start(store, 'legacy')).get()).toBe('legacy');
  });

  it('a store from before the rule (no previous environment) keeps its switch', async () => {
    const store = SqliteStore.open(':memory:');
    await storeForwardSourceSwitch(store, 'both', T0);
    expect((await start(store, 'legacy')).get()).toBe('both');
  });

  it('a running service obeys a switch made or reset by another process at its next refresh', async () => {
    const store = SqliteStore.open(':memory:');
    const running = await start(store, 'legacy');
    await storeForwardSourceSwitch(store, 'workflows', T0);
    expect(running.get()).toBe('legacy');
    expect(await running.refresh()).toBe(true);
    expect(running.get()).toBe('workflows');
    expect(await running.refresh()).toBe(false);
    await resetForwardSourceSwitch(store);
    expect(await running.refresh()).toBe(true);
    expect(running.get()).toBe('legacy');
    expect(running.origin().from).toBe('environment');
  });
});

describe('a share of customers and a plan in the forward_source setting', () => {
  const env = (value: string, plan?: string) => ({
    value: value as ForwardSource,
    explicit: value !== 'legacy',
    plan,
  });

  it('FORWARD_SOURCE=workflows:10% is stored at start, so every instance counts from one time', async () => {
    const store = SqliteStore.open(':memory:');
    const running = await loadForwardSource(store, env('workflows:10%'), logger, T0);
    expect(running.get()).toBe('workflows:10%');
    expect(running.origin()).toEqual({ from: 'environment', since: '2026-11-30T12:00:00.000Z' });
    const other = await loadForwardSource(store, env('workflows:10%'), logger, T0 + 5000);
    const mode = other.mode();
    expect('state' in mode && mode.state).toMatchObject({ share: 1000, since: T0 });
  });

  it("a rollback (the guard's write) and its pause survive a restart with the same environment", async () => {
    const store = SqliteStore.open(':memory:');
    const running = await loadForwardSource(store, env('legacy', '10%,50%@1d'), logger, T0);
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
    const second = await loadForwardSource(store, env('legacy', '10%,50%@1d'), logger, T0 + 2);
    expect(await second.replace(mode.state, rolledBack, T0 + 3)).toBe(false);
    const restarted = await loadForwardSource(store, env('legacy', '10%,50%@1d'), logger, T0 + 9);
    expect(restarted.get()).toBe('workflows:0%');
    const after = restarted.mode();
    expect('state' in after && after.state.paused).toMatchObject({ from: 1000, to: 0 });
    // Only an operator resumes.
    const resumed = await restarted.resume(T0 + 10);
    expect(resumed).toMatchObject({ paused: null, since: T0 + 10 });
    await expect(restarted.resume(T0 + 11)).rejects.toThrow(/nothing to resume/);
  });

  it('a changed FORWARD_SOURCE_PLAN starts the new plan; a reset starts the environment anew', async () => {
    const store = SqliteStore.open(':memory:');
    const first = await loadForwardSource(store, env('legacy', '10%,50%@1d'), logger, T0);
    await first.set('workflows:20%', T0 + 1);
    const changed = await loadForwardSource(store, env('legacy', '5%,50%@1d'), logger, T0 + 2);
    expect(changed.get()).toBe('workflows:5%');
    await changed.set('both', T0 + 3);
    await resetForwardSourceSwitch(store);
    await changed.refresh(T0 + 4);
    expect(changed.get()).toBe('workflows:5%');
    const mode = changed.mode();
    expect('state' in mode && mode.state.since).toBe(T0 + 4);
  });

  it('refuses a share above 100% and a plan that goes down, with the reason', async () => {
    const store = SqliteStore.open(':memory:');
    const running = await loadForwardSource(store, env('legacy'), logger, T0);
    await expect(running.set('workflows:120%', T0)).rejects.toThrow(/cannot be above 100%/);
    await expect(running.setPlan('10%,5%', T0)).rejects.toThrow(/goes down/);
    expect(running.get()).toBe('legacy');
  });
});
