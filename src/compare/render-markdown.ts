import type { ComparisonReport } from './report-schema.js';

// The comparison report as Markdown for a pull request (GitHub flavoured: tables). A rendering
// of the report object only: every number comes from it, nothing is computed here but formats.
// The small format helpers are shared with the HTML rendering, so both say the same thing.

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
  if (pairs.count < thresholds.minPairs) {
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
  if (report.verdict.safe) {
    steps.push([
      'Go through the go/no-go list in MIGRATION.md, then switch: ',
      { code: 'PUT /admin/forward-source' },
      ' with ',
      { code: '{"source":"workflows"}' },
      '.',
    ]);
  }
  return steps;
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

/**
 * Inline text: Markdown's inline specials backslash-escaped, line breaks as spaces, and a
 * leading character that would start a block (heading, list, quote) escaped too.
 */
function text(value: string): string {
  return inlineText(value.replace(/\r\n|\r|\n/g, ' ').trim())
    .replace(/^[+\-=]/, '\\$&')
    .replace(/^(\d+)([.)])/, '$1\\$2');
}

/** Part of a line: Markdown's inline specials escaped, line breaks as spaces, not trimmed. */
function inlineText(value: string): string {
  return value.replace(/\r\n|\r|\n/g, ' ').replace(/[\\`*_[\]<>#|~&]/g, '\\$&');
}

/** Text with code spans, within a line. */
function inline(parts: Inline[]): string {
  return parts
    .map((part) => (typeof part === 'string' ? inlineText(part) : code(part.code)))
    .join('');
}

/** A table cell of plain text: escaped, `|` included, line breaks as `<br>`. */
function cell(value: string): string {
  return value.replace(/[\\`*_[\]<>|~&]/g, '\\$&').replace(/\r\n|\r|\n/g, '<br>');
}

/**
 * A value as a code span inside a table cell: shown literally (no Markdown, no HTML), `|`
 * escaped as GFM tables need even inside code, line breaks as spaces (a row is one line).
 */
