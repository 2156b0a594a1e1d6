import type { DatabaseConfig } from './database-config.js';
import {
  type ConnectOptions,
  PostgresStore,
  type PostgresStoreOptions,
} from './postgres/postgres-store.js';
import { SqliteStore } from './sqlite/sqlite-store.js';
import type { Store } from './store.js';

export interface OpenStoreOptions {
  /** For commands that read a store the service made (report, replay ...): never create one. */
  mustExist?: boolean;
  /**
   * PostgreSQL: do not connect yet; the caller connects (PostgresStore.connect, through
   * connectStore), waiting for a database that is not up yet. The service's way.
   */
  deferConnect?: boolean;
  /** SQLite: the largest webhook body (MAX_BODY_BYTES), for the disk room /readyz checks. */
  webhookBytes?: number;
  /** PostgreSQL: told when a result was not written because another instance took the lease over. */
  onLeaseLost?: PostgresStoreOptions['onLeaseLost'];
  /**
   * SQLite: the service's store, the only one on its file: a second service on the same file is
   * refused (StoreOpenError). PostgreSQL takes any number of instances.
   */
  exclusive?: boolean;
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
      return SqliteStore.open(database.path, {
        mustExist: options.mustExist === true,
        ...(options.webhookBytes !== undefined ? { webhookBytes: options.webhookBytes } : {}),
        exclusive: options.exclusive === true,
      });
    case 'postgres': {
      const storeOptions: PostgresStoreOptions = {
        mustExist: options.mustExist === true,
        ...(options.onLeaseLost ? { onLeaseLost: options.onLeaseLost } : {}),
      };
      return options.deferConnect
        ? PostgresStore.create(database, storeOptions)
        : PostgresStore.open(database, storeOptions);
    }
  }
}

/**
 * Makes a store opened with `deferConnect` usable, then runs `prepare` (what the service needs
 * before it takes webhooks: the stored switch, the workers' start). SQLite is usable once opened:
 * prepare runs at once. PostgreSQL migrates and writes first; a database that cannot be reached
 * yet is waited for in the background (said once through onWaiting; this resolves, and the store
 * answers 503 until it is up); a refused login or an unknown database throws
 * PostgresConfigError (exit 2), at once or later through onFatal.
 */
export async function connectStore(
  store: Store,
  options: Omit<ConnectOptions, 'wait'> = {},
): Promise<void> {
  if (store instanceof PostgresStore) return store.connect({ ...options, wait: true });
  await options.prepare?.();
}
