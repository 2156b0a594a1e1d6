import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type pg from 'pg';
import { expect, inject, it, onTestFinished } from 'vitest';
import type { TestProject } from 'vitest/node';
import { quoteIdentifier } from '../../src/store/postgres/pool-config.js';
import { createSchema, describePostgres, emptySchema, freshSchema } from './postgres.js';
import setup, { dropLeftSchemas } from './postgres-global-setup.js';
import { testClient } from './postgres-probe.js';

// The run's end drops the schemas its tests created and left, and no other: a schema of another
// run on the same database (or anyone's) is not on this run's list and stays.

async function connected(): Promise<pg.Client> {
  const client = testClient();
  await client.connect();
  onTestFinished(() => client.end());
  return client;
}

async function schemasNamed(client: pg.Client, names: string[]): Promise<string[]> {
  const { rows } = await client.query<{ name: string }>(
    'SELECT nspname AS name FROM pg_namespace WHERE nspname = ANY($1::text[]) ORDER BY 1',
    [names],
  );
  return rows.map((row) => row.name);
}

/** Schemas named `t_gs_<what>_...`, created now and dropped (if still there) after the test. */
async function schemas(client: pg.Client, ...what: string[]): Promise<string[]> {
  const tag = `${process.pid}_${Date.now()}`;
  const names = what.map((w) => `t_gs_${w}_${tag}`);
  onTestFinished(async () => {
    for (const name of names) {
      await client.query(`DROP SCHEMA IF EXISTS ${quoteIdentifier(name)} CASCADE`);
    }
  });
  for (const name of names) {
    await client.query(`CREATE SCHEMA ${quoteIdentifier(name)}`);
    await client.query(`CREATE TABLE ${quoteIdentifier(name)}.rows (id int)`);
  }
  return names;
}

function logOf(...names: string[]): string {
  const dir = mkdtempSync(join(tmpdir(), 'faceauth-schema-log-'));
  onTestFinished(() => rmSync(dir, { recursive: true, force: true }));
  const log = join(dir, 'schemas');
  writeFileSync(log, names.map((name) => `${name}\n`).join(''));
  return log;
}

describePostgres('the teardown of a run', () => {
  it('every schema the helpers create is on the run list, before it exists', async () => {
    const fresh = await freshSchema();
    const emptied = await emptySchema();
    const shared = await createSchema();
    const client = await connected();
    onTestFinished(async () => {
      await client.query(`DROP SCHEMA IF EXISTS ${quoteIdentifier(shared)} CASCADE`);
    });
    const listed = readFileSync(inject('schemaLog'), 'utf8').split('\n');
    expect(listed).toEqual(expect.arrayContaining([fresh.name, emptied.name, shared]));
  });

  it('drops the schemas the list names that are still there, and only those', async () => {
    const client = await connected();
    const [left, foreign] = await schemas(client, 'left', 'foreign');
    const gone = `t_gs_gone_${process.pid}`;
    // `gone` was dropped by its test already; `left` is listed twice, as a retry would.
    const log = logOf(left as string, gone, left as string);

    expect(await dropLeftSchemas(log)).toEqual({ dropped: [left], failed: [] });
    expect(await schemasNamed(client, [left, gone, foreign] as string[])).toEqual([foreign]);
  });

  it('a schema held by an open transaction is reported, not waited for, and the others go', async () => {
    const client = await connected();
    const [held, free] = await schemas(client, 'held', 'free');
    const holder = await connected();
    await holder.query('BEGIN');
    await holder.query(`SELECT * FROM ${quoteIdentifier(held as string)}.rows`);
    onTestFinished(async () => {
      await holder.query('ROLLBACK');
    });

    const { dropped, failed } = await dropLeftSchemas(
      logOf(held as string, free as string),
      '200ms',
    );
    expect(dropped).toEqual([free]);
    expect(failed).toEqual([{ name: held, error: expect.stringMatching(/lock timeout/) }]);
    expect(await schemasNamed(client, [held, free] as string[])).toEqual([held]);
  });

  it('the setup gives the run a list, and the teardown it returns drops what the list names', async () => {
    const provided = new Map<string, unknown>();
    const project = { provide: (key: string, value: unknown) => provided.set(key, value) };
    const teardown = await setup(project as unknown as TestProject);
    const log = provided.get('schemaLog') as string;
    const client = await connected();
    const [left] = await schemas(client, 'torn');
    writeFileSync(log, `${left}\n`);

    await teardown();
    expect(await schemasNamed(client, [left as string])).toEqual([]);
    expect(existsSync(log)).toBe(false);
  });

  it('has nothing to do when no test created a schema', async () => {
    const missing = join(tmpdir(), `faceauth-no-such-log-${process.pid}`);
    expect(await dropLeftSchemas(missing)).toEqual({ dropped: [], failed: [] });
  });
});
