import {
  type DisagreementExample,
  formatValue,
  type Inline,
  type ResultSide,
  SOURCE_LABELS,
  type SourceName,
  sortedReasons,
} from '../report-text.js';
import { type Fragment, html } from './fragment.js';
import { COLORS } from './palette.js';

// The small pieces the sections are made of: names a reader types (code), results, lists.

/** A name or value shown literally, or a dash when there is none. */
export function code(value: string | null): Fragment {
  return value === null ? html`—` : html`<code>${value}</code>`;
}

/** Text with code spans, from the renderings' shared `Inline` parts. */
export function inline(parts: readonly Inline[]): Fragment {
  return html`${parts.map((part) => (typeof part === 'string' ? part : code(part.code)))}`;
}

/** The source's name after a swatch of its colour in the charts. */
export function sourceName(source: SourceName): Fragment {
  return html`<span class="swatch" style="background:${COLORS[source]}"></span>${SOURCE_LABELS[source]}`;
}

/** PASS or FAIL, coloured, and the reason on a line of its own. */
export function result(side: ResultSide): Fragment {
  const status = html`<span class="status-${side.status}">${side.status}</span>`;
  return side.reason === null ? status : html`${status}<br>${code(side.reason)}`;
}

export function differences(example: DisagreementExample): Fragment {
  if (example.differences.length === 0) return html`—`;
  const items = example.differences.map(
    (d) =>
      html`<li>${code(d.field)}: ${code(formatValue(d.legacy))} → ${code(formatValue(d.workflows))}</li>`,
  );
  return html`<ul class="diffs">${items}</ul>`;
}

/** Failure reasons, most frequent first, with their counts. */
export function reasonsList(reasons: Record<string, number>): Fragment {
  const entries = sortedReasons(reasons);
  if (entries.length === 0) return html`—`;
  return html`${entries.map(([reason, count], i) => html`${i > 0 && ', '}${code(reason)} ${count}`)}`;
}
