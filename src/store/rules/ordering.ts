/**
 * The per-customer order: events with the same order key reach the callback in arrival order.
 * The key is the customer id, or the event's own id when it names no customer (then it has no
 * line to wait in). A backend stores it with the outbox entry; replays and fallbacks put an
 * event back in line under the same rule from the stored row (SQL: coalesce(customer_id, id)).
 *
 * An outbox entry is claimable when it is due, not leased, and no other entry of its order key
 * is earlier in line or leased by anyone (Store.claimDue); a held entry (an event waiting for
 * its score) holds its line too.
 */
export function orderKeyOf(customerId: string | null, eventId: string): string {
  return customerId ?? eventId;
}
