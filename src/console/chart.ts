import { type Fragment, html } from '../compare/html/fragment.js';

// Deliveries and failed attempts per minute as a bar chart in inline SVG, drawn on the server:
// two bars a minute (delivered, failed), an axis labelled every hour, and the totals said in
// words for a screen reader.

export interface MinuteCounts {
  minute: number;
  n: number;
}

const WIDTH = 720;
/** Room on the right for the last hour's label. */
const RIGHT = 20;
const HEIGHT = 180;
const LEFT = 36;
const BOTTOM = 22;
const TOP = 8;

export function perMinuteChart(
  from: number,
  to: number,
  delivered: readonly MinuteCounts[],
  failed: readonly MinuteCounts[],
): Fragment {
  const minutes = Math.max(1, Math.round((to - from) / 60_000));
  const start = Math.floor(from / 60_000) * 60_000;
  const at = (rows: readonly MinuteCounts[]) => new Map(rows.map((r) => [r.minute, r.n]));
  const ok = at(delivered);
  const bad = at(failed);
  const total = (rows: readonly MinuteCounts[]) => rows.reduce((sum, r) => sum + r.n, 0);
  const max = Math.max(1, ...delivered.map((r) => r.n), ...failed.map((r) => r.n));
  const plotWidth = WIDTH - LEFT - RIGHT;
  const plotHeight = HEIGHT - TOP - BOTTOM;
  const step = plotWidth / minutes;
  const bars: Fragment[] = [];
  for (let i = 0; i < minutes; i++) {
    const minute = start + i * 60_000;
    const x = LEFT + i * step;
    for (const [cls, map, offset] of [
      ['delivered', ok, 0],
      ['failed', bad, step / 2],
    ] as const) {
      const n = map.get(minute) ?? 0;
      if (n === 0) continue;
      const h = Math.max(1, (n / max) * plotHeight);
      bars.push(
        html`<rect class="${cls}" x="${(x + offset).toFixed(1)}" y="${(TOP + plotHeight - h).toFixed(1)}" width="${Math.max(0.6, step / 2).toFixed(2)}" height="${h.toFixed(1)}"></rect>`,
      );
    }
  }
  const ticks: Fragment[] = [];
  // A tick at each whole hour inside the range.
  const firstHour = Math.ceil(start / 3_600_000) * 3_600_000;
  for (let hour = firstHour; hour <= start + minutes * 60_000; hour += 3_600_000) {
    const x = LEFT + ((hour - start) / 60_000) * step;
    const label = new Date(hour).toISOString().slice(11, 16);
    ticks.push(
      html`<line class="axis" x1="${x.toFixed(1)}" y1="${TOP + plotHeight}" x2="${x.toFixed(1)}" y2="${TOP + plotHeight + 4}"></line><text x="${x.toFixed(1)}" y="${HEIGHT - 6}" text-anchor="middle">${label}</text>`,
    );
  }
  const summary = `${total(delivered)} deliveries and ${total(failed)} failed attempts in the last ${Math.round(minutes / 60)} hours; at most ${max} a minute`;
  return html`<figure>
<figcaption>Deliveries and failed attempts per minute (UTC)</figcaption>
<svg class="chart" viewBox="0 0 ${WIDTH} ${HEIGHT}" role="img" aria-label="${summary}">
<line class="axis" x1="${LEFT}" y1="${TOP + plotHeight}" x2="${WIDTH - RIGHT}" y2="${TOP + plotHeight}"></line>
<line class="axis" x1="${LEFT}" y1="${TOP}" x2="${LEFT}" y2="${TOP + plotHeight}"></line>
<text x="${LEFT - 4}" y="${TOP + 8}" text-anchor="end">${max}</text>
<text x="${LEFT - 4}" y="${TOP + plotHeight}" text-anchor="end">0</text>
${bars}
${ticks}
</svg>
<p class="legend"><span><span class="key delivered"></span>delivered (${total(delivered)})</span><span><span class="key failed"></span>failed attempts (${total(failed)})</span></p>
</figure>`;
}
