import {
  DELIVERY_ROWS,
  type DisagreementExample,
  EXAMPLE_COLUMNS,
  formatRate,
  formatValue,
  type Inline,
  MAX_LISTED,
  nextSteps,
  READING_SECTION,
  type ResultSide,
  SCORE_NOTE,
  SOURCE_LABELS,
  SOURCES,
  type SourceName,
  sortedReasons,
  verdictHeading,
} from './render-markdown.js';
import type { ComparisonReport } from './report-schema.js';

// The comparison report as one self-contained HTML page: the Markdown's content, plus two
// inline SVG charts. No external asset, no script; a Content-Security-Policy forbids both, so
// even a value that slipped past escaping could not load or run anything. Every text that
// comes from the report goes through `esc`.

const COLORS: Record<SourceName, string> = { legacy: '#b45309', workflows: '#1d4ed8' };
/** Legacy is dashed as well as coloured, so the two series differ without colour too. */
const DASH: Record<SourceName, string> = { legacy: '6 4', workflows: '' };
/**
 * The PASS-rate lines where the two rates are equal: Workflows is a wide, lighter line drawn
 * first, legacy a narrow dashed one drawn on top of it, and the same for the points (a small
 * legacy dot inside a larger Workflows one), so neither series hides the other.
 */
const LINE: Record<SourceName, { width: number; opacity: number; radius: number }> = {
  legacy: { width: 2.5, opacity: 1, radius: 3 },
  workflows: { width: 6, opacity: 0.55, radius: 5.5 },
};
const PAINT_ORDER: readonly SourceName[] = ['workflows', 'legacy'];
const FONT = 'system-ui, -apple-system, Segoe UI, Roboto, Helvetica, Arial, sans-serif';

const ENTITIES: Record<string, string> = {
  '&': '&amp;',
  '<': '&lt;',
  '>': '&gt;',
  '"': '&quot;',
  "'": '&#39;',
};

