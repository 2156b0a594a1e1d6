import { afterEach } from 'vitest';
import type { Store } from '../../../src/store/store.js';

/** A Store implementation under test. */
export interface StoreBackend {
  /** A fresh, empty, migrated store of its own (its own file, schema or database). */
  open(): Promise<Store>;
}

/**
 * Call inside a describe: returns how its tests open a fresh store; every store opened is
 * closed after its test.
 */
export function freshStores(backend: StoreBackend): () => Promise<Store> {
  const opened: Store[] = [];
  afterEach(async () => {
    for (const store of opened.splice(0)) await store.close();
  });
  return async () => {
    const store = await backend.open();
    opened.push(store);
    return store;
  };
}
