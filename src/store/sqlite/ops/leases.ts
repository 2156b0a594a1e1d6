import type { EnrichmentItem } from '../../accept-types.js';
import { toEnrichmentItem } from '../../rows.js';
import type { Sqlite } from '../statements.js';

/** Leases taken and given back outside a delivery's result: each inside a transaction. */

/** Store.claimEnrichment: the events due for their score, each leased until now + leaseMs. */
export function claimEnrichment(
  { s }: Sqlite,
  now: number,
  limit: number,
  leaseMs: number,
): EnrichmentItem[] {
  return s.claimEnrichment.all(now, limit).map((row) => {
    s.leaseEnrichment.run(now + leaseMs, row.id);
    return toEnrichmentItem(row);
  });
}

/** Store.releaseFresh: the fast path's entries not sent, for a poll to claim. */
export function releaseFresh({ s }: Sqlite, eventIds: readonly string[]): void {
  for (const id of eventIds) s.releaseLease.run(id);
}

/**
 * Store.releaseLeases: every lease, of the outbox and of the waits for a score. The process is
 * the only user of its file (the instance lock), so every lease is a leftover of its own.
 */
export function releaseLeases({ s }: Sqlite): number {
  return s.releaseLeases.run().changes + s.releaseEnrichment.run().changes;
}
