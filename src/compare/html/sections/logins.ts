import { LOGIN_ROWS, populationRows, SOURCE_LABELS, SOURCES } from '../../report-text.js';
import { html } from '../fragment.js';
import { hiddenHead, num, numHead, rowHead, table } from '../table.js';
import type { Section } from './section.js';
import { titled } from './section.js';

// Which reality the logins show (reported by both webhooks, or by one), and the two sources
// compared as populations where pairs are rare.

export const logins: Section = (report) =>
  titled(
    'logins',
    'Who reports the logins',
    html`<p>${report.logins.line}.</p>`,
    table({
      labelledBy: 'logins',
      head: ['Logins', numHead('Count')],
      rows: LOGIN_ROWS.map((row) => [rowHead(row.label), num(row.value(report.logins))]),
    }),
  );

export const populations: Section = (report) =>
  titled(
    'populations',
    'Populations',
    html`<p class="muted">The two sources compared as populations: what stands in for pairs where logins are reported by one webhook. A 95% interval follows each PASS rate.</p>`,
    table({
      labelledBy: 'populations',
      head: [hiddenHead('Measure'), ...SOURCES.map((name) => numHead(SOURCE_LABELS[name]))],
      rows: populationRows(report).map((row) => [
        rowHead(row.label),
        ...row.cells.map((value) => num(value)),
      ]),
    }),
  );
