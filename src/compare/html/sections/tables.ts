import { DELIVERY_ROWS, formatRate, SCORE_NOTE, SOURCES } from '../../report-text.js';
import { html } from '../fragment.js';
import { hiddenHead, num, numHead, plain, rowHead, table } from '../table.js';
import { code, inline, reasonsList, sourceName } from '../text.js';
import type { Section } from './section.js';
import { titled } from './section.js';

// The sections that are one table of counts each: per source, pairs, per share, the
// legacy-only fields, delivery.

export const sources: Section = (report) =>
  titled(
    'sources',
    'Sources',
    table({
      labelledBy: 'sources',
      head: [
        'Source',
        numHead('Events'),
        numHead('PASS'),
        numHead('FAIL'),
        numHead('PASS rate'),
        'Failure reasons',
      ],
      rows: SOURCES.map((name) => {
        const s = report.sources[name];
        return [
          rowHead(sourceName(name), 'nowrap'),
          num(s.events),
          num(s.pass),
          num(s.fail),
          num(formatRate(s.passRate)),
          plain(reasonsList(s.failureReasons)),
        ];
      }),
    }),
  );

export const pairs: Section = ({ pairs }) =>
  titled(
    'pairs',
    'Pairs',
    table({
      labelledBy: 'pairs',
      head: [numHead('Pairs'), numHead('Status agreement'), numHead('Reason agreement')],
      rows: [
        [
          num(pairs.count),
          num(formatRate(pairs.statusAgreement)),
          num(formatRate(pairs.reasonAgreement)),
        ],
      ],
    }),
  );

export const shares: Section = (report) =>
  titled(
    'per-share',
    'Per share of customers',
    html`<p class="muted">The pairs of the customers a share (FORWARD_SOURCE=workflows:&lt;N&gt;%) moves to Workflows, by the stable hash of their id.</p>`,
    table({
      labelledBy: 'per-share',
      head: [
        'Share',
        numHead('Pairs'),
        numHead('Status agreement'),
        numHead('Reason agreement'),
        numHead('Disagreeing'),
      ],
      rows: report.shares.map((s) => [
        rowHead(s.share),
        num(s.pairs),
        num(formatRate(s.statusAgreement)),
        num(formatRate(s.reasonAgreement)),
        num(s.disagreements),
      ]),
    }),
  );

export const legacyOnlyFields: Section = (report) =>
  report.legacyOnlyFields.length === 0
    ? titled(
        'legacy-only-fields',
        'Legacy-only fields',
        html`<p>None: the Workflows rendering carried every field the legacy webhook sent.</p>`,
      )
    : titled(
        'legacy-only-fields',
        'Legacy-only fields',
        html`<p>What the callback received from the legacy webhook that the Workflows source cannot provide.</p>`,
        html`<p class="score-note">${inline(SCORE_NOTE)}</p>`,
        table({
          labelledBy: 'legacy-only-fields',
          head: [
            'Field',
            numHead('Legacy events carrying it'),
            numHead('Pairs where Workflows lacked it'),
          ],
          rows: report.legacyOnlyFields.map((f) => [
            rowHead(code(f.field), 'field'),
            num(f.legacyEvents),
            num(f.pairsMissing),
          ]),
        }),
      );

/** One row per measure, one column per source (see DELIVERY_ROWS). */
export const delivery: Section = (report) =>
  titled(
    'delivery',
    'Delivery',
    table({
      labelledBy: 'delivery',
      head: [
        hiddenHead('Measure'),
        ...SOURCES.map((name) => ({ content: sourceName(name), cls: 'num' })),
      ],
      rows: DELIVERY_ROWS.map((row) => [
        rowHead(row.label),
        ...SOURCES.map((name) => num(row.value(report.sources[name]))),
      ]),
    }),
  );
