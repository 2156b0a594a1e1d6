// Several PostgreSQL stores on one schema, as several instances of the service share one
// database: each is opened the way the service opens its store (openStore, from the
// DATABASE_URL a service would be given), so each has its own pool and its own instance id.
import { onTestFinished } from 'vitest';
import { parseDatabaseUrl } from '../../src/config/database-url.js';
import { openStore } from '../../src/store/open-store.js';
import type { Store } from '../../src/store/store.js';
import { emptySchema, TEST_DATABASE_URL, type TestSchema } from './postgres.js';

/** DATABASE_URL for a service (or a store) that keeps its tables in `schema` of the test server. */
export function schemaUrl(schema: string, base = TEST_DATABASE_URL): string {
  const separator = base.includes('?') ? '&' : '?';
  return `${base}${separator}options=${encodeURIComponent(`-c search_path=${schema}`)}`;
}

/** Opens one more store on the schema, as one more instance would. */
export async function openSchemaStore(schema: string): Promise<Store> {
  const database = parseDatabaseUrl(schemaUrl(schema));
  if ('error' in database) throw new Error(database.error);
  return openStore(database);
}

export interface SharedSchema {
  schema: TestSchema;
  /** The stores, each as one instance of the service. */
  stores: Store[];
  /** Opens another store on the same schema (a starting instance); closed after the test. */
  another(): Promise<Store>;
}

/**
 * A schema with no rows (emptySchema: call registerEmptySchemas() at the top of the file) and
 * `count` stores on it, opened at the same moment, as instances that start together. Their
 * race to create the tables on a new schema is test/store/postgres/migrations.test.ts's.
 * Every store is closed after the test, then the schema emptied. Call it inside a test.
 */
export async function sharedSchema(count: number): Promise<SharedSchema> {
  const schema = await emptySchema();
  const opened: Store[] = [];
  // Registered after emptySchema's own cleanup, so it runs first (onTestFinished runs in reverse).
  onTestFinished(async () => {
    await Promise.all(opened.map((store) => store.close()));
  });
  const another = async () => {
    const store = await openSchemaStore(schema.name);
    opened.push(store);
    return store;
  };
  const stores = await Promise.all(Array.from({ length: count }, another));
  return { schema, stores, another };
}
