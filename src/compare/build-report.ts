import { realityOf } from '../cutover/reality.js';
import { percent as sharePercent } from '../cutover/share.js';
import type { Source } from '../normalize/normalized-schema.js';
import type { ComparedEvent, LoginFigures, StoredPair } from '../store/figure-types.js';
import { isMoved } from '../store/rules/bucket.js';
import { LEGACY_ONLY_FIELDS } from './legacy-fields.js';
import { populationsOf } from './populations.js';
import type { ComparisonReport } from './report-schema.js';
import { judge } from './verdict.js';

export interface ReportOptions {
  from: number;
  to: number;
  now: number;
  minPairs: number;
  minAgreement: number;
  /** Examples listed per kind of disagreement. */
  examplesPerKind?: number;
  /** Unpaired events listed per source. */
  unpairedListed?: number;
  /** Buckets of the timeline. */
  buckets?: number;
  /** Shares of customers (basis points) to give figures for; REPORT_SHARES by default. */
  shares?: readonly number[];
}

/** The shares the report gives figures for: the usual steps of a ramp. */
export const REPORT_SHARES = [100, 500, 1000, 2500, 5000, 10_000] as const;

const iso = (ms: number) => new Date(ms).toISOString();
const share = (part: number, whole: number) => (whole === 0 ? null : part / whole);

/** The nearest-rank percentile of `values` (sorted here), or null for none. */
export function percentile(values: number[], p: number): number | null {
  if (values.length === 0) return null;
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[
    Math.min(sorted.length - 1, Math.max(0, Math.ceil(p * sorted.length) - 1))
  ] as number;
}

const side = (e: ComparedEvent) => ({
  eventId: e.eventId,
  receivedAt: iso(e.receivedAt),
  status: e.status,
  reason: e.reason,
});

function sourceStats(events: ComparedEvent[]): ComparisonReport['sources']['legacy'] {
  const pass = events.filter((e) => e.status === 'PASS').length;
  const failureReasons: Record<string, number> = {};
  for (const e of events) {
    if (e.status === 'FAIL') {
      const reason = e.reason ?? 'UNKNOWN_ERROR';
      failureReasons[reason] = (failureReasons[reason] ?? 0) + 1;
    }
  }
  const count = (status: ComparedEvent['delivery']) =>
    events.filter((e) => e.delivery === status).length;
  const latencies = events
    .filter((e) => e.delivery === 'delivered' && e.deliveredAt !== null)
    .map((e) => (e.deliveredAt as number) - e.receivedAt);
  return {
    events: events.length,
    pass,
    fail: events.length - pass,
    passRate: share(pass, events.length),
    failureReasons,
    unpaired: events.filter((e) => !e.paired).length,
    delivery: {
      delivered: count('delivered'),
      pending: count('pending'),
      dead: count('dead'),
      shadowed: count('shadowed'),
      enriching: count('enriching'),
      latencyMs: { p50: percentile(latencies, 0.5), p95: percentile(latencies, 0.95) },
    },
    scores: {
      scored: events.filter((e) => e.enrichment === 'scored').length,
      unavailable: events.filter((e) => e.enrichment === 'unavailable').length,
    },
  };
}

/** The comparison report from the stored events and pairs of a range. Pure. */
export function buildReport(
  data: { events: ComparedEvent[]; pairs: StoredPair[]; logins: LoginFigures },
  options: ReportOptions,
): ComparisonReport {
  const { from, to, minPairs, minAgreement } = options;
  const bySource = (source: Source) => data.events.filter((e) => e.source === source);
  const legacy = sourceStats(bySource('legacy'));
  const workflows = sourceStats(bySource('workflows'));

  const { pairs } = data;
  const kinds = new Map<string, StoredPair[]>();
  for (const pair of pairs) {
    if (pair.kind === null) continue;
    kinds.set(pair.kind, [...(kinds.get(pair.kind) ?? []), pair]);
  }
  const disagreements = [...kinds]
    .sort((a, b) => b[1].length - a[1].length || a[0].localeCompare(b[0]))
    .map(([kind, list]) => ({
      kind,
      count: list.length,
      examples: list.slice(0, options.examplesPerKind ?? 10).map((pair) => ({
        customerId: pair.legacy.customerId,
        interviewId: pair.workflows.interviewId ?? pair.legacy.interviewId,
        legacy: side(pair.legacy),
        workflows: side(pair.workflows),
        differences: pair.differences,
      })),
    }));
  const statusAgreement = share(pairs.filter((p) => p.statusAgrees).length, pairs.length);
  const reasonAgreement = share(pairs.filter((p) => p.reasonAgrees).length, pairs.length);

  const unpairedOf = (source: Source) =>
    bySource(source)
      .filter((e) => !e.paired)
      .slice(-(options.unpairedListed ?? 50))
      .map((e) => ({ ...side(e), customerId: e.customerId }));

  const legacyOnlyFields = LEGACY_ONLY_FIELDS.map((field) => ({
    field,
    legacyEvents: bySource('legacy').filter((e) => e.legacyFields.includes(field)).length,
    pairsMissing: pairs.filter(
      (p) => p.legacy.legacyFields.includes(field) && !p.workflows.legacyFields.includes(field),
    ).length,
  })).filter((f) => f.legacyEvents > 0 || f.pairsMissing > 0);

  const bucketCount = options.buckets ?? 24;
  const size = Math.max(1, Math.ceil((to - from) / bucketCount));
  const timeline = Array.from({ length: Math.max(1, Math.ceil((to - from) / size)) }, (_, i) => ({
    start: iso(from + i * size),
    legacy: { events: 0, pass: 0 },
    workflows: { events: 0, pass: 0 },
  }));
  for (const e of data.events) {
    const bucket =
      timeline[Math.min(timeline.length - 1, Math.floor((e.receivedAt - from) / size))];
    if (!bucket) continue;
    bucket[e.source].events++;
    if (e.status === 'PASS') bucket[e.source].pass++;
  }

  const shares = (options.shares ?? REPORT_SHARES).map((bp) => {
    const moved = pairs.filter((p) => {
      const customerId = p.legacy.customerId ?? p.workflows.customerId;
      return customerId !== null && isMoved(customerId, bp);
    });
    return {
      share: sharePercent(bp),
      pairs: moved.length,
      statusAgreement: share(moved.filter((p) => p.statusAgrees).length, moved.length),
      reasonAgreement: share(moved.filter((p) => p.reasonAgrees).length, moved.length),
      disagreements: moved.filter((p) => !p.reasonAgrees).length,
    };
  });

  const logins = { ...data.logins, ...realityOf(data.logins) };
  const populations = populationsOf(data.events);
  const verdict = judge({
    thresholds: { minPairs, minAgreement },
    workflowsEvents: workflows.events,
    workflowsDead: workflows.delivery.dead,
    pairs: { count: pairs.length, statusAgreement, reasonAgreement },
    logins,
    populations,
    now: options.now,
  });

  return {
    version: 1,
    generatedAt: iso(options.now),
    range: { from: iso(from), to: iso(to) },
    thresholds: { minPairs, minAgreement },
    sources: { legacy, workflows },
    pairs: { count: pairs.length, statusAgreement, reasonAgreement, disagreements },
    unpaired: { legacy: unpairedOf('legacy'), workflows: unpairedOf('workflows') },
    legacyOnlyFields,
    timeline,
    shares,
    logins,
    populations,
    verdict,
  };
}
