import { describe, expect, it } from 'vitest';
import { T0 } from '../../helpers/new-event.js';
import { freshStores, type StoreBackend } from './backend.js';

/** Settings (FORWARD_SOURCE set at run time, ...). */
export function describeSettings(backend: StoreBackend): void {
  const open = freshStores(backend);

  describe('settings', () => {
    it('reads back what was set, with its time; unknown keys are undefined', async () => {
      const store = await open();
      expect(await store.getSetting('forward_source')).toBeUndefined();
      await store.setSetting('forward_source', 'workflows', T0);
      expect(await store.getSetting('forward_source')).toEqual({
        value: 'workflows',
        updatedAt: T0,
      });
      await store.setSetting('forward_source', 'both', T0 + 1);
      expect(await store.getSetting('forward_source')).toEqual({
        value: 'both',
        updatedAt: T0 + 1,
      });
    });

    it('replaces a setting only while it still holds the expected value (compare and set)', async () => {
      const store = await open();
      expect(await store.replaceSetting('forward_source', 'a', 'b', T0)).toBe(false);
      expect(await store.getSetting('forward_source')).toBeUndefined();
      await store.setSetting('forward_source', 'a', T0);
      expect(await store.replaceSetting('forward_source', 'a', 'b', T0 + 1)).toBe(true);
      // A second writer that read 'a' before the first one wrote loses, and changes nothing.
      expect(await store.replaceSetting('forward_source', 'a', 'c', T0 + 2)).toBe(false);
      expect(await store.getSetting('forward_source')).toEqual({ value: 'b', updatedAt: T0 + 1 });
    });

    it('inserts a setting only where none is set, at the same instant too: one wins', async () => {
      const store = await open();
      const results = await Promise.all([
        store.insertSetting('forward_source', 'legacy', T0),
        store.insertSetting('forward_source', 'both', T0),
      ]);
      const winner = results[0] ? 'legacy' : 'both';
      expect([...results].sort()).toEqual([false, true]);
      expect((await store.getSetting('forward_source'))?.value).toBe(winner);
      expect(await store.insertSetting('forward_source', 'workflows', T0 + 1)).toBe(false);
    });

    it('lists the settings whose key starts with a prefix, taken literally', async () => {
      const store = await open();
      await store.setSetting('env:b', '2', T0 + 1);
      await store.setSetting('env:a', '1', T0);
      await store.setSetting('env_x', 'not it', T0);
      await store.setSetting('other', 'no', T0);
      expect(await store.listSettings('env:')).toEqual([
        { key: 'env:a', value: '1', updatedAt: T0 },
        { key: 'env:b', value: '2', updatedAt: T0 + 1 },
      ]);
      expect(await store.listSettings('env%')).toEqual([]);
    });
  });
}
