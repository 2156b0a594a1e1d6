// Vitest global setup: is the PostgreSQL of TEST_DATABASE_URL reachable? Asked once for the whole
// run, so a run without one says so in one line (outside CI the PostgreSQL tests are skipped;
// under CI they fail, each naming the reason). Test files read the answer with inject('postgres').
//
// It also keeps the test database clean: every schema a test of this run creates is written to
// a file of the run (test/helpers/postgres.ts), and the teardown drops those still there at the
// end (a file that forgot registerEmptySchemas(), a drop that failed). Only this run's schemas:
// another run on the same database keeps its own.
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { TestProject } from 'vitest/node';
import { quoteIdentifier } from '../../src/store/postgres/pool-config.js';
import { probePostgres, testClient, underCi } from './postgres-probe.js';

declare module 'vitest' {
  export interface ProvidedContext {
    /** The file that lists the schemas this run created, a name a line. */
    schemaLog: string;
  }
}

/**
 * Drops the schemas named in `log` that still exist; returns what it dropped and what it could
 * not. A drop waits at most `lockTimeout` for a lock (a connection a failed test left open may
 * hold one), and a failed one does not stop the others: the run must end.
 */
export async function dropLeftSchemas(
  log: string,
  lockTimeout = '5s',
): Promise<{ dropped: string[]; failed: { name: string; error: string }[] }> {
  const result = { dropped: [] as string[], failed: [] as { name: string; error: string }[] };
  if (!existsSync(log)) return result;
  const names = [...new Set(readFileSync(log, 'utf8').split('\n').filter(Boolean))];
  const client = testClient();
  await client.connect();
  try {
    await client.query(`SET lock_timeout = '${lockTimeout}'`);
    const { rows } = await client.query<{ name: string }>(
      'SELECT nspname AS name FROM pg_namespace WHERE nspname = ANY($1::text[]) ORDER BY 1',
      [names],
    );
    for (const { name } of rows) {
      try {
        await client.query(`DROP SCHEMA IF EXISTS ${quoteIdentifier(name)} CASCADE`);
        result.dropped.push(name);
      } catch (error) {
        result.failed.push({ name, error: (error as Error).message });
      }
    }
    return result;
  } finally {
    await client.end();
  }
}

export default async function setup(project: TestProject): Promise<() => Promise<void>> {
  const postgres = await probePostgres();
  project.provide('postgres', postgres);
  const dir = mkdtempSync(join(tmpdir(), 'faceauth-test-schemas-'));
  const log = join(dir, 'schemas');
  project.provide('schemaLog', log);
  if (!postgres.reachable) {
    const what = underCi()
      ? 'CI is set, so the PostgreSQL tests will fail'
      : 'PostgreSQL tests skipped (they run under CI, which needs one)';
    process.stdout.write(`no PostgreSQL at ${postgres.target} (${postgres.reason}): ${what}\n`);
  }
  return async () => {
    try {
      if (postgres.reachable) {
        const { failed } = await dropLeftSchemas(log);
        for (const { name, error } of failed) {
          process.stdout.write(`test schema ${name} left in the database: ${error}\n`);
        }
      }
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  };
}