/** HTML-escapes text for element content and quoted attribute values alike. */
export function esc(value: string): string {
  return value.replace(/[&<>"']/g, (char) => ENTITIES[char] ?? char);
}

/** A coordinate for an SVG attribute: one decimal, never NaN or Infinity. */
function n(value: number): string {
  return Number.isFinite(value) ? String(Math.round(value * 10) / 10) : '0';
}

function percentOf(part: number, whole: number): number | null {
  return whole > 0 ? part / whole : null;
}

// ---------------------------------------------------------------------------------------------
// Charts

interface ChartFrame {
  id: string;
  title: string;
  label: string;
  width: number;
  height: number;
}

function svgOpen(frame: ChartFrame): string {
  return (
    `<svg id="${frame.id}" class="chart" role="img" aria-label="${esc(frame.label)}" ` +
    `width="${frame.width}" height="${frame.height}" ` +
    `viewBox="0 0 ${frame.width} ${frame.height}" font-family="${FONT}" font-size="12">` +
    `<title>${esc(frame.title)}</title>`
  );
}

function emptyChart(frame: ChartFrame, message: string): string {
  return (
    svgOpen(frame) +
    `<rect x="0.5" y="0.5" width="${frame.width - 1}" height="${frame.height - 1}" rx="6" ` +
    'fill="#f8fafc" stroke="#e5e7eb"/>' +
    `<text class="empty-state" x="${n(frame.width / 2)}" y="${n(frame.height / 2)}" ` +
    `text-anchor="middle" dominant-baseline="middle" fill="#6b7280" font-size="14">` +
    `${esc(message)}</text></svg>`
  );
}

function legend(x: number, y: number, lines = false): string {
  return `<g class="legend">${SOURCES.map((source, i) => {
    const left = x + i * 120;
    const dash = DASH[source] ? ` stroke-dasharray="${DASH[source]}"` : '';
    const stroke = lines
      ? `stroke-width="${LINE[source].width}" stroke-opacity="${LINE[source].opacity}"`
      : 'stroke-width="3"';
    return (
      `<g class="legend-${source}"><line x1="${left}" y1="${y}" x2="${left + 24}" y2="${y}" ` +
      `stroke="${COLORS[source]}" ${stroke}${dash}/>` +
      `<text x="${left + 30}" y="${y}" dominant-baseline="middle" fill="#374151">` +
      `${SOURCE_LABELS[source]}</text></g>`
    );
  }).join('')}</g>`;
}

/**
 * The units a time label can be cut to, coarsest first, with the part of an ISO time
 * (2026-11-30T21:43:34.486Z) each keeps. A label is the bucket start cut to the largest unit
 * not longer than the time between two labels: cutting to a unit keeps two times at least one
 * unit apart distinct, so no two labels read the same (a one-minute range no longer shows
 * "21:43" under every label, a week shows days).
 */
const TIME_UNITS = [
  { ms: 86_400_000, from: 5, to: 10 }, // 11-30
  { ms: 60_000, from: 11, to: 16 }, // 21:43
  { ms: 1000, from: 11, to: 19 }, // 21:43:34
  { ms: 100, from: 11, to: 21 }, // 21:43:34.4
  { ms: 10, from: 11, to: 22 }, // 21:43:34.48
  { ms: 1, from: 11, to: 23 }, // 21:43:34.486
] as const;

/** About the width of one character of a 12px axis label, in the chart's units. */
const AXIS_CHAR_WIDTH = 7;

interface TimeAxis {
  /** Label every `every`th bucket. */
  every: number;
  labels: string[];
  /** "bucket start (UTC)", with the day when every bucket falls on one UTC day. */
  title: string;
}

/**
 * The x axis of a timeline: which buckets get a label and what it reads, chosen from the
 * range so that the labels fit side by side in `plotWidth` and differ from each other.
 */
export function timeAxis(starts: string[], plotWidth: number): TimeAxis {
  const times = starts.map((start) => Date.parse(start));
  if (times.length === 0 || times.some((t) => Number.isNaN(t))) {
    const raw = starts.map((s) => (s.length > 16 ? `${s.slice(0, 15)}…` : s));
    const every = Math.max(1, Math.ceil(starts.length / 6));
    return { every, labels: raw, title: 'bucket start (UTC)' };
  }
  const iso = times.map((t) => new Date(t).toISOString());
  const days = new Set(iso.map((t) => t.slice(0, 10)));
  const years = new Set(iso.map((t) => t.slice(0, 4)));
  const bucketMs = times.length > 1 ? (times[1] as number) - (times[0] as number) : 86_400_000;
  const labelsFor = (every: number) => {
    const step = bucketMs * every;
    const unit = TIME_UNITS.find((u) => u.ms <= step) ?? TIME_UNITS[5];
    return iso.map((t) => {
      if (unit.ms === 86_400_000) return years.size > 1 ? t.slice(0, 10) : t.slice(5, 10);
      const time = t.slice(unit.from, unit.to);
      return days.size > 1 ? `${t.slice(5, 10)} ${time}` : time;
    });
  };
  const fits = (every: number) => {
    const widest = Math.max(...labelsFor(every).map((label) => label.length));
    return Math.ceil(times.length / every) * (widest * AXIS_CHAR_WIDTH + 12) <= plotWidth;
  };
  let every = 1;
  while (every < times.length && !fits(every)) every++;
  const labels = labelsFor(every);
  const title =
    days.size === 1 ? `bucket start (UTC, ${iso[0]?.slice(0, 10)})` : 'bucket start (UTC)';
  return { every, labels, title };
}

/** Line chart: PASS / events per source and bucket; a bucket without events breaks the line. */
export function passRateChart(report: ComparisonReport): string {
  const timeline = report.timeline;
  const width = 520;
  const height = 280;
  const title = 'PASS rate per source over time';
  const hasEvents = timeline.some((b) => b.legacy.events > 0 || b.workflows.events > 0);
  const empty = SOURCES.some((s) => report.sources[s].events > 0)
    ? 'No timeline for this range'
    : 'No events in this range';
  const overall = SOURCES.map(
    (s) => `${SOURCE_LABELS[s]} ${formatRate(report.sources[s].passRate)}`,
  );
  const frame: ChartFrame = {
    id: 'chart-pass-rate',
    title,
    label: hasEvents
      ? `${title}, ${timeline.length} buckets; overall: ${overall.join(', ')}`
      : `${title}: ${empty}`,
    width,
    height,
  };
  if (!hasEvents) return emptyChart(frame, empty);

  const margin = { top: 36, right: 16, bottom: 44, left: 48 };
  const plotW = width - margin.left - margin.right;
  const plotH = height - margin.top - margin.bottom;
  const x = (i: number) => margin.left + (plotW * (i + 0.5)) / timeline.length;
  const y = (rate: number) => margin.top + plotH * (1 - rate);
  const parts: string[] = [svgOpen(frame), legend(margin.left, 14, true)];

  parts.push('<g class="axis axis-y">');
  for (const tick of [0, 0.25, 0.5, 0.75, 1]) {
    parts.push(
      `<line x1="${margin.left}" y1="${n(y(tick))}" x2="${width - margin.right}" y2="${n(y(tick))}" ` +
        `stroke="${tick === 0 ? '#9ca3af' : '#e5e7eb'}"/>` +
        `<text x="${margin.left - 6}" y="${n(y(tick))}" text-anchor="end" ` +
        `dominant-baseline="middle" fill="#6b7280">${tick * 100}%</text>`,
    );
  }
  parts.push('</g><g class="axis axis-x">');
  const axis = timeAxis(
    timeline.map((b) => b.start),
    plotW,
  );
  timeline.forEach((_, i) => {
    if (i % axis.every !== 0) return;
    parts.push(
      `<text class="tick" x="${n(x(i))}" y="${height - margin.bottom + 16}" text-anchor="middle" ` +
        `fill="#6b7280">${esc(axis.labels[i] ?? '')}</text>`,
    );
  });
  parts.push(
    `<text x="${n(margin.left + plotW / 2)}" y="${height - 8}" text-anchor="middle" ` +
      `fill="#6b7280">${esc(axis.title)}</text></g>`,
  );

  for (const source of PAINT_ORDER) {
    const style = LINE[source];
    const segments: string[] = [];
    const points: string[] = [];
    let pen = 'M';
    timeline.forEach((bucket, i) => {
      const { events, pass } = bucket[source];
      const rate = percentOf(pass, events);
      if (rate === null) {
        pen = 'M';
        return;
      }
      segments.push(`${pen}${n(x(i))} ${n(y(rate))}`);
      pen = 'L';
      points.push(
        `<circle cx="${n(x(i))}" cy="${n(y(rate))}" r="${style.radius}" fill="${COLORS[source]}">` +
          `<title>${esc(`${SOURCE_LABELS[source]}, ${bucket.start}: ${pass} of ${events} PASS (${formatRate(rate)})`)}</title>` +
          '</circle>',
      );
    });
    const dash = DASH[source] ? ` stroke-dasharray="${DASH[source]}"` : '';
    parts.push(
      `<g class="series series-${source}">` +
        (segments.length > 0
          ? `<path d="${segments.join(' ')}" fill="none" stroke="${COLORS[source]}" ` +
            `stroke-width="${style.width}" stroke-opacity="${style.opacity}" ` +
            `stroke-linejoin="round"${dash}/>`
          : '') +
        `${points.join('')}</g>`,
    );
  }
  parts.push('</svg>');
  return parts.join('');
}

/** A step of 1, 2 or 5 times a power of ten giving about `target` ticks; at least 1. */
function niceStep(max: number, target = 5): number {
  const raw = Math.max(max, 1) / target;
  const magnitude = 10 ** Math.floor(Math.log10(raw));
  const step = [1, 2, 5, 10].map((m) => m * magnitude).find((s) => s >= raw) ?? raw;
  return Math.max(1, step);
}

/** Grouped horizontal bars: failure reasons (the union), one bar per source, counts labelled. */
export function failureReasonsChart(report: ComparisonReport): string {
  const title = 'Failure reasons side by side';
  const width = 520;
  const counts = SOURCES.map((s) => report.sources[s].failureReasons);
  const totals: Record<string, number> = {};
  for (const reasons of counts) {
    for (const [reason, count] of Object.entries(reasons)) {
      totals[reason] = (totals[reason] ?? 0) + count;
    }
  }
  const reasons = sortedReasons(totals).map(([reason]) => reason);
  const noEvents = SOURCES.every((s) => report.sources[s].events === 0);
  if (reasons.length === 0) {
    const message = noEvents ? 'No events in this range' : 'No failures in this range';
    return emptyChart(
      { id: 'chart-failure-reasons', title, label: `${title}: ${message}`, width, height: 140 },
      message,
    );
  }

  const bar = 14;
  const groupGap = 14;
  const group = bar * 2 + 2 + groupGap;
  const margin = { top: 36, bottom: 30 };
  const charWidth = 7.4; // uppercase reason codes at 11px
  const longest = Math.max(...reasons.map((r) => r.length));
  const labelWidth = Math.min(Math.max(longest * charWidth + 16, 80), 220);
  const maxChars = Math.floor((labelWidth - 16) / charWidth);
  const plotLeft = labelWidth;
  const plotRight = width - 44;
  const height = margin.top + reasons.length * group + margin.bottom;
  const peak = Math.max(1, ...counts.flatMap((c) => Object.values(c)));
  const step = niceStep(peak);
  const axisMax = Math.ceil(peak / step) * step;
  const x = (value: number) => plotLeft + ((plotRight - plotLeft) * value) / axisMax;
  const barLength = (value: number) => (value > 0 ? Math.max(1, x(value) - plotLeft) : 0);

  const shown = reasons.map(
    (r) => `${r} (${SOURCES.map((s, i) => `${s} ${counts[i]?.[r] ?? 0}`).join(', ')})`,
  );
  const frame: ChartFrame = {
    id: 'chart-failure-reasons',
    title,
    label: `${title}: ${shown.join('; ')}`,
    width,
    height,
  };
  const parts: string[] = [svgOpen(frame), legend(plotLeft, 14)];

  const axisY = height - margin.bottom;
  parts.push('<g class="axis axis-x">');
  for (let tick = 0; tick <= axisMax; tick += step) {
    parts.push(
      `<line x1="${n(x(tick))}" y1="${margin.top - 6}" x2="${n(x(tick))}" y2="${axisY}" ` +
        `stroke="${tick === 0 ? '#9ca3af' : '#e5e7eb'}"/>` +
        `<text x="${n(x(tick))}" y="${axisY + 16}" text-anchor="middle" fill="#6b7280">${tick}</text>`,
    );
  }
  parts.push('</g><g class="axis axis-y">');
  reasons.forEach((reason, i) => {
    const middle = margin.top + i * group + bar + 1;
    const label = reason.length > maxChars ? `${reason.slice(0, maxChars - 1)}…` : reason;
    parts.push(
      `<text x="${labelWidth - 8}" y="${middle}" text-anchor="end" dominant-baseline="middle" ` +
        `font-size="11" fill="#374151"><title>${esc(reason)}</title>${esc(label)}</text>`,
    );
  });
  parts.push('</g>');

  SOURCES.forEach((source, s) => {
    parts.push(`<g class="series series-${source}">`);
    reasons.forEach((reason, i) => {
      const count = counts[s]?.[reason] ?? 0;
      const top = margin.top + i * group + s * (bar + 2);
      parts.push(
        `<rect x="${plotLeft}" y="${top}" width="${n(barLength(count))}" height="${bar}" ` +
          `fill="${COLORS[source]}" rx="2">` +
          `<title>${esc(`${SOURCE_LABELS[source]}: ${reason}, ${count} events`)}</title></rect>` +
          `<text class="count" x="${n(plotLeft + barLength(count) + 4)}" y="${top + bar / 2}" ` +
          `dominant-baseline="middle" font-size="11" fill="#374151">${count}</text>`,
      );
    });
    parts.push('</g>');
  });
  parts.push('</svg>');
  return parts.join('');
}

// ---------------------------------------------------------------------------------------------
// Page

const STYLE = `
:root { color-scheme: light; }
* { box-sizing: border-box; }
body { margin: 0; background: #f8fafc; color: #1f2937;
  font: 15px/1.55 system-ui, -apple-system, "Segoe UI", Roboto, Helvetica, Arial, sans-serif; }
main { max-width: 1120px; margin: 0 auto; padding: 28px 20px 56px; }
h1 { font-size: 1.65rem; line-height: 1.25; margin: 0 0 4px; }
h2 { font-size: 1.2rem; margin: 36px 0 10px; padding-bottom: 4px; border-bottom: 1px solid #e5e7eb; }
h3 { font-size: 1rem; margin: 22px 0 8px; }
p { margin: 6px 0; }
.muted { color: #6b7280; }
#next-steps { margin-bottom: 22px; }
#next-steps h2 { margin-top: 0; }
#next-steps ul { margin: 0; padding-left: 22px; }
.verdict { margin: 18px 0 22px; padding: 14px 18px; border-radius: 8px; border-left: 8px solid; }
.verdict-safe { background: #dcfce7; border-color: #16a34a; color: #14532d; }
.verdict-unsafe { background: #fee2e2; border-color: #dc2626; color: #7f1d1d; }
.verdict-line { margin: 0; font-size: 1.3rem; font-weight: 700; }
.verdict ul { margin: 8px 0 4px; padding-left: 22px; }
.cards { display: grid; grid-template-columns: repeat(auto-fit, minmax(170px, 1fr)); gap: 12px; }
.card { background: #fff; border: 1px solid #e5e7eb; border-radius: 8px; padding: 10px 14px; }
.card .value { display: block; font-size: 1.5rem; font-weight: 700; font-variant-numeric: tabular-nums; }
.card .name { color: #6b7280; font-size: 0.85rem; }
.charts { display: grid; grid-template-columns: repeat(auto-fit, minmax(min(100%, 460px), 1fr));
  gap: 16px; margin-top: 22px; }
figure { margin: 0; padding: 12px 14px; background: #fff; border: 1px solid #e5e7eb; border-radius: 8px; }
figcaption { font-weight: 600; margin-bottom: 8px; }
.chart-note { font-size: 0.85rem; margin-top: 8px; }
svg.chart { display: block; width: 100%; height: auto; }
.table-wrap { overflow-x: auto; }
table { border-collapse: collapse; background: #fff; font-size: 14px; }
table code { font-size: 12.5px; }
th, td { padding: 6px 10px; border: 1px solid #e5e7eb; text-align: left; vertical-align: top; }
th { background: #f1f5f9; font-weight: 600; }
.num { text-align: right; font-variant-numeric: tabular-nums; white-space: nowrap; }
th.num { white-space: normal; }
.nowrap { white-space: nowrap; }
.id code { white-space: normal; overflow-wrap: anywhere; }
code { font: 13px ui-monospace, SFMono-Regular, Menlo, Consolas, "DejaVu Sans Mono", monospace;
  background: #f1f5f9; padding: 1px 4px; border-radius: 4px; white-space: nowrap; }
.status-PASS { color: #166534; font-weight: 600; }
.status-FAIL { color: #b91c1c; font-weight: 600; }
.swatch { display: inline-block; width: 10px; height: 10px; border-radius: 2px; margin-right: 6px; }
ul.diffs { margin: 0; padding-left: 18px; }
/* A phone: tighter cells, long field names may break; wider tables scroll in their own box. */
@media (max-width: 640px) {
  main { padding: 20px 12px 40px; }
  table { font-size: 13px; }
  th, td { padding: 5px 6px; }
  .field code { white-space: normal; overflow-wrap: anywhere; }
}
@media print { body { background: #fff; } figure, table { break-inside: avoid; } }
`;

const CSP = "default-src 'none'; style-src 'unsafe-inline'; img-src data:";

type Cell = { html: string; cls?: string };

function htmlTable(header: Array<string | Cell>, rows: Cell[][]): string {
  const attr = (c: Cell) => (c.cls ? ` class="${c.cls}"` : '');
  const th = header
    .map((h) => (typeof h === 'string' ? { html: esc(h) } : h))
    .map((h) => `<th${attr(h)} scope="col">${h.html}</th>`)
    .join('');
  const body = rows
    .map((row) => `<tr>${row.map((c) => `<td${attr(c)}>${c.html}</td>`).join('')}</tr>`)
    .join('\n');
  return `<div class="table-wrap"><table><thead><tr>${th}</tr></thead><tbody>\n${body}\n</tbody></table></div>`;
}

const num = (value: number | string): Cell => ({ html: esc(String(value)), cls: 'num' });
/** An ISO time that may break after its date, when the column is narrow. */
const time = (value: string): Cell => ({
  html: esc(value).replace(/^(\d{4}-\d{2}-\d{2}T)/, '$1<wbr>'),
  cls: 'time',
});
const code = (value: string | null): string =>
  value === null ? '—' : `<code>${esc(value)}</code>`;
const id = (value: string | null): Cell => ({ html: code(value), cls: 'id' });
const numHead = (label: string): Cell => ({ html: esc(label), cls: 'num' });
const source = (name: SourceName): Cell => ({ html: sourceName(name), cls: 'nowrap' });

function sourceName(source: SourceName): string {
  return `<span class="swatch" style="background:${COLORS[source]}"></span>${SOURCE_LABELS[source]}`;
}

function result(side: ResultSide): string {
  const status = `<span class="status-${side.status}">${esc(side.status)}</span>`;
  return side.reason === null ? status : `${status}<br>${code(side.reason)}`;
}

function differences(example: DisagreementExample): string {
  if (example.differences.length === 0) return '—';
  const items = example.differences.map(
    (d) =>
      `<li>${code(d.field)}: ${code(formatValue(d.legacy))} → ${code(formatValue(d.workflows))}</li>`,
  );
  return `<ul class="diffs">${items.join('')}</ul>`;
}

function reasonsList(reasons: Record<string, number>): string {
  const entries = sortedReasons(reasons);
  if (entries.length === 0) return '—';
  return entries.map(([reason, count]) => `${code(reason)} ${count}`).join(', ');
}

/** Text with code spans, escaped. */
function inline(parts: Inline[]): string {
  return parts.map((part) => (typeof part === 'string' ? esc(part) : code(part.code))).join('');
}

function card(name: string, value: string): string {
  return `<div class="card"><span class="value">${esc(value)}</span><span class="name">${esc(name)}</span></div>`;
}

/** The comparison report as one self-contained HTML page. Pure. */
export function renderHtml(report: ComparisonReport): string {
  const { sources, pairs, verdict } = report;
  const range = `${report.range.from} → ${report.range.to}`;
  const out: string[] = [];

  out.push(
    '<!doctype html>',
    '<html lang="en">',
    '<head>',
    '<meta charset="utf-8">',
    '<meta name="viewport" content="width=device-width, initial-scale=1">',
    `<meta http-equiv="Content-Security-Policy" content="${CSP}">`,
    `<title>${esc(`Face authentication comparison: ${range}`)}</title>`,
    `<style>${STYLE}</style>`,
    '</head>',
    '<body>',
    '<main>',
    '<header>',
    '<h1>Face authentication comparison</h1>',
    `<p class="muted">${esc(range)} · generated ${esc(report.generatedAt)}</p>`,
    '</header>',
  );

  out.push(
    `<section id="verdict" class="verdict ${verdict.safe ? 'verdict-safe' : 'verdict-unsafe'}" aria-label="Verdict">`,
    `<p class="verdict-line">${verdict.safe ? '✓' : '✗'} ${esc(verdictHeading(verdict))}</p>`,
  );
  if (verdict.reasons.length > 0) {
    out.push(`<ul>${verdict.reasons.map((r) => `<li>${esc(r)}</li>`).join('')}</ul>`);
  }
  out.push(
    `<p class="thresholds">Thresholds: at least ${report.thresholds.minPairs} pairs, agreement at ` +
      `least ${esc(formatRate(report.thresholds.minAgreement))}.</p>`,
    `<p class="thresholds">Time left: ${esc(verdict.timeLeft)}.</p>`,
    '</section>',
  );

  // The page travels alone (an attachment, a file in a ticket): MIGRATION.md is named, not linked.
  out.push(
    '<section id="next-steps" aria-label="Next steps">',
    '<h2>Next steps</h2>',
    '<ul>',
    ...nextSteps(report).map((step) => `<li>${inline(step)}</li>`),
    `<li>How to read this report: the section “${esc(READING_SECTION.title)}” of ` +
      `${code(READING_SECTION.file)} in the faceauth-shim repository.</li>`,
    '</ul>',
    '</section>',
  );

  out.push(
    '<section class="cards" aria-label="At a glance">',
    card('pairs', String(pairs.count)),
    card('status agreement', formatRate(pairs.statusAgreement)),
    card('reason agreement', formatRate(pairs.reasonAgreement)),
    ...SOURCES.map((s) => card(`${SOURCE_LABELS[s]} PASS rate`, formatRate(sources[s].passRate))),
    '</section>',
  );

  out.push(
    '<section class="charts" aria-label="Charts">',
    `<figure><figcaption>PASS rate per source over time</figcaption>${passRateChart(report)}` +
      '<p class="chart-note muted">Workflows is the wide line, legacy the dashed line drawn ' +
      'on it: where both PASS rates are equal, the dashed line runs inside the wide one.</p>' +
      '</figure>',
    `<figure><figcaption>Failure reasons side by side</figcaption>${failureReasonsChart(report)}</figure>`,
    '</section>',
  );

  out.push('<h2>Sources</h2>');
  out.push(
    htmlTable(
      [
        'Source',
        numHead('Events'),
        numHead('PASS'),
        numHead('FAIL'),
        numHead('PASS rate'),
        'Failure reasons',
      ],
      SOURCES.map((name) => {
        const s = sources[name];
        return [
          source(name),
          num(s.events),
          num(s.pass),
          num(s.fail),
          num(formatRate(s.passRate)),
          { html: reasonsList(s.failureReasons) },
        ];
      }),
    ),
  );

  out.push('<h2>Pairs</h2>');
  out.push(
    htmlTable(
      [numHead('Pairs'), numHead('Status agreement'), numHead('Reason agreement')],
      [
        [
          num(pairs.count),
          num(formatRate(pairs.statusAgreement)),
          num(formatRate(pairs.reasonAgreement)),
        ],
      ],
    ),
  );

  out.push('<h2>Per share of customers</h2>');
  out.push(
    '<p class="muted">The pairs of the customers a share (FORWARD_SOURCE=workflows:&lt;N&gt;%) moves to Workflows, by the stable hash of their id.</p>',
  );
  out.push(
    htmlTable(
      [
        'Share',
        numHead('Pairs'),
        numHead('Status agreement'),
        numHead('Reason agreement'),
        numHead('Disagreeing'),
      ],
      report.shares.map((s) => [
        { html: esc(s.share) },
        num(s.pairs),
        num(formatRate(s.statusAgreement)),
        num(formatRate(s.reasonAgreement)),
        num(s.disagreements),
      ]),
    ),
  );

  out.push('<h2>Disagreements</h2>');
  if (pairs.disagreements.length === 0) out.push('<p>No disagreements.</p>');
  for (const group of pairs.disagreements) {
    out.push(`<h3>${esc(group.kind)} <span class="muted">(${group.count})</span></h3>`);
    const shown = group.examples.slice(0, MAX_LISTED);
    if (shown.length === 0) {
      out.push('<p class="muted">No examples recorded.</p>');
      continue;
    }
    out.push(
      htmlTable(
        EXAMPLE_COLUMNS,
        shown.map((example) => [
          id(example.customerId),
          id(example.interviewId),
          time(example.legacy.receivedAt),
          time(example.workflows.receivedAt),
          { html: result(example.legacy) },
          { html: result(example.workflows) },
          { html: differences(example) },
        ]),
      ),
    );
    if (group.count > shown.length) {
      out.push(`<p class="muted">${shown.length} of ${group.count} shown.</p>`);
    }
  }

  out.push('<h2>Unpaired events</h2>');
  out.push(
    htmlTable(
      ['Source', numHead('Unpaired')],
      SOURCES.map((name) => [source(name), num(sources[name].unpaired)]),
    ),
  );
  for (const name of SOURCES) {
    const events = report.unpaired[name];
    if (events.length === 0) continue;
    const shown = events.slice(0, MAX_LISTED);
    const total = Math.max(sources[name].unpaired, events.length);
    out.push(`<h3>${SOURCE_LABELS[name]} without a counterpart</h3>`);
    out.push(
      htmlTable(
        ['Customer', 'Received', 'Result', 'Event'],
        shown.map((e) => [
          id(e.customerId),
          time(e.receivedAt),
          { html: result(e) },
          id(e.eventId),
        ]),
      ),
    );
    if (total > shown.length) out.push(`<p class="muted">${shown.length} of ${total} shown.</p>`);
  }

  out.push('<h2>Legacy-only fields</h2>');
  if (report.legacyOnlyFields.length === 0) {
    out.push('<p>None: the Workflows rendering carried every field the legacy webhook sent.</p>');
  } else {
    out.push(
      '<p>What the callback received from the legacy webhook that the Workflows source cannot provide.</p>',
      `<p class="score-note">${inline(SCORE_NOTE)}</p>`,
      htmlTable(
        ['Field', numHead('Legacy events carrying it'), numHead('Pairs where Workflows lacked it')],
        report.legacyOnlyFields.map((f) => [
          { html: code(f.field), cls: 'field' },
          num(f.legacyEvents),
          num(f.pairsMissing),
        ]),
      ),
    );
  }

  out.push('<h2>Delivery</h2>');
  out.push(
    htmlTable(
      ['', ...SOURCES.map((name) => ({ html: sourceName(name), cls: 'num' }))],
      DELIVERY_ROWS.map((row) => [
        { html: esc(row.label) },
        ...SOURCES.map((name) => num(row.value(sources[name]))),
      ]),
    ),
  );

  out.push('</main>', '</body>', '</html>', '');
  return out.join('\n');
}
