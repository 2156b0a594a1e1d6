import type { DatabaseConfig } from '../config/database-url.js';
import { SqliteStore } from './sqlite/sqlite-store.js';

export interface OpenStoreOptions {
  /** For commands that read a store the service made (report, replay ...): never create one. */
  mustExist?: boolean;
}

/**
 * The one place a store is opened, by what DATABASE_URL names. Throws StoreOpenError when the
 * URL names something that cannot be a store, StoreUnavailableError when it cannot be used.
 */
export function openStore(database: DatabaseConfig, options: OpenStoreOptions = {}): SqliteStore {
  return SqliteStore.open(database.path, { mustExist: options.mustExist === true });
}
