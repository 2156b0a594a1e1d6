import type { ComparisonReport } from './report-schema.js';

// What both renderings of the comparison report (Markdown, HTML) say in the same words: the
// formats, the labels, the next steps. Renderings of the report object only: every number comes
// from it, nothing is computed here but formats and sentences.

/** At most this many unpaired events per source, and examples per disagreement kind, are listed. */
export const MAX_LISTED = 20;

/** The columns of a disagreement's examples, in both renderings. */
export const EXAMPLE_COLUMNS = [
  'Customer',
  'Interview',
  'Legacy received',
  'Workflows received',
  'Legacy',
  'Workflows',
  'Differing fields',
];

export const SOURCES = ['legacy', 'workflows'] as const;
export type SourceName = (typeof SOURCES)[number];
export const SOURCE_LABELS: Record<SourceName, string> = {
  legacy: 'Legacy',
  workflows: 'Workflows',
};

type Disagreement = ComparisonReport['pairs']['disagreements'][number];
export type DisagreementExample = Disagreement['examples'][number];
export type ResultSide = DisagreementExample['legacy'];

/**
 * A 0..1 rate as a percentage with one decimal ("97.5%", "100%"); "n/a" when null. Never rounds
 * to a claim the data does not make: 0.9996 is ">99.9%", not "100%".
 */
export function formatRate(rate: number | null): string {
  if (rate === null || !Number.isFinite(rate)) return 'n/a';
  const percent = rate * 100;
  if (percent > 99.95 && percent < 100) return '>99.9%';
  if (percent > 0 && percent < 0.05) return '<0.1%';
  return `${trimNumber(percent)}%`;
}

/** Milliseconds, one decimal at most; "n/a" when null. */
export function formatMs(ms: number | null): string {
  if (ms === null || !Number.isFinite(ms)) return 'n/a';
  return trimNumber(ms);
}

function trimNumber(value: number): string {
  return String(Math.round(value * 10) / 10);
}

/** A field's value as JSON ("true", "0.93", "\"FAIL\"", "null"); "absent" when missing. */
export function formatValue(value: unknown): string {
  if (value === undefined) return 'absent';
  try {
    return JSON.stringify(value) ?? String(value);
  } catch {
    return String(value);
  }
}

/**
 * The verdict as a heading: "safe to switch" or "not safe to switch", its reasons listed
 * below it. The verdict's line repeats the reasons after the colon, so it is shown only when
 * there are no reasons to list (the heading would otherwise say the same thing twice).
 */
export function verdictHeading(verdict: ComparisonReport['verdict']): string {
  if (verdict.reasons.length === 0) return verdict.line;
  return verdict.safe ? 'safe to switch' : 'not safe to switch';
}

type SourceStats = ComparisonReport['sources']['legacy'];

/** Text for both renderings: plain strings, and `{ code }` for names a reader types. */
export type Inline = string | { code: string };

/** The legacy-only fields that `INCODE_API_URL` fills from Incode's score. */
export const SCORE_FIELDS = ['spoofConfidence', 'recognitionConfidence.confidence', 'overallScore'];

/** The section of MIGRATION.md that says how to read the report. */
export const READING_SECTION = {
  file: 'MIGRATION.md',
  title: 'Reading the comparison report',
  anchor: 'reading-the-comparison-report',
};

/**
 * What to do next, from what the report lacks: the first steps unblock the verdict (the
 * sources, the missing pairs), then what to enable or look at. The renderings add where to
 * read more (MIGRATION.md), each in its own way.
 */
/**
 * Under the legacy-only fields table: which of them `INCODE_API_URL` fills, and which no
 * setting does. Said whether or not it is set: the table itself cannot tell.
 */
export const SCORE_NOTE: Inline[] = [
  'The numbers (',
  { code: 'spoofConfidence' },
  ', ',
  { code: 'recognitionConfidence.confidence' },
  ', ',
  { code: 'overallScore' },
  ') are filled when ',
  { code: 'INCODE_API_URL' },
  ' is set (with ',
  { code: 'INCODE_API_KEY' },
  " and an admin token or login): each Workflows event then waits for Incode's score (",
  { code: 'GET /omni/get/score' },
  ') and carries them, so fewer pairs lack them. The other fields stay legacy-only.',
];

