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
