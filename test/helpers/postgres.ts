// PostgreSQL in tests. The server is TEST_DATABASE_URL (default: this machine's, database test,
// trust auth); each test gets a schema of its own, created fresh and dropped after it, or, where
// the test is about what a store does and not how it gets its tables (the conformance suite),
// emptied and handed to the next test (emptySchema).
//
// describePostgres() is the skip rule: when the server is not reachable, outside CI its tests
// are skipped (the global setup said so in one line); under CI (the CI variable set) one test
// stands in for them and fails, naming the server and the reason.
import { randomUUID } from 'node:crypto';
import { appendFileSync } from 'node:fs';
import { afterAll, describe, inject, it, onTestFinished } from 'vitest';
import type { PostgresConfig } from '../../src/store/database-config.js';
import { PostgresDriver } from '../../src/store/postgres/driver.js';
import {
  type PostgresDriverOptions,
  quoteIdentifier,
} from '../../src/store/postgres/pool-config.js';
import { postgresBinDir } from './postgres-cluster.js';
import { TEST_DATABASE_URL, testPostgresConfig, underCi } from './postgres-probe.js';

export { TEST_DATABASE_URL, testPostgresConfig, underCi };

/** Whether the global setup reached the server. */
export function postgresReachable(): boolean {
  return inject('postgres').reachable;
}

/** A describe block of tests that need the PostgreSQL of TEST_DATABASE_URL. */
export function describePostgres(name: string, body: () => void): void {
  const probe = inject('postgres');
  if (probe.reachable) {
    describe(name, body);
  } else if (underCi()) {
    describe(name, () => {
      it(`needs PostgreSQL at ${probe.target} (CI is set, so it must be reachable)`, () => {
        throw new Error(`PostgreSQL at ${probe.target} is not reachable: ${probe.reason}`);
      });
    });
  } else {
    describe.skip(name, body);
  }
}

/**
 * A describe block of tests that start clusters of their own (startCluster): they need the
 * server binaries, not a running server. Missing binaries skip them outside CI, fail them under it.
 */
export function describeCluster(name: string, body: () => void): void {
  const bin = postgresBinDir();
  if (bin !== null) {
    describe(name, body);
  } else if (underCi()) {
    describe(name, () => {
      it('needs the PostgreSQL server binaries (CI is set)', () => {
        throw new Error(
          'no initdb in /usr/lib/postgresql/*/bin or PG_BIN: apt-get install postgresql-15',
        );
      });
    });
  } else {
    describe.skip(name, body);
  }
}

export interface TestSchema {
  /** A fresh name, such as t_1f0c...; the schema exists and is empty. */
  name: string;
  config: PostgresConfig;
  /** A driver whose search_path is the schema; closed after the test. */
  driver(options?: Omit<PostgresDriverOptions, 'schema'>): PostgresDriver;
}

/**
 * A schema for this test alone: created now, dropped (with all in it) when the test finishes,
 * after every driver made with driver() is closed. Call it inside a test.
 */
export async function freshSchema(): Promise<TestSchema> {
  const name = await createSchema();
  return testSchema(name, async (admin) => {
    await admin.query(`DROP SCHEMA ${quoteIdentifier(name)} CASCADE`);
  });
}

/**
 * A new schema on the test server, with a name of its own such as t_1f0c..., on the run's list
 * (the run's end drops it if the test does not). For a schema a whole file shares; a test's own
 * is freshSchema's or emptySchema's.
 */
export async function createSchema(): Promise<string> {
  const name = `t_${randomUUID().replaceAll('-', '').slice(0, 16)}`;
  // Written down first: the run's teardown drops what is left (postgres-global-setup.ts).
  appendFileSync(inject('schemaLog'), `${name}\n`);
  const admin = new PostgresDriver(testPostgresConfig(), { max: 1 });
  try {
    await admin.query(`CREATE SCHEMA ${quoteIdentifier(name)}`);
  } finally {
    await admin.close();
  }
  return name;
}

