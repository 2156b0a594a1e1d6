import { expect, it, onTestFinished } from 'vitest';
import { PostgresStore } from '../../../../src/store/postgres/postgres-store.js';
import { newEvent, T0 } from '../../../helpers/new-event.js';
import { describePostgres, freshSchema } from '../../../helpers/postgres.js';

// claimNext runs after every delivery. It is sent by name, so each connection parses and plans
// it once (postgres/ops/claim-next.ts): unnamed, that work was most of the server's in a drain.
// What it claims is the conformance suite's; this is how it is sent.

describePostgres('claimNext on PostgreSQL', () => {
  it('is one prepared statement per connection, however often it runs', async () => {
    const schema = await freshSchema();
    // One connection, so the statement and the look at the session's prepared statements meet.
    const store = await PostgresStore.open(schema.config, { schema: schema.name, max: 1 });
    onTestFinished(() => store.close());
    for (const [i, id] of ['a', 'b', 'c'].entries()) {
      await store.accept(newEvent({ id, customerId: 'one', receivedAt: T0 + i }), 60_000);
    }
    for (let i = 0; i < 3; i++) await store.claimNext('a', T0 + 1_000 + i, 30_000);
    // A session holds one statement per name, so the runs tell: all three went through it.
    const { rows } = await store.driver.query<{ name: string; runs: number }>(
      'SELECT name, generic_plans + custom_plans AS runs FROM pg_prepared_statements ORDER BY name',
    );
    expect(rows.filter((row) => row.name === 'claim_next')).toEqual([
      { name: 'claim_next', runs: 3 },
    ]);
  });
});
