import type { ComparisonReport } from '../../report-schema.js';
import { formatRate, SOURCE_LABELS, SOURCES, type SourceName } from '../../report-text.js';
import { type Fragment, html } from '../fragment.js';
import { COLORS } from '../palette.js';
import { type ChartFrame, dash, emptyChart, LINE, legend, n, PAINT_ORDER, svg } from './frame.js';
import { timeAxis } from './time-axis.js';

// The PASS rate of each source per timeline bucket, as a line chart.

type Bucket = ComparisonReport['timeline'][number];

const WIDTH = 520;
const HEIGHT = 280;
const TITLE = 'PASS rate per source over time';
const MARGIN = { top: 36, right: 16, bottom: 44, left: 48 };
const PLOT_W = WIDTH - MARGIN.left - MARGIN.right;
const PLOT_H = HEIGHT - MARGIN.top - MARGIN.bottom;

function percentOf(part: number, whole: number): number | null {
  return whole > 0 ? part / whole : null;
}

/** Line chart: PASS / events per source and bucket; a bucket without events breaks the line. */
export function passRateChart(report: ComparisonReport): Fragment {
  const timeline = report.timeline;
  const hasEvents = timeline.some((b) => b.legacy.events > 0 || b.workflows.events > 0);
  const empty = SOURCES.some((s) => report.sources[s].events > 0)
    ? 'No timeline for this range'
    : 'No events in this range';
  const overall = SOURCES.map(
    (s) => `${SOURCE_LABELS[s]} ${formatRate(report.sources[s].passRate)}`,
  );
  const frame: ChartFrame = {
    id: 'chart-pass-rate',
    title: TITLE,
    label: hasEvents
      ? `${TITLE}, ${timeline.length} buckets; overall: ${overall.join(', ')}`
      : `${TITLE}: ${empty}`,
    width: WIDTH,
    height: HEIGHT,
  };
  if (!hasEvents) return emptyChart(frame, empty);

  const x = (i: number) => MARGIN.left + (PLOT_W * (i + 0.5)) / timeline.length;
  return svg(
    frame,
    html`${legend(MARGIN.left, 14, true)}${yAxis()}${xAxis(timeline, x)}${PAINT_ORDER.map(
      (source) => series(source, timeline, x),
    )}`,
  );
}

const y = (rate: number) => MARGIN.top + PLOT_H * (1 - rate);

function yAxis(): Fragment {
  const ticks = [0, 0.25, 0.5, 0.75, 1].map(
    (tick) =>
      html`<line x1="${MARGIN.left}" y1="${n(y(tick))}" x2="${WIDTH - MARGIN.right}" y2="${n(y(tick))}" stroke="${tick === 0 ? '#9ca3af' : '#e5e7eb'}"/><text x="${MARGIN.left - 6}" y="${n(y(tick))}" text-anchor="end" dominant-baseline="middle" fill="#6b7280">${tick * 100}%</text>`,
  );
  return html`<g class="axis axis-y">${ticks}</g>`;
}

function xAxis(timeline: Bucket[], x: (i: number) => number): Fragment {
  const axis = timeAxis(
    timeline.map((b) => b.start),
    PLOT_W,
  );
  const labels = timeline.map(
    (_, i) =>
      i % axis.every === 0 &&
      html`<text class="tick" x="${n(x(i))}" y="${HEIGHT - MARGIN.bottom + 16}" text-anchor="middle" fill="#6b7280">${axis.labels[i] ?? ''}</text>`,
  );
  return html`<g class="axis axis-x">${labels}<text x="${n(MARGIN.left + PLOT_W / 2)}" y="${HEIGHT - 8}" text-anchor="middle" fill="#6b7280">${axis.title}</text></g>`;
}

/** One source's line (broken where a bucket has no events) and a point per bucket with events. */
function series(source: SourceName, timeline: Bucket[], x: (i: number) => number): Fragment {
  const style = LINE[source];
  const segments: string[] = [];
  const points: Fragment[] = [];
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
    const tip = `${SOURCE_LABELS[source]}, ${bucket.start}: ${pass} of ${events} PASS (${formatRate(rate)})`;
    points.push(
      html`<circle cx="${n(x(i))}" cy="${n(y(rate))}" r="${style.radius}" fill="${COLORS[source]}"><title>${tip}</title></circle>`,
    );
  });
  const line =
    segments.length > 0 &&
    html`<path d="${segments.join(' ')}" fill="none" stroke="${COLORS[source]}" stroke-width="${style.width}" stroke-opacity="${style.opacity}" stroke-linejoin="round"${dash(source)}/>`;
  return html`<g class="series series-${source}">${line}${points}</g>`;
}
