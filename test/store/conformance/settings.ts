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
  });
}
