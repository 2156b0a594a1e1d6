import type { DatabaseConfig } from '../config/database-url.js';
import { SqliteStore } from './sqlite/sqlite-store.js';
import type { Store } from './store.js';

export interface OpenStoreOptions {
  /** For commands that read a store the service made (report, replay ...): never create one. */
  mustExist?: boolean;
}

/**
 * The one place a store is opened, by what DATABASE_URL names: the service, the CLI, the
 * benchmarks and the tests all come here, so a backend is added in one place. Async, because a
 * backend on a server connects and migrates before it can be used. Throws StoreOpenError when
 * the URL names something that cannot be a store, StoreUnavailableError when it cannot be used.
 */
export async function openStore(
  database: DatabaseConfig,
  options: OpenStoreOptions = {},
): Promise<Store> {
  switch (database.kind) {
    case 'sqlite':
      return SqliteStore.open(database.path, { mustExist: options.mustExist === true });
  }
}
