/**
 * The dedup window: a body reaching the same route while now - first arrival < DEDUP_WINDOW
 * is a redelivery; at exactly DEDUP_WINDOW it is a new event. Redeliveries do not move the
 * first arrival, so the window runs from it. A stored key counts when its received_at is
 * greater than what this returns.
 */
export function dedupSince(receivedAt: number, dedupWindowMs: number): number {
  return receivedAt - dedupWindowMs;
}
