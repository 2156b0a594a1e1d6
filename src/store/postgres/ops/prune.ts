import type { Queryable } from '../driver.js';
import * as admin from '../sql/admin.js';
import * as intake from '../sql/intake.js';
import type { Reader } from './reader.js';

/** RETENTION inside a transaction (store.ts prune). */
export async function prune(
  c: Queryable,
  before: number,
  limit: number,
): Promise<{ events: number; quarantine: number }> {
  const ids = (await c.query<{ id: string }>(admin.PRUNABLE, [before, limit])).rows.map(
    (r) => r.id,
  );
  if (ids.length > 0) {
    await c.query(admin.PRUNE_PAIRS, [ids]);
    await c.query(admin.PRUNE_ATTEMPTS, [ids]);
    await c.query(admin.PRUNE_OUTBOX, [ids]);
    await c.query(admin.PRUNE_EVENTS, [ids]);
  }
  const quarantine = (await c.query(admin.PRUNE_QUARANTINE, [before, limit])).rowCount ?? 0;
  return { events: ids.length, quarantine };
}

/** The redelivery keys first seen at or before `before`, `limit` at most (store.ts pruneDedupKeys). */
export async function pruneDedupKeys(q: Reader, before: number, limit: number): Promise<number> {
  const { rowCount } = await q.query(intake.PRUNE_DEDUP_KEYS, [before, limit]);
  return rowCount ?? 0;
}
