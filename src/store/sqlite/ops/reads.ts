import type { EventDetail } from '../../admin-types.js';
import { type LineRow, toDetail } from '../../detail-rows.js';
import type {
  ComparisonData,
  LoginFigures,
  MovedPairFigures,
  MovedPairFiguresQuery,
  PopulationFigures,
  PopulationFiguresQuery,
  StoredPair,
} from '../../figure-types.js';
import { type ComparedRow, toCompared } from '../../rows.js';
import {
  loginFiguresOf,
  movedPairFiguresOf,
  populationFiguresOf,
} from '../../rules/login-figures.js';
import type { Sqlite } from '../statements.js';

/** The reads of the report and the guard, and an event in full: a rule over their rows. */

export function getEvent({ s }: Sqlite, id: string): EventDetail | undefined {
  const row = s.eventById.get(id);
  if (!row) return undefined;
  const line: LineRow | undefined = s.lineOf.get(id);
  return toDetail(row, {
    attempts: s.attemptsOf.all(id),
    pair: s.pairDetail.get(id, id),
    line,
    ahead: line ? s.aheadOf.get(line.order_key, line.seq) : undefined,
  });
}

export function comparisonData({ s }: Sqlite, from: number, to: number): ComparisonData {
  const events = s.comparedEvents.all(from, to).map(toCompared);
  const byId = new Map(events.map((e) => [e.eventId, e]));
  const find = (id: string) => byId.get(id) ?? toCompared(s.comparedEvent.get(id) as ComparedRow);
  const pairs = s.comparedPairs.all({ from, to }).map((row) => ({
    legacy: find(row.legacy_id),
    workflows: find(row.workflows_id),
    forwarded: row.forwarded,
    statusAgrees: row.status_agrees === 1,
    reasonAgrees: row.reason_agrees === 1,
    kind: row.kind,
    differences: JSON.parse(row.differences) as StoredPair['differences'],
  }));
  return { events, pairs };
}

export function movedPairFigures({ s }: Sqlite, query: MovedPairFiguresQuery): MovedPairFigures {
  const { counts: kind, ...range } = query;
  const params = { ...range, statusOnly: kind === 'status' ? 1 : 0 };
  const { ids: _ids, ...countParams } = params;
  return movedPairFiguresOf(
    s.movedPairCounts.get(countParams),
    s.movedPairsDisagreeing.all(params),
  );
}

export function populationFigures({ s }: Sqlite, query: PopulationFiguresQuery): PopulationFigures {
  return populationFiguresOf(s.populationCounts.all(query));
}

export function loginFigures({ s }: Sqlite, from: number, to: number): LoginFigures {
  return loginFiguresOf(s.pairsFirstPerDay.all(from, to), s.unmatchedPerDay.all(from, to));
}
