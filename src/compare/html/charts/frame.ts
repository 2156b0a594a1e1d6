import { SOURCE_LABELS, SOURCES, type SourceName } from '../../report-text.js';
import { type Content, type Fragment, html } from '../fragment.js';
import { COLORS } from '../palette.js';

// What both charts share: the <svg> around them, the empty state, the legend, the look of each
// source's series, and how a coordinate is written.

/** Legacy is dashed as well as coloured, so the two series differ without colour too. */
export const DASH: Record<SourceName, string | null> = { legacy: '6 4', workflows: null };
/**
 * The PASS-rate lines where the two rates are equal: Workflows is a wide, lighter line drawn
 * first, legacy a narrow dashed one drawn on top of it, and the same for the points (a small
 * legacy dot inside a larger Workflows one), so neither series hides the other.
 */
export const LINE: Record<SourceName, { width: number; opacity: number; radius: number }> = {
  legacy: { width: 2.5, opacity: 1, radius: 3 },
  workflows: { width: 6, opacity: 0.55, radius: 5.5 },
};
export const PAINT_ORDER: readonly SourceName[] = ['workflows', 'legacy'];
const FONT = 'system-ui, -apple-system, Segoe UI, Roboto, Helvetica, Arial, sans-serif';

export interface ChartFrame {
  id: string;
  title: string;
  /** What a screen reader says of the chart: its title and the numbers it shows. */
  label: string;
  width: number;
  height: number;
}

/** A coordinate for an SVG attribute: one decimal, never NaN or Infinity. */
export function n(value: number): string {
  return Number.isFinite(value) ? String(Math.round(value * 10) / 10) : '0';
}

/** ` stroke-dasharray="..."` for a dashed source, nothing for a solid one. */
export function dash(source: SourceName): Fragment | null {
  const pattern = DASH[source];
  return pattern === null ? null : html` stroke-dasharray="${pattern}"`;
}

/** The chart's <svg>, an image with a title and a label saying what it shows. */
export function svg(frame: ChartFrame, content: Content): Fragment {
  const { id, label, width, height } = frame;
  return html`<svg id="${id}" class="chart" role="img" aria-label="${label}" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}" font-family="${FONT}" font-size="12"><title>${frame.title}</title>${content}</svg>`;
}

export function emptyChart(frame: ChartFrame, message: string): Fragment {
  const { width, height } = frame;
  return svg(
    frame,
    html`<rect x="0.5" y="0.5" width="${width - 1}" height="${height - 1}" rx="6" fill="#f8fafc" stroke="#e5e7eb"/><text class="empty-state" x="${n(width / 2)}" y="${n(height / 2)}" text-anchor="middle" dominant-baseline="middle" fill="#6b7280" font-size="14">${message}</text>`,
  );
}

/** One entry per source at (x, y): a line in its colour (as thick as its series if `lines`). */
export function legend(x: number, y: number, lines = false): Fragment {
  const entries = SOURCES.map((source, i) => {
    const left = x + i * 120;
    const stroke = lines
      ? html`stroke-width="${LINE[source].width}" stroke-opacity="${LINE[source].opacity}"`
      : html`stroke-width="3"`;
    return html`<g class="legend-${source}"><line x1="${left}" y1="${y}" x2="${left + 24}" y2="${y}" stroke="${COLORS[source]}" ${stroke}${dash(source)}/><text x="${left + 30}" y="${y}" dominant-baseline="middle" fill="#374151">${SOURCE_LABELS[source]}</text></g>`;
  });
  return html`<g class="legend">${entries}</g>`;
}
