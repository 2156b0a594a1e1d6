import { FALLBACK_BATCH } from '../../rules/fallbacks.js';
import type { Queryable } from '../driver.js';
import * as comparison from '../sql/comparison.js';
import { interviewLock, orderLock, TAKE_LOCKS } from '../sql/locks.js';
import * as outbox from '../sql/outbox.js';

/** Inside a transaction (store.ts forwardFallbacks): the due waits, FALLBACK_BATCH at most. */
export async function forwardFallbacks(c: Queryable, now: number): Promise<string[]> {
  const { rows } = await c.query<{
    id: string;
    customer_id: string | null;
    interview_id: string | null;
  }>(comparison.DUE_FALLBACKS, [now, FALLBACK_BATCH]);
  if (rows.length === 0) return [];
  // Serialised with accepts of the same customers and interviews: a report of the same login
  // committed at this moment ended the wait (nothing to do here), or waits until this is done
  // (and finds this one forwarded).
  const locks = rows.flatMap((e) => [
    orderLock(e.customer_id ?? e.id),
    ...(e.interview_id !== null ? [interviewLock(e.interview_id)] : []),
  ]);
  await c.query(TAKE_LOCKS, [locks]);
  const due = (
    await c.query<{ id: string }>(comparison.FORWARD_DUE_FALLBACKS, [rows.map((r) => r.id), now])
  ).rows.map((r) => r.id);
  if (due.length > 0) await c.query(outbox.ENQUEUE, [due, now]);
  return due;
}