export function nextSteps(report: ComparisonReport): Inline[][] {
  const { sources, pairs, thresholds } = report;
  const steps: Inline[][] = [];
  if (sources.legacy.events === 0) {
    steps.push([
      'Point the legacy Authentication webhook at ',
      { code: '/webhooks/legacy/authentication' },
      ': no legacy event arrived in this range, so nothing can be paired.',
    ]);
  }
  if (sources.workflows.events === 0) {
    steps.push([
      "Point Incode's Face Authentication webhook at ",
      { code: '/webhooks/workflows/face-authentication' },
      ': no Workflows event arrived in this range.',
    ]);
  }
  const { reality } = report.logins;
  const oneSided = reality === 'split' || reality === 'legacy-only' || reality === 'workflows-only';
  if (oneSided && sources.legacy.events > 0 && sources.workflows.events > 0) {
    steps.push([
      `Pairs will stay rare: ${report.logins.line}. Judge Workflows by the populations below (pass rates per source, the same customers before and after)` +
        (report.populations.passRate.legacy.results < thresholds.minPairs ||
        report.populations.passRate.workflows.results < thresholds.minPairs
          ? `, once each source has at least ${thresholds.minPairs} results (`
          : '.'),
      ...(report.populations.passRate.legacy.results < thresholds.minPairs ||
      report.populations.passRate.workflows.results < thresholds.minPairs
        ? [{ code: 'COMPARE_MIN_PAIRS' }, ').']
        : []),
    ]);
  } else if (pairs.count < thresholds.minPairs) {
    const more = thresholds.minPairs - pairs.count;
    steps.push([
      `Collect ${more} more ${more === 1 ? 'pair' : 'pairs'} (${pairs.count} so far; `,
      { code: 'COMPARE_MIN_PAIRS' },
      ` is ${thresholds.minPairs}): keep both webhooks on while users authenticate, then ` +
        'make the report again over the longer range.' +
        (sources.legacy.unpaired + sources.workflows.unpaired > 0
          ? ' Unpaired events (below) are logins only one webhook reported.'
          : ''),
    ]);
  }
  const workflows = sources.workflows;
  const neverScored =
    workflows.scores.scored + workflows.scores.unavailable + workflows.delivery.enriching === 0;
  if (
    workflows.events > 0 &&
    neverScored &&
    report.legacyOnlyFields.some((f) => SCORE_FIELDS.includes(f.field))
  ) {
    steps.push([
      'Set ',
      { code: 'INCODE_API_URL' },
      ' (with ',
      { code: 'INCODE_API_KEY' },
      " and an admin token or login) so that Workflows events carry Incode's scores and ",
      'the numbers (',
      { code: 'spoofConfidence' },
      ', ',
      { code: 'overallScore' },
      ', ...) are compared too.',
    ]);
  }
  if (pairs.disagreements.length > 0) {
    steps.push([
      'Look at every disagreement below, the ',
      { code: 'status:' },
      ' ones first: the products decided differently.',
    ]);
  }
  if (workflows.delivery.dead > 0) {
    steps.push([
      'Replay or explain the dead Workflows events: ',
      { code: 'GET /admin/events?status=dead' },
      ', then ',
      { code: 'POST /admin/replay?status=dead' },
      '.',
    ]);
  }
  steps.push(...pathSteps(report));
  return steps;
}

/**
 * The path the logins' reality asks for. Never every customer at once, unguarded: where logins
 * are reported by both webhooks, the guarded plan; where users are split, `both`, which sends each
 * login once whichever webhook reports it, until legacy-only logins are near zero.
 */
