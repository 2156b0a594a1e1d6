import type { ComparisonReport } from '../../report-schema.js';
import { SOURCE_LABELS, SOURCES, sortedReasons } from '../../report-text.js';
import { type Fragment, html } from '../fragment.js';
import { COLORS } from '../palette.js';
import { type ChartFrame, emptyChart, legend, n, svg } from './frame.js';

// The failure reasons of both sources side by side, as grouped horizontal bars.

const TITLE = 'Failure reasons side by side';
const ID = 'chart-failure-reasons';
const WIDTH = 520;
const BAR = 14;
const GROUP_GAP = 14;
const GROUP = BAR * 2 + 2 + GROUP_GAP;
const MARGIN = { top: 36, bottom: 30 };
/** About the width of one character of an uppercase reason code at 11px. */
const CHAR_WIDTH = 7.4;

/** A step of 1, 2 or 5 times a power of ten giving about `target` ticks; at least 1. */
function niceStep(max: number, target = 5): number {
  const raw = Math.max(max, 1) / target;
  const magnitude = 10 ** Math.floor(Math.log10(raw));
  const step = [1, 2, 5, 10].map((m) => m * magnitude).find((s) => s >= raw) ?? raw;
  return Math.max(1, step);
}

/** Grouped horizontal bars: failure reasons (the union), one bar per source, counts labelled. */
export function failureReasonsChart(report: ComparisonReport): Fragment {
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
      { id: ID, title: TITLE, label: `${TITLE}: ${message}`, width: WIDTH, height: 140 },
      message,
    );
  }

  const longest = Math.max(...reasons.map((r) => r.length));
  const labelWidth = Math.min(Math.max(longest * CHAR_WIDTH + 16, 80), 220);
  const maxChars = Math.floor((labelWidth - 16) / CHAR_WIDTH);
  const plotLeft = labelWidth;
  const plotRight = WIDTH - 44;
  const height = MARGIN.top + reasons.length * GROUP + MARGIN.bottom;
  const peak = Math.max(1, ...counts.flatMap((c) => Object.values(c)));
  const step = niceStep(peak);
  const axisMax = Math.ceil(peak / step) * step;
  const x = (value: number) => plotLeft + ((plotRight - plotLeft) * value) / axisMax;
  const barLength = (value: number) => (value > 0 ? Math.max(1, x(value) - plotLeft) : 0);

  const shown = reasons.map(
    (r) => `${r} (${SOURCES.map((s, i) => `${s} ${counts[i]?.[r] ?? 0}`).join(', ')})`,
  );
  const frame: ChartFrame = {
    id: ID,
    title: TITLE,
    label: `${TITLE}: ${shown.join('; ')}`,
    width: WIDTH,
    height,
  };

  const axisY = height - MARGIN.bottom;
  const ticks: Fragment[] = [];
  for (let tick = 0; tick <= axisMax; tick += step) {
    ticks.push(
      html`<line x1="${n(x(tick))}" y1="${MARGIN.top - 6}" x2="${n(x(tick))}" y2="${axisY}" stroke="${tick === 0 ? '#9ca3af' : '#e5e7eb'}"/><text x="${n(x(tick))}" y="${axisY + 16}" text-anchor="middle" fill="#6b7280">${tick}</text>`,
    );
  }
  const labels = reasons.map((reason, i) => {
    const middle = MARGIN.top + i * GROUP + BAR + 1;
    const label = reason.length > maxChars ? `${reason.slice(0, maxChars - 1)}…` : reason;
    return html`<text x="${labelWidth - 8}" y="${middle}" text-anchor="end" dominant-baseline="middle" font-size="11" fill="#374151"><title>${reason}</title>${label}</text>`;
  });
  const series = SOURCES.map((source, s) => {
    const bars = reasons.map((reason, i) => {
      const count = counts[s]?.[reason] ?? 0;
      const top = MARGIN.top + i * GROUP + s * (BAR + 2);
      const tip = `${SOURCE_LABELS[source]}: ${reason}, ${count} events`;
      return html`<rect x="${plotLeft}" y="${top}" width="${n(barLength(count))}" height="${BAR}" fill="${COLORS[source]}" rx="2"><title>${tip}</title></rect><text class="count" x="${n(plotLeft + barLength(count) + 4)}" y="${top + BAR / 2}" dominant-baseline="middle" font-size="11" fill="#374151">${count}</text>`;
    });
    return html`<g class="series series-${source}">${bars}</g>`;
  });
  return svg(
    frame,
    html`${legend(plotLeft, 14)}<g class="axis axis-x">${ticks}</g><g class="axis axis-y">${labels}</g>${series}`,
  );
}
