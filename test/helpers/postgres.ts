// PostgreSQL in tests. The server is TEST_DATABASE_URL (default: this machine's, database test,
// trust auth); each test gets a schema of its own, created fresh and dropped after it.
//
// describePostgres() is the skip rule: when the server is not reachable, outside CI its tests
// are skipped (the global setup said so in one line); under CI (the CI variable set) one test
// stands in for them and fails, naming the server and the reason.
import { randomUUID } from 'node:crypto';
import { describe, inject, it, onTestFinished } from 'vitest';
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
  const config = testPostgresConfig();
  const name = `t_${randomUUID().replaceAll('-', '').slice(0, 16)}`;
  const admin = new PostgresDriver(config, { max: 1 });
  await admin.query(`CREATE SCHEMA ${quoteIdentifier(name)}`);
  const drivers: PostgresDriver[] = [];
  onTestFinished(async () => {
    await Promise.all(drivers.map((driver) => driver.close()));
    await admin.query(`DROP SCHEMA ${quoteIdentifier(name)} CASCADE`);
    await admin.close();
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
