import type { Source } from '../../../normalize/normalized-schema.js';
import type { EventDetail } from '../../admin-types.js';
import {
  type AheadRow,
  type AttemptRow,
  type EventDetailRow,
  type LineRow,
  type PairDetailRow,
  toDetail,
} from '../../detail-rows.js';
import type { ComparisonData, LoginFigures, StoredPair } from '../../figure-types.js';
import { type ComparedRow, toCompared } from '../../rows.js';
import { loginFiguresOf } from '../../rules/login-figures.js';
import type { Queryable } from '../driver.js';
import * as admin from '../sql/admin.js';
import * as comparison from '../sql/comparison.js';
import * as operating from '../sql/operating.js';

/** The reads that take several statements, each inside one repeatable-read transaction. */

export async function getEvent(c: Queryable, id: string): Promise<EventDetail | undefined> {
  const row = (await c.query<EventDetailRow>(admin.EVENT_BY_ID, [id])).rows[0];
  if (!row) return undefined;
  const attempts = (await c.query<AttemptRow>(admin.ATTEMPTS_OF, [id])).rows;
  const pair = (await c.query<PairDetailRow>(operating.PAIR_DETAIL, [id])).rows[0];
  const line = (await c.query<LineRow>(operating.LINE_OF, [id])).rows[0];
  const ahead = line
    ? (await c.query<AheadRow>(operating.AHEAD_OF, [line.order_key, line.seq])).rows[0]
    : undefined;
  return toDetail(row, { attempts, pair, line, ahead });
}

export async function loginFigures(c: Queryable, from: number, to: number): Promise<LoginFigures> {
  const pairs = await c.query<{ day: string; n: number }>(comparison.PAIRS_FIRST_PER_DAY, [
    from,
    to,
  ]);
  const unmatched = await c.query<{ day: string; source: Source; n: number }>(
    comparison.UNMATCHED_PER_DAY,
    [from, to],
  );
  return loginFiguresOf(
    pairs.rows.map((r) => ({ day: Number(r.day), n: r.n })),
    unmatched.rows.map((r) => ({ day: Number(r.day), source: r.source, n: r.n })),
  );
}

export async function comparisonData(
  c: Queryable,
  from: number,
  to: number,
): Promise<ComparisonData> {
  const events = (await c.query<ComparedRow>(comparison.COMPARED_EVENTS, [from, to])).rows.map(
    toCompared,
  );
  const byId = new Map(events.map((e) => [e.eventId, e]));
  const find = async (id: string) =>
    byId.get(id) ??
    toCompared(
      (await c.query<ComparedRow>(comparison.COMPARED_EVENT, [id])).rows[0] as ComparedRow,
    );
  const rows = (
    await c.query<{
      legacy_id: string;
      workflows_id: string;
      status_agrees: boolean;
      reason_agrees: boolean;
      kind: string | null;
      differences: string;
      forwarded: Source | null;
    }>(comparison.COMPARED_PAIRS, [from, to])
  ).rows;
  const pairs: StoredPair[] = [];
  for (const row of rows) {
    pairs.push({
      legacy: await find(row.legacy_id),
      workflows: await find(row.workflows_id),
      forwarded: row.forwarded,
      statusAgrees: row.status_agrees,
      reasonAgrees: row.reason_agrees,
      kind: row.kind,
      differences: JSON.parse(row.differences) as StoredPair['differences'],
    });
  }
  return { events, pairs };
}