/**
 * The schema `name` for this test: when it finishes, every driver made with driver() is closed,
 * then `after` runs on a connection of its own (drop the schema, or empty it).
 */
function testSchema(name: string, after: (admin: PostgresDriver) => Promise<void>): TestSchema {
  const config = testPostgresConfig();
  const drivers: PostgresDriver[] = [];
  onTestFinished(async () => {
    await Promise.all(drivers.map((driver) => driver.close()));
    const admin = new PostgresDriver(config, { max: 1 });
    try {
      await after(admin);
    } finally {
      await admin.close();
    }
  });
  return {
    name,
    config,
    driver(options = {}) {
      const driver = new PostgresDriver(config, { max: 4, ...options, schema: name });
      drivers.push(driver);
      return driver;
    },
  };
}

/** Migrated schemas of this test file, emptied, waiting for the next test (emptySchema). */
const emptied: string[] = [];

/**
 * A schema for this test alone, migrated or not, with no rows: a used one of this file when one
 * is free, emptied (every row but schema_version's deleted), else a fresh one. Creating the
 * tables is most of a store test's time on PostgreSQL (about 0.4 s of the server's CPU each).
 * Only for tests that do not look at how a store gets its tables: a migration test wants
 * freshSchema. Call registerEmptySchemas() at the top of the file, to drop them at its end.
 * Call it inside a test.
 */
export async function emptySchema(): Promise<TestSchema> {
  const name = emptied.pop() ?? (await createSchema());
  return testSchema(name, (admin) => emptyOrDrop(admin, name));
}

/**
 * Drops this file's emptied schemas after its last test. Call it at the top of the file: without
 * it they stay in the database until the end of the run, whose teardown drops every schema the
 * run created (postgres-global-setup.ts).
 */
export function registerEmptySchemas(): void {
  afterAll(async () => {
    const admin = new PostgresDriver(testPostgresConfig(), { max: 1 });
    try {
      for (const name of emptied.splice(0)) {
        await admin.query(`DROP SCHEMA ${quoteIdentifier(name)} CASCADE`);
      }
    } finally {
      await admin.close();
    }
  });
}

/**
 * After a test: the rows go and the schema waits for the next test of the file. A schema that
 * cannot be emptied in a few seconds (a connection the test left open holds a lock) is dropped.
 */
async function emptyOrDrop(admin: PostgresDriver, name: string): Promise<void> {
  try {
    await admin.transaction(async (client) => {
      await client.query("SET LOCAL lock_timeout = '5s'");
      // DELETE, not TRUNCATE: a test leaves a few rows, and TRUNCATE's new files cost more.
      // Tables with a foreign key go first (one level: the others reference events).
      const { rows } = await client.query<{ table: string; refers: boolean }>(
        `SELECT c.relname AS table,
                  EXISTS (SELECT 1 FROM pg_constraint f WHERE f.conrelid = c.oid AND f.contype = 'f') AS refers
             FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
            WHERE n.nspname = $1 AND c.relkind = 'r' AND c.relname <> 'schema_version'
            ORDER BY refers DESC, c.relname`,
        [name],
      );
      // Twice: a trigger of one table's delete may write to another already passed
      // (events' deletes count themselves in event_counts).
      for (const row of [...rows, ...rows]) {
        await client.query(`DELETE FROM ${quoteIdentifier(name)}.${quoteIdentifier(row.table)}`);
      }
      const sequences = await client.query<{ sequence: string }>(
        `SELECT c.relname AS sequence FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
            WHERE n.nspname = $1 AND c.relkind = 'S'`,
        [name],
      );
      for (const row of sequences.rows) {
        await client.query(
          `ALTER SEQUENCE ${quoteIdentifier(name)}.${quoteIdentifier(row.sequence)} RESTART`,
        );
      }
    });
    emptied.push(name);
  } catch {
    await admin.query(`DROP SCHEMA ${quoteIdentifier(name)} CASCADE`);
  }
}
