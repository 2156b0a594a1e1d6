import { describe, expect, it } from 'vitest';
import { renderHtml } from '../../src/compare/render-html.js';
import { renderMarkdown } from '../../src/compare/render-markdown.js';
import { ComparisonReport } from '../../src/compare/report-schema.js';
import { formatRate } from '../../src/compare/report-text.js';
import {
  demoReport,
  emptyReport,
  HOSTILE_CUSTOMER,
  QUOTED_INTERVIEW,
  sampleReport,
  TIME_LEFT,
  verdict,
} from './render-fixtures.js';

/** Splits a Markdown table row into cells on the pipes GFM treats as delimiters. */
function cells(row: string): string[] {
  return row
    .trim()
    .replace(/^\||\|$/g, '')
    .split(/(?<!\\)\|/);
}

/** Every Markdown table: its rows, each as cells. */
function tables(markdown: string): string[][][] {
  const blocks: string[][][] = [];
  let current: string[][] | null = null;
  for (const line of markdown.split('\n')) {
    if (line.startsWith('|')) {
      if (current === null) {
        current = [];
        blocks.push(current);
      }
      current.push(cells(line));
    } else {
      current = null;
    }
  }
  return blocks;
}

function section(document: string, heading: string): string {
  const start = document.indexOf(`## ${heading}\n`);
  expect(start, `section ${heading}`).toBeGreaterThanOrEqual(0);
  const next = document.indexOf('\n## ', start + 3);
  return document.slice(start, next === -1 ? undefined : next);
}

function svg(html: string, id: string): string {
  const match = html.match(new RegExp(`<svg id="${id}"[\\s\\S]*?</svg>`));
  expect(match, `svg #${id}`).not.toBeNull();
  return match?.[0] ?? '';
}

/** Attribute values that must be numbers in an SVG. */
const NUMERIC_ATTRIBUTES = /\s(x|y|x1|y1|x2|y2|cx|cy|r|rx|width|height)="([^"]*)"/g;

describe('the fixtures', () => {
  it('are valid reports', () => {
    expect(() => ComparisonReport.parse(sampleReport())).not.toThrow();
    expect(() => ComparisonReport.parse(emptyReport())).not.toThrow();
  });
});

describe('formatRate', () => {
  it.each([
    [null, 'n/a'],
    [0, '0%'],
    [1, '100%'],
    [41 / 48, '85.4%'],
    [0.9996, '>99.9%'],
    [0.0001, '<0.1%'],
    [Number.NaN, 'n/a'],
  ])('%s -> %s', (rate, expected) => {
    expect(formatRate(rate)).toBe(expected);
  });
});

