import type { Source } from '../../normalize/normalized-schema.js';
import type {
  LoginCounts,
  LoginFigures,
  MovedPairFigures,
  PopulationFigures,
} from '../figure-types.js';

const DAY = 86_400_000;

/**
 * Store.loginFigures from what both stores count per UTC day (a day is the number of whole days
 * since the epoch): the pairs whose first report arrived that day (logins reported by both
 * sources) and the results of each source that no pair holds (logins reported by one). Pure.
 */
export function loginFiguresOf(
  pairsPerDay: readonly { day: number; n: number }[],
  unmatchedPerDay: readonly { day: number; source: Source; n: number }[],
): LoginFigures {
  const days = new Map<number, LoginCounts>();
  const at = (day: number) => {
    let counts = days.get(day);
    if (!counts) {
      counts = { total: 0, bothSources: 0, legacyOnly: 0, workflowsOnly: 0 };
      days.set(day, counts);
    }
    return counts;
  };
  for (const { day, n } of pairsPerDay) at(Number(day)).bothSources += Number(n);
  for (const { day, source, n } of unmatchedPerDay) {
    const counts = at(Number(day));
    if (source === 'legacy') counts.legacyOnly += Number(n);
    else counts.workflowsOnly += Number(n);
  }
  const perDay = [...days]
    .sort((a, b) => a[0] - b[0])
    .map(([day, counts]) => ({
      day: new Date(day * DAY).toISOString().slice(0, 10),
      ...counts,
      total: counts.bothSources + counts.legacyOnly + counts.workflowsOnly,
    }));
  const sum = (key: keyof LoginCounts) => perDay.reduce((total, d) => total + d[key], 0);
  return {
    total: sum('total'),
    bothSources: sum('bothSources'),
    legacyOnly: sum('legacyOnly'),
    workflowsOnly: sum('workflowsOnly'),
    perDay,
  };
}

/**
 * Store.populationFigures from what both stores count: results and passes grouped by moved (0/1,
 * or a boolean) and after (0/1). Pure.
 */
export function populationFiguresOf(
  rows: readonly {
    moved: number | boolean;
    after: number | boolean;
    results: number;
    pass: number | null;
  }[],
): PopulationFigures {
  const figures: PopulationFigures = {
    moved: { results: 0, pass: 0 },
    movedBefore: { results: 0, pass: 0 },
    notMoved: { results: 0, pass: 0 },
  };
  for (const row of rows) {
    const moved = Boolean(Number(row.moved));
    const after = Boolean(Number(row.after));
    const into = moved
      ? after
        ? figures.moved
        : figures.movedBefore
      : after
        ? figures.notMoved
        : undefined;
    if (!into) continue;
    into.results += Number(row.results);
    into.pass += Number(row.pass ?? 0);
  }
  return figures;
}

/** Store.movedPairFigures from its two reads: the counts, and the first pairs that disagree. */
export function movedPairFiguresOf(
  counts: { pairs: number | null; agreeing: number | null } | undefined,
  disagreeing: readonly { legacy_id: string; workflows_id: string }[],
): MovedPairFigures {
  return {
    pairs: Number(counts?.pairs ?? 0),
    agreeing: Number(counts?.agreeing ?? 0),
    disagreeingIds: disagreeing.map((row) => `${row.legacy_id}/${row.workflows_id}`),
  };
}
