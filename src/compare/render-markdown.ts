import type { ComparisonReport } from './report-schema.js';
import {
  DELIVERY_ROWS,
  EXAMPLE_COLUMNS,
  formatRate,
  formatValue,
  type Inline,
  LOGIN_ROWS,
  MAX_LISTED,
  nextSteps,
  populationRows,
  READING_SECTION,
  type ResultSide,
  SCORE_NOTE,
  SOURCE_LABELS,
  SOURCES,
  sortedReasons,
  verdictHeading,
} from './report-text.js';

// The comparison report as Markdown for a pull request (GitHub flavoured: tables); the words it
// shares with the HTML rendering are in report-text.ts.

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
  if (report.verdict.note) out.push(`Evidence: ${text(report.verdict.note)}.`, '');
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

  out.push('', '## Who reports the logins', '');
  out.push(`${text(report.logins.line)}.`, '');
  out.push(
    ...table(
      ['Logins', 'Count'],
      LOGIN_ROWS.map((row) => [row.label, String(row.value(report.logins))]),
      ['l', 'r'],
    ),
  );

  out.push('', '## Populations', '');
  out.push(
    'The two sources compared as populations: what stands in for pairs where logins are reported by one webhook. A 95% interval follows each PASS rate.',
    '',
  );
  out.push(
    ...table(
      ['', ...SOURCES.map((name) => SOURCE_LABELS[name])],
      populationRows(report).map((row) => [row.label, ...row.cells.map(cell)]),
      ['l', 'r', 'r'],
    ),
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