function code(value: string): string {
  const flat = value.replace(/\r\n|\r|\n/g, ' ').replace(/\|/g, '\\|');
  if (flat.trim() === '') return `"${flat}"`;
  const longestRun = Math.max(0, ...(flat.match(/`+/g) ?? []).map((run) => run.length));
  const fence = '`'.repeat(longestRun + 1);
  const pad = flat.startsWith('`') || flat.endsWith('`') ? ' ' : '';
  return `${fence}${pad}${flat}${pad}${fence}`;
}

function codeOrDash(value: string | null): string {
  return value === null ? '—' : code(value);
}

function table(header: string[], rows: string[][], align?: Array<'l' | 'r'>): string[] {
  const rule = header.map((_, i) => (align?.[i] === 'r' ? '---:' : '---'));
  return [header, rule, ...rows].map((row) => `| ${row.join(' | ')} |`);
}

function result(side: ResultSide): string {
  return side.reason === null ? code(side.status) : `${code(side.status)} ${code(side.reason)}`;
}

function failureReasons(reasons: Record<string, number>): string {
  const entries = sortedReasons(reasons);
  if (entries.length === 0) return '—';
  return entries.map(([reason, count]) => `${code(reason)} ${count}`).join(', ');
}

/** The comparison report as a Markdown document. Pure. */
export function renderMarkdown(report: ComparisonReport): string {
  const { sources, pairs } = report;
  const out: string[] = [];

  out.push(
    `# Face authentication comparison: ${text(report.range.from)} → ${text(report.range.to)}`,
  );
  out.push('');
  out.push(`**${report.verdict.safe ? '✅' : '❌'} ${text(verdictHeading(report.verdict))}**`);
  out.push('');
  for (const reason of report.verdict.reasons) out.push(`- ${text(reason)}`);
  if (report.verdict.reasons.length > 0) out.push('');
  out.push(
    `Thresholds: at least ${report.thresholds.minPairs} pairs, agreement at least ` +
      `${formatRate(report.thresholds.minAgreement)}. Generated ${text(report.generatedAt)}.`,
  );
  out.push('', `Time left: ${text(report.verdict.timeLeft)}.`);

  out.push('', '## Next steps', '');
  for (const step of nextSteps(report)) out.push(`- ${inline(step)}`);
  out.push(
    `- How to read this report: [${READING_SECTION.title}](${READING_SECTION.file}#${READING_SECTION.anchor}).`,
  );

  out.push('', '## Sources', '');
  out.push(
    ...table(
      ['Source', 'Events', 'PASS', 'FAIL', 'PASS rate', 'Failure reasons'],
      SOURCES.map((name) => {
        const s = sources[name];
        return [
          SOURCE_LABELS[name],
          String(s.events),
          String(s.pass),
          String(s.fail),
          formatRate(s.passRate),
          failureReasons(s.failureReasons),
        ];
      }),
      ['l', 'r', 'r', 'r', 'r', 'l'],
    ),
  );

  out.push('', '## Pairs', '');
  out.push(
    ...table(
      ['Pairs', 'Status agreement', 'Reason agreement'],
      [[String(pairs.count), formatRate(pairs.statusAgreement), formatRate(pairs.reasonAgreement)]],
      ['r', 'r', 'r'],
    ),
  );

  out.push('', '## Per share of customers', '');
  out.push(
    'The pairs of the customers a share (`FORWARD_SOURCE=workflows:<N>%`) moves to Workflows, by the stable hash of their id.',
    '',
  );
  out.push(
    ...table(
      ['Share', 'Pairs', 'Status agreement', 'Reason agreement', 'Disagreeing'],
      report.shares.map((s) => [
        text(s.share),
        String(s.pairs),
        formatRate(s.statusAgreement),
        formatRate(s.reasonAgreement),
        String(s.disagreements),
      ]),
      ['l', 'r', 'r', 'r', 'r'],
    ),
  );

  out.push('', '## Disagreements', '');
  if (pairs.disagreements.length === 0) out.push('No disagreements.');
  for (const group of pairs.disagreements) {
    out.push(`### ${text(group.kind)} (${group.count})`, '');
    const shown = group.examples.slice(0, MAX_LISTED);
    if (shown.length === 0) {
      out.push('No examples recorded.', '');
      continue;
    }
    out.push(
      ...table(
        EXAMPLE_COLUMNS,
        shown.map((example) => [
          codeOrDash(example.customerId),
          codeOrDash(example.interviewId),
          cell(example.legacy.receivedAt),
          cell(example.workflows.receivedAt),
          result(example.legacy),
          result(example.workflows),
          example.differences.length === 0
            ? '—'
            : example.differences
                .map(
                  (d) =>
                    `${code(d.field)}: ${code(formatValue(d.legacy))} → ${code(formatValue(d.workflows))}`,
                )
                .join('<br>'),
        ]),
      ),
    );
    if (group.count > shown.length) out.push('', `${shown.length} of ${group.count} shown.`);
    out.push('');
  }
  if (out[out.length - 1] === '') out.pop();

  out.push('', '## Unpaired events', '');
  out.push(
    ...table(
      ['Source', 'Unpaired'],
      SOURCES.map((name) => [SOURCE_LABELS[name], String(sources[name].unpaired)]),
      ['l', 'r'],
    ),
  );
  for (const name of SOURCES) {
    const events = report.unpaired[name];
    if (events.length === 0) continue;
    const shown = events.slice(0, MAX_LISTED);
    const total = Math.max(sources[name].unpaired, events.length);
    out.push('', `### ${SOURCE_LABELS[name]} without a counterpart`, '');
    out.push(
      ...table(
        ['Customer', 'Received', 'Result', 'Event'],
        shown.map((e) => [
          codeOrDash(e.customerId),
          cell(e.receivedAt),
          result(e),
          code(e.eventId),
        ]),
      ),
    );
    if (total > shown.length) out.push('', `${shown.length} of ${total} shown.`);
  }

  out.push('', '## Legacy-only fields', '');
  if (report.legacyOnlyFields.length === 0) {
    out.push('None: the Workflows rendering carried every field the legacy webhook sent.');
  } else {
    out.push(
      'What the callback received from the legacy webhook that the Workflows source cannot provide.',
      '',
      inline(SCORE_NOTE),
      '',
      ...table(
        ['Field', 'Legacy events carrying it', 'Pairs where Workflows lacked it'],
        report.legacyOnlyFields.map((f) => [
          code(f.field),
          String(f.legacyEvents),
          String(f.pairsMissing),
        ]),
        ['l', 'r', 'r'],
      ),
    );
  }

  out.push('', '## Delivery', '');
  out.push(
    ...table(
      ['', ...SOURCES.map((name) => SOURCE_LABELS[name])],
      DELIVERY_ROWS.map((row) => [row.label, ...SOURCES.map((name) => row.value(sources[name]))]),
      ['l', 'r', 'r'],
    ),
  );
  out.push('');
  return out.join('\n');
}