function pathSteps(report: ComparisonReport): Inline[][] {
  const { reality } = report.logins;
  const plan = { code: '{"plan":"1%,10%@2d,50%@7d,100%@14d"}' };
  switch (reality) {
    case 'both':
      return report.verdict.safe
        ? [
            [
              'Go through the go/no-go list in MIGRATION.md, then move customers with the guarded plan: ',
              { code: 'PUT /admin/forward-source' },
              ' with ',
              plan,
              ' (or ',
              { code: 'FORWARD_SOURCE_PLAN' },
              '): the guard rolls back a step whose pairs disagree.',
            ],
          ]
        : [
            [
              'Logins are reported by both webhooks: when the verdict is safe, move customers with the guarded plan (',
              { code: 'PUT /admin/forward-source' },
              ' with ',
              plan,
              '), never all at once.',
            ],
          ];
    case 'split':
    case 'mixed':
    case 'unclear':
      return [
        [
          'Use ',
          { code: 'FORWARD_SOURCE=both' },
          ' (',
          { code: 'PUT /admin/forward-source' },
          ' with ',
          { code: '{"source":"both"}' },
          '): each login reaches the callback once, at once, from whichever webhook reports it. Set ',
          { code: 'workflows' },
          ' once legacy-only logins are near zero; a legacy report that still comes is then forwarded after ',
          { code: 'SHADOW_FALLBACK_AFTER' },
          '.',
        ],
      ];
    case 'workflows-only':
      return [
        [
          'Only Workflows reports logins: set ',
          { code: 'FORWARD_SOURCE=workflows' },
          ' (',
          { code: 'PUT /admin/forward-source' },
          ' with ',
          { code: '{"source":"workflows"}' },
          '); nothing is lost if a legacy report still comes.',
        ],
      ];
    default:
      return [];
  }
}

/** The logins table, in both renderings: who reported them. */
export const LOGIN_ROWS: ReadonlyArray<{
  label: string;
  value: (l: ComparisonReport['logins']) => number;
}> = [
  { label: 'Reported by both webhooks', value: (l) => l.bothSources },
  { label: 'Legacy webhook only', value: (l) => l.legacyOnly },
  { label: 'Workflows only', value: (l) => l.workflowsOnly },
  { label: 'All logins', value: (l) => l.total },
];

type PassRateView = ComparisonReport['populations']['passRate']['legacy'];

/** A pass rate with its 95% interval: "97.5% (94.1% to 99.1%) of 120"; "n/a" without results. */
export function formatPassRate(rate: PassRateView): string {
  if (rate.rate === null) return 'n/a';
  return `${formatRate(rate.rate)} (${formatRate(rate.low)} to ${formatRate(rate.high)}) of ${rate.results}`;
}

/** The populations table, in both renderings: a row per measure, a column per source. */
export function populationRows(
  report: ComparisonReport,
): { label: string; cells: [string, string] }[] {
  const { passRate, sameCustomers } = report.populations;
  return [
    {
      label: 'PASS rate, all results',
      cells: [formatPassRate(passRate.legacy), formatPassRate(passRate.workflows)],
    },
    {
      label: `The same ${sameCustomers.customers} customers: legacy before, Workflows after`,
      cells: [
        formatPassRate(sameCustomers.legacyBefore),
        formatPassRate(sameCustomers.workflowsAfter),
      ],
    },
    {
      label: 'Time to the callback p50 / p95 (ms)',
      cells: [
        `${formatMs(report.sources.legacy.delivery.latencyMs.p50)} / ${formatMs(report.sources.legacy.delivery.latencyMs.p95)}`,
        `${formatMs(report.sources.workflows.delivery.latencyMs.p50)} / ${formatMs(report.sources.workflows.delivery.latencyMs.p95)}`,
      ],
    },
  ];
}

/**
 * The delivery table, in both renderings: one row per measure, one column per source. Three
 * columns fit a phone's width; ten (a column per measure) did not fit even a laptop's.
 */
export const DELIVERY_ROWS: ReadonlyArray<{ label: string; value: (s: SourceStats) => string }> = [
  { label: 'Delivered', value: (s) => String(s.delivery.delivered) },
  { label: 'Pending', value: (s) => String(s.delivery.pending) },
  { label: 'Dead', value: (s) => String(s.delivery.dead) },
  { label: 'Shadowed', value: (s) => String(s.delivery.shadowed) },
  { label: 'Waiting for score', value: (s) => String(s.delivery.enriching) },
  { label: 'Scored', value: (s) => String(s.scores.scored) },
  { label: 'Without score', value: (s) => String(s.scores.unavailable) },
  { label: 'Latency p50 (ms)', value: (s) => formatMs(s.delivery.latencyMs.p50) },
  { label: 'Latency p95 (ms)', value: (s) => formatMs(s.delivery.latencyMs.p95) },
];

/** Failure reasons, most frequent first, then by name. */
export function sortedReasons(reasons: Record<string, number>): Array<[string, number]> {
  return Object.entries(reasons).sort(([a, x], [b, y]) => y - x || a.localeCompare(b));
}
