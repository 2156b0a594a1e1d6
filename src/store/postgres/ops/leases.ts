import type { EnrichmentItem } from '../../accept-types.js';
import { type EnrichmentRow, toEnrichmentItem } from '../../rows.js';
import type { Queryable } from '../driver.js';
import * as enrichment from '../sql/enrichment.js';
import * as outbox from '../sql/outbox.js';
import type { Reader } from './reader.js';

/** Leases taken and given back outside a delivery's result; each lease names its instance. */

/** Store.claimEnrichment: the events due for their score, leased to this instance (one statement). */
export async function claimEnrichment(
  q: Reader,
  instanceId: string,
  now: number,
  limit: number,
  leaseMs: number,
): Promise<EnrichmentItem[]> {
  const { rows } = await q.query<EnrichmentRow & { seq: number }>(enrichment.CLAIM_ENRICHMENT, [
    now,
    limit,
    now + leaseMs,
    instanceId,
  ]);
  rows.sort((a, b) => a.seq - b.seq);
  return rows.map(toEnrichmentItem);
}

/** Store.releaseFresh: the fast path's entries this instance leased and did not send. */
export async function releaseFresh(
  q: Reader,
  instanceId: string,
  eventIds: readonly string[],
): Promise<void> {
  if (eventIds.length === 0) return;
  await q.query(outbox.RELEASE_MINE, [eventIds, instanceId]);
}

/**
 * Store.releaseLeases, inside a transaction: this instance's own leases only. A lease of another
 * live instance is never released (it would deliver the event twice), and one that ran out is
 * claimable by any poll already.
 */
export async function releaseLeases(c: Queryable, instanceId: string): Promise<number> {
  const entries = await c.query(outbox.RELEASE_ALL_MINE, [instanceId]);
  const waits = await c.query(enrichment.RELEASE_MY_ENRICHMENT, [instanceId]);
  return (entries.rowCount ?? 0) + (waits.rowCount ?? 0);
}