describe('renderMarkdown', () => {
  const markdown = renderMarkdown(sampleReport());

  it('opens with the range, then the verdict in bold and its reasons as a list', () => {
    const lines = markdown.split('\n');
    expect(lines[0]).toBe(
      '# Face authentication comparison: 2026-03-14T09:00:00.000Z → 2026-03-14T15:00:00.000Z',
    );
    expect(lines[2]).toBe('**❌ not safe to switch**');
    expect(lines.slice(4, 6)).toEqual([
      '- status agrees in 95.5% of pairs; at least 98.0% needed (COMPARE\\_MIN\\_AGREEMENT)',
      '- reason agrees in 93.2% of pairs; at least 98.0% needed (COMPARE\\_MIN\\_AGREEMENT)',
    ]);
    expect(markdown).toContain('Thresholds: at least 30 pairs, agreement at least 98%.');
  });

  it('says each reason of the verdict once: the heading does not repeat the list', () => {
    const report = sampleReport();
    report.verdict = verdict([
      'only 6 pairs of the same authentication; at least 20 needed (COMPARE_MIN_PAIRS)',
    ]);
    const out = renderMarkdown(report);
    expect(out.match(/only 6 pairs of the same authentication/g)).toHaveLength(1);
    expect(out).toContain('**❌ not safe to switch**\n\n- only 6 pairs');
  });

  it('shows the verdict line itself when it has no reasons to list', () => {
    const report = sampleReport();
    report.verdict = {
      safe: true,
      line: 'safe to switch',
      reasons: [],
      evidence: 'pairs',
      note: null,
      ...TIME_LEFT,
    };
    expect(renderMarkdown(report).split('\n')[2]).toBe('**✅ safe to switch**');
  });

  it('says what to do next: how many more pairs, what to enable, where to read more', () => {
    const steps = section(renderMarkdown(demoReport()), 'Next steps');
    expect(steps).toContain(
      '- Collect 14 more pairs (6 so far; `COMPARE_MIN_PAIRS` is 20): keep both webhooks on',
    );
    expect(steps).toContain('- Set `INCODE_API_URL` (with `INCODE_API_KEY` and an admin token');
    expect(steps).toContain(
      '- How to read this report: [Reading the comparison report](MIGRATION.md#reading-the-comparison-report).',
    );
    // Everything the demo lacks is a step; nothing it has is.
    expect(steps).not.toContain('webhook at');
    expect(steps).not.toContain('disagreement');
  });

  it('names the webhook that sent nothing, and no pairs to collect once there are enough', () => {
    const empty = section(renderMarkdown(emptyReport()), 'Next steps');
    expect(empty).toContain(
      '- Point the legacy Authentication webhook at `/webhooks/legacy/authentication`',
    );
    expect(empty).toContain(
      "- Point Incode's Face Authentication webhook at `/webhooks/workflows/face-authentication`",
    );
    const enough = sampleReport();
    enough.sources.workflows.scores.scored = 40;
    const steps = section(renderMarkdown(enough), 'Next steps');
    expect(steps).not.toContain('more pair');
    expect(steps).not.toContain('INCODE_API_URL');
    expect(steps).toContain('- Look at every disagreement below, the `status:` ones first');
  });

  it('has the per-source table with PASS rates and failure reasons, most frequent first', () => {
    const sources = section(markdown, 'Sources');
    expect(sources).toContain('| Source | Events | PASS | FAIL | PASS rate | Failure reasons |');
    expect(sources).toContain(
      '| Legacy | 48 | 41 | 7 | 85.4% | `USER_IS_NOT_RECOGNIZED` 3, `USER_BLACKLISTED` 2, ' +
        '`FACE_MASK_DETECTED` 1, `SPOOF_DETECTED` 1 |',
    );
    expect(sources).toContain('| Workflows | 46 | 38 | 8 | 82.6% | `USER_IS_NOT_RECOGNIZED` 4,');
  });

  it('has the pairs with both agreement rates', () => {
    expect(section(markdown, 'Pairs')).toContain('| 44 | 95.5% | 93.2% |');
  });

  it('groups disagreements by kind, a heading with its count, then the examples', () => {
    const part = section(markdown, 'Disagreements');
    expect(part).toContain('### status: legacy FAIL, workflows PASS (2)');
    expect(part).toContain(
      '### reason: legacy USER\\_IS\\_NOT\\_RECOGNIZED, workflows HEAD\\_COVER\\_DETECTED (1)',
    );
    expect(part).toContain(
      '| `6571f1a2c3d4e5f6a7b8c9d0` | `65720a1b2c3d4e5f6a7b8c9d` | 2026-03-14T13:05:41.000Z | ' +
        '2026-03-14T13:05:44.000Z | `FAIL` `USER_IS_NOT_RECOGNIZED` | `FAIL` `HEAD_COVER_DETECTED` | ' +
        '`reason`: `"USER_IS_NOT_RECOGNIZED"` → `"HEAD_COVER_DETECTED"`<br>' +
        '`flags.headCover`: `false` → `true` |',
    );
    expect(part).toContain('`FAIL` `USER_BLACKLISTED` | `PASS` |');
  });

  it('escapes pipes and line breaks in cells, so every row keeps its columns', () => {
    expect(markdown).toContain('| `cust\\|pipe next line` | — |');
    expect(markdown).not.toContain('cust|pipe');
    const all = tables(markdown);
    expect(all.length).toBeGreaterThanOrEqual(8);
    for (const rows of all) {
      const width = rows[0]?.length;
      for (const row of rows) expect(row.length).toBe(width);
    }
  });

  it('shows HTML-looking values only inside code spans', () => {
    expect(markdown).toContain('`<img src=x onerror=alert(1)>`');
    const outsideCode = markdown.replace(/(`+)[\s\S]*?\1/g, '');
    expect(outsideCode).not.toMatch(/<(?!br>)/);
  });

  it('lists unpaired events per source and the legacy-only fields', () => {
    const unpaired = section(markdown, 'Unpaired events');
    expect(unpaired).toContain('| Legacy | 4 |');
    expect(unpaired).toContain('| Workflows | 2 |');
    expect(unpaired).toContain('### Legacy without a counterpart');
    expect(unpaired).toContain(
      '| `c-2001` | 2026-03-14T14:12:00.000Z | `FAIL` `SELFIE_IMAGE_LOW_QUALITY` | `evt_w_0041` |',
    );
    expect(unpaired).toContain('| — | 2026-03-14T09:50:00.000Z | `PASS` | `evt_l_0009` |');
    const fields = section(markdown, 'Legacy-only fields');
    expect(fields).toContain(
      '| Field | Legacy events carrying it | Pairs where Workflows lacked it |',
    );
    expect(fields).toContain('| `recognitionConfidence.confidence` | 41 | 38 |');
  });

  it('says by the legacy-only fields that INCODE_API_URL fills the numbers', () => {
    const fields = section(markdown, 'Legacy-only fields');
    expect(fields).toContain(
      'The numbers (`spoofConfidence`, `recognitionConfidence.confidence`, `overallScore`) ' +
        'are filled when `INCODE_API_URL` is set',
    );
    expect(fields.indexOf('INCODE_API_URL')).toBeLessThan(fields.indexOf('| Field |'));
    const html = renderHtml(sampleReport());
    const part = html.slice(
      html.indexOf('<h2 id="legacy-only-fields">Legacy-only fields</h2>'),
      html.indexOf('<h2 id="delivery">'),
    );
    expect(part).toContain('are filled when <code>INCODE_API_URL</code> is set');
  });

  it('lists at most 20 unpaired events per source and says how many there were', () => {
    const report = sampleReport();
    const first = report.unpaired.legacy[0];
    if (first === undefined) throw new Error('fixture has unpaired events');
    report.unpaired.legacy = Array.from({ length: 25 }, (_, i) => ({
      ...first,
      eventId: `evt_many_${i}`,
    }));
    report.sources.legacy.unpaired = 25;
    const part = section(renderMarkdown(report), 'Unpaired events');
    expect(part.match(/evt_many_/g)).toHaveLength(20);
    expect(part).toContain('20 of 25 shown.');
  });

  it('has delivery per source, with n/a for latencies nobody measured', () => {
    const delivery = section(markdown, 'Delivery');
    expect(delivery).toContain('|  | Legacy | Workflows |\n| --- | ---: | ---: |\n');
    expect(delivery).toContain('| Delivered | 46 | 0 |\n| Pending | 1 | 0 |\n| Dead | 1 | 0 |');
    expect(delivery).toContain('| Shadowed | 0 | 46 |');
    expect(delivery).toContain(
      '| Latency p50 (ms) | 182 | n/a |\n| Latency p95 (ms) | 940.5 | n/a |',
    );
  });

  it('renders an empty range with n/a rates and no disagreements', () => {
    const empty = renderMarkdown(emptyReport());
    expect(empty).toContain('| Legacy | 0 | 0 | 0 | n/a | — |');
    expect(empty).toContain('| 0 | n/a | n/a |');
    expect(empty).toContain('No disagreements.');
    expect(empty).toContain('| Without score | 0 | 0 |\n| Latency p50 (ms) | n/a | n/a |');
    expect(empty).not.toMatch(/NaN|undefined|Infinity/);
  });

  it('escapes Markdown in the verdict and kinds', () => {
    const report = sampleReport();
    report.verdict = {
      safe: false,
      line: 'not safe: *bold* [link](x) <b>\n# heading',
      reasons: [],
      evidence: 'pairs',
      note: null,
      ...TIME_LEFT,
    };
    expect(renderMarkdown(report)).toContain(
      '**❌ not safe: \\*bold\\* \\[link\\](x) \\<b\\> \\# heading**',
    );
    report.verdict = verdict(['# not a heading', '1. not a list']);
    const out = renderMarkdown(report);
    expect(out).toContain('- \\# not a heading');
    expect(out).toContain('- 1\\. not a list');
  });
});

describe('renderHtml', () => {
  const html = renderHtml(sampleReport());

  it('is one self-contained page', () => {
    expect(html.startsWith('<!doctype html>')).toBe(true);
    expect(html).toContain('<meta charset="utf-8">');
    expect(html).toMatch(/<title>Face authentication comparison: [^<]+<\/title>/);
    expect(html).not.toMatch(/\b(src|href)\s*=\s*["']?\s*(https?:)?\/\//i);
    expect(html).not.toMatch(/<script/i);
    expect(html).not.toMatch(/<link/i);
    expect(html).not.toMatch(/@import|url\(/i);
    expect(html).toContain("default-src 'none'");
  });

  it('escapes every text from the report', () => {
    expect(html).not.toContain(HOSTILE_CUSTOMER);
    expect(html).toContain('&lt;img src=x onerror=alert(1)&gt;');
    expect(html).not.toContain(QUOTED_INTERVIEW);
    expect(html).toContain('it&#39;s &quot;quoted&quot; &amp; &lt;b&gt;bold&lt;/b&gt;');
    const tags = new Set([...html.matchAll(/<([a-zA-Z][\w-]*)/g)].map((m) => m[1]));
    expect([...tags].sort()).toEqual(
      [
        'body',
        'br',
        'circle',
        'code',
        'div',
        'figcaption',
        'figure',
        'g',
        'h1',
        'h2',
        'h3',
        'head',
        'header',
        'html',
        'li',
        'line',
        'main',
        'meta',
        'p',
        'path',
        'rect',
        'section',
        'span',
        'style',
        'svg',
        'table',
        'tbody',
        'td',
        'text',
        'th',
        'thead',
        'title',
        'tr',
        'ul',
        'wbr',
      ].sort(),
    );
  });

  it('has the verdict banner in red for an unsafe verdict, green for a safe one', () => {
    expect(html).toContain('class="verdict verdict-unsafe"');
    expect(html).toContain('<p class="verdict-line">✗ not safe to switch</p>');
    expect(html).toContain(
      '<li>reason agrees in 93.2% of pairs; at least 98.0% needed (COMPARE_MIN_AGREEMENT)</li>',
    );
    const safe = sampleReport();
    safe.verdict = {
      safe: true,
      line: 'safe to switch',
      reasons: ['all thresholds met'],
      evidence: 'pairs',
      note: null,
      ...TIME_LEFT,
    };
    expect(renderHtml(safe)).toContain('class="verdict verdict-safe"');
  });

  it('says each reason of the verdict once: the heading does not repeat the list', () => {
    const report = sampleReport();
    report.verdict = verdict([
      'only 6 pairs of the same authentication; at least 20 needed (COMPARE_MIN_PAIRS)',
    ]);
    const page = renderHtml(report);
    expect(page.match(/only 6 pairs of the same authentication/g)).toHaveLength(1);
  });

  it("says what to do next, and names MIGRATION.md's section rather than linking to it", () => {
    const page = renderHtml(demoReport());
    const steps = page.match(/<section id="next-steps"[\s\S]*?<\/section>/)?.[0] ?? '';
    expect(steps).toContain(
      '<li>Collect 14 more pairs (6 so far; <code>COMPARE_MIN_PAIRS</code> is 20)',
    );
    expect(steps).toContain(
      '<li>Set <code>INCODE_API_URL</code> (with <code>INCODE_API_KEY</code>',
    );
    expect(steps).toContain(
      'the section “Reading the comparison report” of <code>MIGRATION.md</code>',
    );
    expect(page).not.toMatch(/href=/);
  });

  it('has the same tables as the Markdown', () => {
    for (const [id, heading] of [
      ['sources', 'Sources'],
      ['pairs', 'Pairs'],
      ['disagreements', 'Disagreements'],
      ['unpaired-events', 'Unpaired events'],
      ['legacy-only-fields', 'Legacy-only fields'],
      ['delivery', 'Delivery'],
    ]) {
      expect(html).toContain(`<h2 id="${id}">${heading}</h2>`);
    }
    expect(html).toContain('status: legacy FAIL, workflows PASS <span class="muted">(2)</span>');
    expect(html).toContain('<td class="num">85.4%</td>');
    expect(html).toContain('<td class="num">95.5%</td><td class="num">93.2%</td>');
    expect(html).toContain(
      '<th scope="row">Latency p95 (ms)</th><td class="num">940.5</td><td class="num">n/a</td>',
    );
    expect(html).toContain('<code>spoofConfidence</code>');
    expect(html).toContain('<code>evt_w_0041</code>');
  });

  it('draws the PASS-rate chart: one point per bucket with events, a series per source', () => {
    const chart = svg(html, 'chart-pass-rate');
    expect(chart).toMatch(/^<svg id="chart-pass-rate" class="chart" role="img" aria-label="[^"]+"/);
    expect(chart).toContain('<title>PASS rate per source over time</title>');
    const legacy = chart.match(/<g class="series series-legacy">[\s\S]*?<\/g>/)?.[0] ?? '';
    const workflows = chart.match(/<g class="series series-workflows">[\s\S]*?<\/g>/)?.[0] ?? '';
    expect(legacy.match(/<circle/g)).toHaveLength(6);
    // The Workflows source had no events in the first bucket: five points, one line.
    expect(workflows.match(/<circle/g)).toHaveLength(5);
    expect(workflows.match(/d="M[^"]*"/)?.[0].match(/M/g)).toHaveLength(1);
    expect(chart).toContain('Legacy, 2026-03-14T14:00:00.000Z: 6 of 8 PASS (75%)');
    for (const tick of ['0%', '50%', '100%']) expect(chart).toContain(`>${tick}</text>`);
  });

  it('draws the legacy line dashed on top of a wider Workflows line, so equal rates show both', () => {
    const chart = svg(html, 'chart-pass-rate');
    const width = (source: string) =>
      Number(chart.match(new RegExp(`series-${source}"><path [^>]*stroke-width="([\\d.]+)"`))?.[1]);
    expect(chart.indexOf('series-workflows">')).toBeLessThan(chart.indexOf('series-legacy">'));
    expect(width('workflows')).toBeGreaterThanOrEqual(2 * width('legacy'));
    expect(chart).toMatch(/series-legacy"><path [^>]*stroke-dasharray/);
    expect(html).toContain('where both PASS rates are equal, the dashed line runs inside');
  });

  /** The x-axis labels of the PASS-rate chart as printed, and the axis title after them. */
  function timeLabels(page: string): { labels: string[]; title: string } {
    const axis =
      svg(page, 'chart-pass-rate').match(/<g class="axis axis-x">([\s\S]*?)<\/g>/)?.[1] ?? '';
    const texts = [...axis.matchAll(/>([^<]*)<\/text>/g)].map((m) => m[1] ?? '');
    return { labels: texts.slice(0, -1), title: texts[texts.length - 1] ?? '' };
  }

  /** A report whose timeline is `buckets` buckets over `rangeMs` from 21:43:34.486, as buildReport cuts it. */
  function rangeReport(rangeMs: number, buckets = 24) {
    const report = sampleReport();
    const from = Date.UTC(2026, 10, 30, 21, 43, 34, 486);
    const size = Math.ceil(rangeMs / buckets);
    report.range = {
      from: new Date(from).toISOString(),
      to: new Date(from + rangeMs).toISOString(),
    };
    report.timeline = Array.from({ length: buckets }, (_, i) => ({
      start: new Date(from + i * size).toISOString(),
      legacy: { events: 2, pass: 1 },
      workflows: { events: 1, pass: 1 },
    }));
    return report;
  }

  it.each([
    ['2 seconds (the demo)', 2_177, /^21:43:3\d\.\d{1,2}$/],
    ['one minute', 60_000, /^21:4[34]:\d\d$/],
    ['one hour', 3_600_000, /^2[12]:\d\d$/],
    ['six hours', 6 * 3_600_000, /^(2[123]|0[0-3]):\d\d$|^1[12]-\d\d \d\d:\d\d$/],
    ['a week', 7 * 86_400_000, /^1[12]-\d\d$/],
    ['a year', 365 * 86_400_000, /^\d{4}-\d\d-\d\d$/],
  ])('labels the time axis of %s with times that differ', (_, rangeMs, format) => {
    const { labels } = timeLabels(renderHtml(rangeReport(rangeMs)));
    expect(labels.length).toBeGreaterThanOrEqual(3);
    expect(new Set(labels).size).toBe(labels.length);
    for (const label of labels) expect(label).toMatch(format);
    // They fit side by side under the 456-unit plot: about 7 units a character.
    expect(labels.join('').length * 7 + labels.length * 12).toBeLessThanOrEqual(456);
  });

  it('names the day under a time axis that stays within one day', () => {
    expect(timeLabels(renderHtml(rangeReport(60_000))).title).toBe(
      'bucket start (UTC, 2026-11-30)',
    );
    expect(timeLabels(renderHtml(rangeReport(7 * 86_400_000))).title).toBe('bucket start (UTC)');
  });

  it('draws the failure-reason chart: the union of reasons, two labelled bars each', () => {
    const chart = svg(html, 'chart-failure-reasons');
    expect(chart).toContain('role="img"');
    expect(chart).toContain('<title>Failure reasons side by side</title>');
    for (const source of ['legacy', 'workflows']) {
      const series = chart.match(new RegExp(`<g class="series series-${source}">[\\s\\S]*?</g>`));
      expect(series?.[0].match(/<rect/g)).toHaveLength(6);
    }
    expect(chart).toContain('<title>Workflows: USER_IS_NOT_RECOGNIZED, 4 events</title>');
    expect(chart).toContain('<title>Legacy: HEAD_COVER_DETECTED, 0 events</title>');
    expect(chart).toContain('>USER_BLACKLISTED</text>');
  });

  it('never prints NaN, undefined or a non-numeric coordinate', () => {
    for (const report of [sampleReport(), emptyReport(), { ...emptyReport(), timeline: [] }]) {
      const page = renderHtml(report);
      expect(page).not.toMatch(/NaN|undefined|Infinity/);
      for (const chart of [svg(page, 'chart-pass-rate'), svg(page, 'chart-failure-reasons')]) {
        for (const [, name, value] of chart.matchAll(NUMERIC_ATTRIBUTES)) {
          expect(Number.isFinite(Number(value)), `${name}="${value}"`).toBe(true);
        }
      }
    }
  });

  it('shows empty-state text in both charts when there are no events', () => {
    const page = renderHtml(emptyReport());
    expect(svg(page, 'chart-pass-rate')).toContain('<text class="empty-state"');
    expect(svg(page, 'chart-pass-rate')).toContain('>No events in this range</text>');
    expect(svg(page, 'chart-failure-reasons')).toContain('>No events in this range</text>');
    expect(page).toContain('No disagreements.');
    expect(page).not.toContain('series-legacy');
  });

  it('says there were no failures when every event passed', () => {
    const report = sampleReport();
    report.sources.legacy.failureReasons = {};
    report.sources.workflows.failureReasons = {};
    expect(svg(renderHtml(report), 'chart-failure-reasons')).toContain(
      '>No failures in this range</text>',
    );
  });
});

describe('the cut-over in the rendered report', () => {
  it('shows the time left under the verdict and a table per share, in Markdown and HTML', () => {
    const report = sampleReport();
    const md = renderMarkdown(report);
    expect(md).toContain(`Time left: ${TIME_LEFT.timeLeft}.`);
    expect(md).toContain('## Per share of customers');
    expect(md).toContain('| 10% | 5 | 100% | 80% | 1 |');
    const html = renderHtml(report);
    expect(html).toContain(`Time left: ${TIME_LEFT.timeLeft}.`);
    expect(html).toContain('<h2 id="per-share">Per share of customers</h2>');
  });
});
