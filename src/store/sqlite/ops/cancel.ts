import type { CancelResult } from '../../delivery-types.js';
import { cancelledNote, decideCancel } from '../../rules/cancel.js';
import type { Sqlite } from '../statements.js';

/** An operator's cancel, inside a transaction (store.ts cancel; rules/cancel.ts decides). */
export function cancel({ s }: Sqlite, eventId: string, now: number): CancelResult {
  const row = s.cancelTarget.get(eventId);
  if (!row) return 'not_found';
  const result = decideCancel(
    {
      status: row.status,
      shadowed: row.shadowed === 1,
      fallbackAt: row.fallback_at,
      leaseUntil: row.lease_until,
    },
    now,
  );
  if (result !== 'cancelled') return result;
  // The entry leaves its line: the next one of the customer is the head (outbox_line_delete).
  s.dropOutbox.run(eventId);
  s.cancel.run(cancelledNote(now), eventId);
  return result;
}
