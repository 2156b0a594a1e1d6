import { Registry } from 'prom-client';
import { describe, expect, it } from 'vitest';
import { registerCutoverMetrics } from '../../src/ops/cutover-metrics.js';
import { SqliteStore } from '../../src/store/sqlite/sqlite-store.js';
import { newEvent } from '../helpers/new-event.js';

describe('the migration gauges', () => {
  it("count the last day's logins by who reported them, and say whether this environment differs", async () => {
    const store = SqliteStore.open(':memory:');
    const now = Date.now();
    const accept = (id: string, source: 'legacy' | 'workflows', customerId: string) =>
      store.accept(
        newEvent({
          id,
          source,
          customerId,
          interviewId: `i-${customerId}`,
          receivedAt: now - 1000,
        }),
        3_600_000,
      );
    await accept('l1', 'legacy', 'a');
    await accept('w1', 'workflows', 'a');
    await accept('l2', 'legacy', 'b');
    await accept('w3', 'workflows', 'c');
    await accept('w4', 'workflows', 'd');
    // An old login, outside the last day.
    await store.accept(
      newEvent({ id: 'old', customerId: 'e', receivedAt: now - 2 * 86_400_000 }),
      3_600_000,
    );
    let differs = true;
    const registry = new Registry();
    registerCutoverMetrics(registry, {
      store,
      environmentDiffers: () => differs,
      clock: () => now,
    });
    const text = await registry.metrics();
    expect(text).toMatch(/^faceauth_recent_logins\{reported_by="both"\} 1$/m);
    expect(text).toMatch(/^faceauth_recent_logins\{reported_by="legacy_only"\} 1$/m);
    expect(text).toMatch(/^faceauth_recent_logins\{reported_by="workflows_only"\} 2$/m);
    expect(text).toMatch(/^faceauth_forward_source_environment_differs 1$/m);
    differs = false;
    expect(await registry.metrics()).toMatch(/^faceauth_forward_source_environment_differs 0$/m);
    await store.close();
  });
});
