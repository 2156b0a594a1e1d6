import { expect, it } from 'vitest';
import { openStore } from '../../src/store/open-store.js';
import { cliInProcess } from '../helpers/cli-in-process.js';
import { newEvent } from '../helpers/new-event.js';
import { describePostgres, freshSchema, TEST_DATABASE_URL } from '../helpers/postgres.js';

// The commands that open the store work on PostgreSQL as on SQLite: DATABASE_URL names the
// server and, through options=-c search_path=<schema>, the schema the service keeps its tables in.

const schemaUrl = (schema: string) =>
  `${TEST_DATABASE_URL}${TEST_DATABASE_URL.includes('?') ? '&' : '?'}options=${encodeURIComponent(`-c search_path=${schema}`)}`;

describePostgres('the admin commands on PostgreSQL', () => {
  it('events, event, quarantine and forward-source read and write the schema DATABASE_URL names', async () => {
    const schema = await freshSchema();
    const store = await openStore({ ...schema.config, schema: schema.name });
    await store.accept(newEvent({ id: 'e-legacy', customerId: 'c-1' }), 3_600_000);
    await store.close();
    const env = { DATABASE_URL: schemaUrl(schema.name) };

    const listed = await cliInProcess(env, ['events']);
    expect(listed.code).toBe(0);
    expect(listed.stdout).toMatch(/e-legacy +legacy +pending +PASS +- +c-1 +-\n/);
    const one = await cliInProcess(env, ['event', 'e-legacy']);
    expect(JSON.parse(one.stdout)).toMatchObject({ id: 'e-legacy', status: 'pending' });
    const quarantine = await cliInProcess(env, ['quarantine']);
    expect(JSON.parse(quarantine.stdout)).toEqual({ items: [], next: null });
    expect(await cliInProcess(env, ['forward-source', 'set', 'workflows'])).toMatchObject({
      code: 0,
    });
    const shown = await cliInProcess(env, ['forward-source', 'show']);
    expect(shown.stdout).toMatch(/workflows/);
  });

  it('a schema the service never started in is refused, naming DATABASE_URL (exit 2)', async () => {
    const schema = await freshSchema();
    const result = await cliInProcess({ DATABASE_URL: schemaUrl(schema.name) }, ['events']);
    expect(result.code).toBe(2);
    expect(result.stderr).toMatch(
      /^faceauth-shim: invalid configuration: DATABASE_URL: postgres:\/\/.*: no faceauth-shim tables in t_/,
    );
  });
});
