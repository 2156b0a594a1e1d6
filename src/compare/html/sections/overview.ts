import {
  formatRate,
  READING_SECTION,
  SOURCE_LABELS,
  SOURCES,
  nextSteps as steps,
  verdictHeading,
} from '../../report-text.js';
import { failureReasonsChart } from '../charts/failure-reasons.js';
import { passRateChart } from '../charts/pass-rate.js';
import { html, lines } from '../fragment.js';
import { code, inline } from '../text.js';
import type { Section } from './section.js';

// The top of the page: the verdict, what to do next, the numbers at a glance, the charts.

export const verdict: Section = (report) => {
  const { verdict } = report;
  const reasons =
    verdict.reasons.length > 0 && html`<ul>${verdict.reasons.map((r) => html`<li>${r}</li>`)}</ul>`;
  return html`<section id="verdict" class="verdict ${verdict.safe ? 'verdict-safe' : 'verdict-unsafe'}" aria-label="Verdict">
${lines([
  html`<p class="verdict-line">${verdict.safe ? '✓' : '✗'} ${verdictHeading(verdict)}</p>`,
  reasons,
  verdict.note && html`<p class="thresholds">Evidence: ${verdict.note}.</p>`,
])}
<p class="thresholds">Thresholds: at least ${report.thresholds.minPairs} pairs, agreement at least ${formatRate(report.thresholds.minAgreement)}.</p>
<p class="thresholds">Time left: ${verdict.timeLeft}.</p>
</section>`;
};

// The page travels alone (an attachment, a file in a ticket): MIGRATION.md is named, not linked.
export const nextSteps: Section = (report) =>
  html`<section id="next-steps" aria-labelledby="next-steps-heading">
<h2 id="next-steps-heading">Next steps</h2>
<ul>
${lines([
  steps(report).map((step) => html`<li>${inline(step)}</li>`),
  html`<li>How to read this report: the section “${READING_SECTION.title}” of ${code(READING_SECTION.file)} in the faceauth-shim repository.</li>`,
])}
</ul>
</section>`;

function card(name: string, value: string) {
  return html`<div class="card"><span class="value">${value}</span><span class="name">${name}</span></div>`;
}

export const atAGlance: Section = ({ pairs, sources }) =>
  html`<section class="cards" aria-label="At a glance">
${lines([
  card('pairs', String(pairs.count)),
  card('status agreement', formatRate(pairs.statusAgreement)),
  card('reason agreement', formatRate(pairs.reasonAgreement)),
  SOURCES.map((s) => card(`${SOURCE_LABELS[s]} PASS rate`, formatRate(sources[s].passRate))),
])}
</section>`;

export const charts: Section = (report) =>
  html`<section class="charts" aria-label="Charts">
<figure><figcaption>PASS rate per source over time</figcaption>${passRateChart(report)}<p class="chart-note muted">Workflows is the wide line, legacy the dashed line drawn on it: where both PASS rates are equal, the dashed line runs inside the wide one.</p></figure>
<figure><figcaption>Failure reasons side by side</figcaption>${failureReasonsChart(report)}</figure>
</section>`;
