import type { Source } from '../../../normalize/normalized-schema.js';
import type { OutboxItem, ReleasedHold } from '../../delivery-types.js';
import type {
  MovedPairFigures,
  MovedPairFiguresQuery,
  PopulationFigures,
  PopulationFiguresQuery,
} from '../../figure-types.js';
import { movedPairFiguresOf, populationFiguresOf } from '../../rules/login-figures.js';
import * as comparison from '../sql/comparison.js';
import * as operating from '../sql/operating.js';
import * as outbox from '../sql/outbox.js';
import type { Reader } from './reader.js';

/** The delivery side's statements (store.ts claimDue, releaseHolds), and the guard's figures. */

export async function claimDue(
  q: Reader,
  now: number,
  limit: number,
  leaseMs: number,
  instanceId: string,
): Promise<OutboxItem[]> {
  const { rows } = await q.query<{
    event_id: string;
    body: Buffer;
    source: Source;
    attempts: number;
    next_attempt_at: number;
    seq: number;
  }>(outbox.CLAIM_DUE, [now, limit, now + leaseMs, instanceId]);
  rows.sort((a, b) => a.next_attempt_at - b.next_attempt_at || a.seq - b.seq);
  return rows.map((row) => ({
    eventId: row.event_id,
    source: row.source,
    body: row.body,
    attempts: row.attempts,
  }));
}

export async function releaseHolds(q: Reader, now: number): Promise<ReleasedHold[]> {
  const { rows } = await q.query<{
    event_id: string;
    order_key: string;
    attempts: number;
    last_error: string | null;
    waiting: number;
  }>(operating.RELEASE_HOLDS, [now]);
  return rows.map((row) => ({
    eventId: row.event_id,
    customerId: row.order_key,
    waiting: row.waiting,
    lastError: row.last_error,
    attempts: row.attempts,
  }));
}

export async function populationFigures(
  q: Reader,
  query: PopulationFiguresQuery,
): Promise<PopulationFigures> {
  const { rows } = await q.query<{ moved: boolean; after: boolean; results: number; pass: number }>(
    comparison.POPULATION_COUNTS,
    [query.from, query.since, query.to, query.belowBucket],
  );
  return populationFiguresOf(rows);
}

export async function movedPairFigures(
  q: Reader,
  query: MovedPairFiguresQuery,
): Promise<MovedPairFigures> {
  const range = [query.from, query.to, query.belowBucket, query.counts === 'status'];
  const [counts, disagreeing] = await Promise.all([
    q.query<{ pairs: number; agreeing: number }>(comparison.MOVED_PAIR_COUNTS, range),
    q.query<{ legacy_id: string; workflows_id: string }>(comparison.MOVED_PAIRS_DISAGREEING, [
      ...range,
      query.ids,
    ]),
  ]);
  return movedPairFiguresOf(counts.rows[0], disagreeing.rows);
}
