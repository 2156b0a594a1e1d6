import type { ComparisonReport } from '../../report-schema.js';
import {
  EXAMPLE_COLUMNS,
  MAX_LISTED,
  SOURCE_LABELS,
  SOURCES,
  type SourceName,
} from '../../report-text.js';
import { html, lines } from '../fragment.js';
import { type Cell, num, numHead, plain, rowHead, table, time } from '../table.js';
import { code, differences, result, sourceName } from '../text.js';
import type { Section } from './section.js';
import { titled } from './section.js';

// The sections that list events: the disagreements (grouped by kind, with examples) and the
// events without a counterpart. At most MAX_LISTED of each are listed.

/** An id or a dash, breaking anywhere when the column is narrow. */
const id = (value: string | null): Cell => ({ content: code(value), cls: 'id' });

export const disagreements: Section = ({ pairs }) =>
  titled(
    'disagreements',
    'Disagreements',
    pairs.disagreements.length === 0 && html`<p>No disagreements.</p>`,
    pairs.disagreements.map((group, i) => {
      const heading = `disagreement-${i + 1}`;
      const shown = group.examples.slice(0, MAX_LISTED);
      const examples =
        shown.length === 0
          ? html`<p class="muted">No examples recorded.</p>`
          : table({
              labelledBy: heading,
              head: EXAMPLE_COLUMNS,
              rows: shown.map((example) => [
                id(example.customerId),
                id(example.interviewId),
                time(example.legacy.receivedAt),
                time(example.workflows.receivedAt),
                plain(result(example.legacy)),
                plain(result(example.workflows)),
                plain(differences(example)),
              ]),
            });
      return lines([
        html`<h3 id="${heading}">${group.kind} <span class="muted">(${group.count})</span></h3>`,
        examples,
        shown.length > 0 &&
          group.count > shown.length &&
          html`<p class="muted">${shown.length} of ${group.count} shown.</p>`,
      ]);
    }),
  );

function unpairedOf(report: ComparisonReport, source: SourceName) {
  const events = report.unpaired[source];
  if (events.length === 0) return null;
  const shown = events.slice(0, MAX_LISTED);
  const total = Math.max(report.sources[source].unpaired, events.length);
  const heading = `unpaired-${source}`;
  return lines([
    html`<h3 id="${heading}">${SOURCE_LABELS[source]} without a counterpart</h3>`,
    table({
      labelledBy: heading,
      head: ['Customer', 'Received', 'Result', 'Event'],
      rows: shown.map((e) => [
        id(e.customerId),
        time(e.receivedAt),
        plain(result(e)),
        id(e.eventId),
      ]),
    }),
    total > shown.length && html`<p class="muted">${shown.length} of ${total} shown.</p>`,
  ]);
}

export const unpaired: Section = (report) =>
  titled(
    'unpaired-events',
    'Unpaired events',
    table({
      labelledBy: 'unpaired-events',
      head: ['Source', numHead('Unpaired')],
      rows: SOURCES.map((source) => [
        rowHead(sourceName(source), 'nowrap'),
        num(report.sources[source].unpaired),
      ]),
    }),
    SOURCES.map((source) => unpairedOf(report, source)),
  );
