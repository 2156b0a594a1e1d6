import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { expect, it, onTestFinished } from 'vitest';
import { quoteIdentifier } from '../../src/store/postgres/pool-config.js';
import { describePostgres } from './postgres.js';
import { dropLeftSchemas } from './postgres-global-setup.js';
import { testClient } from './postgres-probe.js';

// The run's teardown drops the schemas its tests created and left, and no other: a schema of
// another run on the same database (or anyone's) is not in this run's list and stays.

async function schemasNamed(names: string[]): Promise<string[]> {
  const client = testClient();
  await client.connect();
  try {
    const { rows } = await client.query<{ name: string }>(
      'SELECT nspname AS name FROM pg_namespace WHERE nspname = ANY($1::text[]) ORDER BY 1',
      [names],
    );
    return rows.map((row) => row.name);
  } finally {
    await client.end();
  }
}

describePostgres('the teardown of a run', () => {
  it("drops the schemas the run's list names that are still there, and only those", async () => {
    const tag = `${process.pid}_${Date.now()}`;
    const [left, dropped, foreign] = ['left', 'dropped', 'foreign'].map((n) => `t_gs_${n}_${tag}`);
    const client = testClient();
    await client.connect();
    onTestFinished(async () => {
      for (const name of [left, foreign]) {
        await client.query(`DROP SCHEMA IF EXISTS ${quoteIdentifier(name as string)} CASCADE`);
      }
      await client.end();
    });
    for (const name of [left, foreign]) {
      await client.query(`CREATE SCHEMA ${quoteIdentifier(name as string)}`);
    }
    await client.query(`CREATE TABLE ${quoteIdentifier(left as string)}.rows (id int)`);
    const dir = mkdtempSync(join(tmpdir(), 'faceauth-schema-log-'));
    onTestFinished(() => rmSync(dir, { recursive: true, force: true }));
    const log = join(dir, 'schemas');
    // `dropped` was listed and dropped by its test already; `left` twice, as a retry would.
    writeFileSync(log, `${left}\n${dropped}\n${left}\n`);

    expect(await dropLeftSchemas(log)).toEqual([left]);
    expect(await schemasNamed([left, dropped, foreign] as string[])).toEqual([foreign]);
  });

  it('has nothing to do when no test created a schema', async () => {
    expect(await dropLeftSchemas(join(tmpdir(), `faceauth-no-such-log-${process.pid}`))).toEqual(
      [],
    );
  });
});
