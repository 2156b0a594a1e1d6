import type { Queryable } from '../driver.js';
import * as admin from '../sql/admin.js';

/**
 * The readiness probe inside a transaction (store.ts ping): a write (a standby after a failover
 * reads but cannot store a webhook), with the tables an accept writes locked as it locks them,
 * not waiting for another session's lock.
 */
export async function probe(c: Queryable): Promise<void> {
  await c.query(admin.LOCK_WEBHOOK_TABLES);
  await c.query(admin.PROBE, [Date.now()]);
}
