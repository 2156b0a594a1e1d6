import type { CancelResult } from '../../delivery-types.js';
import { cancelledNote, decideCancel } from '../../rules/cancel.js';
import type { EventStatus } from '../../store.js';
import type { Queryable } from '../driver.js';
import { orderLock, TAKE_LOCKS } from '../sql/locks.js';
import * as operating from '../sql/operating.js';
import * as outbox from '../sql/outbox.js';

/**
 * An operator's cancel inside a transaction (store.ts cancel; rules/cancel.ts decides), under
 * the lock of the event's line (as a replay), then the event's and its entry's row locks: a
 * claim at another instance has leased the entry (seen: in_flight), or skips it.
 */
export async function cancel(c: Queryable, eventId: string, now: number): Promise<CancelResult> {
  const line = (await c.query<{ order_key: string }>(outbox.ORDER_KEYS_OF, [[eventId]])).rows[0];
  if (!line) return 'not_found';
  await c.query(TAKE_LOCKS, [[orderLock(line.order_key)]]);
  const row = (
    await c.query<{ status: EventStatus; shadowed: boolean; fallback_at: number | null }>(
      operating.CANCEL_TARGET,
      [eventId],
    )
  ).rows[0];
  if (!row) return 'not_found';
  const entry = (await c.query<{ lease_until: number | null }>(operating.CANCEL_ENTRY, [eventId]))
    .rows[0];
  const result = decideCancel(
    {
      status: row.status,
      shadowed: row.shadowed,
      fallbackAt: row.fallback_at,
      leaseUntil: entry?.lease_until ?? null,
    },
    now,
  );
  if (result !== 'cancelled') return result;
  await c.query(operating.DROP_ENTRY, [eventId]);
  await c.query(operating.CANCEL, [eventId, cancelledNote(now)]);
  return result;
}
