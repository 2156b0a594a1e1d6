import type { ComparisonReport } from '../../src/compare/report-schema.js';
import { realityOf } from '../../src/cutover/reality.js';
import { passRate } from '../../src/util/pass-rate.js';

/** The logins of a report, with the reality they show. */
export function loginsOf(
  counts: { bothSources: number; legacyOnly: number; workflowsOnly: number },
  day = '2026-03-14',
): ComparisonReport['logins'] {
  const total = counts.bothSources + counts.legacyOnly + counts.workflowsOnly;
  const all = { total, ...counts };
  return { ...all, perDay: total === 0 ? [] : [{ day, ...all }], ...realityOf(all) };
}

/** Populations from pass counts: [pass, results] per source, and for the same customers. */
export function populationsOf(
  legacy: [number, number],
  workflows: [number, number],
  same: { customers: number; legacy: [number, number]; workflows: [number, number] } = {
    customers: 0,
    legacy: [0, 0],
    workflows: [0, 0],
  },
): ComparisonReport['populations'] {
  return {
    passRate: {
      legacy: passRate(...legacy),
      workflows: passRate(...workflows),
      workflowsClearlyLower: false,
    },
    sameCustomers: {
      customers: same.customers,
      legacyBefore: passRate(...same.legacy),
      workflowsAfter: passRate(...same.workflows),
      workflowsClearlyLower: false,
    },
  };
}

// Report objects for the rendering tests: one from a realistic shadow run (legacy forwarded,
// Workflows shadowed, six hourly buckets) with hostile strings where a customer could put
// them, and one over a range with no events at all.

export const HOSTILE_CUSTOMER = '<img src=x onerror=alert(1)>';
export const PIPE_CUSTOMER = 'cust|pipe\nnext line';
export const QUOTED_INTERVIEW = `it's "quoted" & <b>bold</b>`;

const hour = (h: number, minute = 0, second = 0) =>
  new Date(Date.UTC(2026, 2, 14, h, minute, second)).toISOString();

/** What the verdict says of Incode's dates on the fixtures' day (2026-03-14). */
export const TIME_LEFT = {
  daysLeft: 383,
  timeLeft:
    '383 days left: Incode switches the legacy Authentication Webhook 1:1 off on 2027-04-01; Incode recommends moving by 2027-01-01 (293 days)',
};

/** An unsafe verdict as buildReport writes it: the line repeats the reasons after a colon. */
export function verdict(reasons: string[]): ComparisonReport['verdict'] {
  return {
    safe: false,
    line: `not safe to switch: ${reasons.join('; ')}`,
    reasons,
    evidence: 'pairs',
    note: null,
    ...TIME_LEFT,
  };
}

export function sampleReport(): ComparisonReport {
  return {
    version: 1,
    generatedAt: '2026-03-14T15:02:11.000Z',
    range: { from: hour(9), to: hour(15) },
    thresholds: { minPairs: 30, minAgreement: 0.98 },
    sources: {
      legacy: {
        events: 48,
        pass: 41,
        fail: 7,
        passRate: 41 / 48,
        failureReasons: {
          USER_IS_NOT_RECOGNIZED: 3,
          USER_BLACKLISTED: 2,
          FACE_MASK_DETECTED: 1,
          SPOOF_DETECTED: 1,
        },
        unpaired: 4,
        delivery: {
          delivered: 46,
          pending: 1,
          dead: 1,
          shadowed: 0,
          enriching: 0,
          latencyMs: { p50: 182, p95: 940.5 },
        },
        scores: { scored: 0, unavailable: 0 },
      },
      workflows: {
        events: 46,
        pass: 38,
        fail: 8,
        passRate: 38 / 46,
        failureReasons: {
          USER_IS_NOT_RECOGNIZED: 4,
          FACE_MASK_DETECTED: 1,
          SPOOF_DETECTED: 1,
          HEAD_COVER_DETECTED: 1,
          SELFIE_IMAGE_LOW_QUALITY: 1,
        },
        unpaired: 2,
        delivery: {
          delivered: 0,
          pending: 0,
          dead: 0,
          shadowed: 46,
          enriching: 0,
          latencyMs: { p50: null, p95: null },
        },
        scores: { scored: 0, unavailable: 0 },
      },
    },
    pairs: {
      count: 44,
      statusAgreement: 42 / 44,
      reasonAgreement: 41 / 44,
      disagreements: [
        {
          kind: 'status: legacy FAIL, workflows PASS',
          count: 2,
          examples: [
            {
              customerId: HOSTILE_CUSTOMER,
              interviewId: QUOTED_INTERVIEW,
              legacy: {
                eventId: 'evt_l_0012',
                receivedAt: hour(10, 14, 3),
                status: 'FAIL',
                reason: 'USER_BLACKLISTED',
              },
              workflows: {
                eventId: 'evt_w_0011',
                receivedAt: hour(10, 14, 5),
                status: 'PASS',
                reason: null,
              },
              differences: [
                { field: 'status', legacy: 'FAIL', workflows: 'PASS' },
                { field: 'reason', legacy: 'USER_BLACKLISTED', workflows: null },
              ],
            },
            {
              customerId: PIPE_CUSTOMER,
              interviewId: null,
              legacy: {
                eventId: 'evt_l_0031',
                receivedAt: hour(12, 40, 0),
                status: 'FAIL',
                reason: 'USER_BLACKLISTED',
              },
              workflows: {
                eventId: 'evt_w_0029',
                receivedAt: hour(12, 40, 2),
                status: 'PASS',
                reason: null,
              },
              differences: [
                { field: 'status', legacy: 'FAIL', workflows: 'PASS' },
                { field: 'reason', legacy: 'USER_BLACKLISTED', workflows: null },
              ],
            },
          ],
        },
        {
          kind: 'reason: legacy USER_IS_NOT_RECOGNIZED, workflows HEAD_COVER_DETECTED',
          count: 1,
          examples: [
            {
              customerId: '6571f1a2c3d4e5f6a7b8c9d0',
              interviewId: '65720a1b2c3d4e5f6a7b8c9d',
              legacy: {
                eventId: 'evt_l_0040',
                receivedAt: hour(13, 5, 41),
                status: 'FAIL',
                reason: 'USER_IS_NOT_RECOGNIZED',
              },
              workflows: {
                eventId: 'evt_w_0038',
                receivedAt: hour(13, 5, 44),
                status: 'FAIL',
                reason: 'HEAD_COVER_DETECTED',
              },
              differences: [
                {
                  field: 'reason',
                  legacy: 'USER_IS_NOT_RECOGNIZED',
                  workflows: 'HEAD_COVER_DETECTED',
                },
                { field: 'flags.headCover', legacy: false, workflows: true },
              ],
            },
          ],
        },
      ],
    },
    unpaired: {
      legacy: [
        {
          eventId: 'evt_l_0003',
          receivedAt: hour(9, 7),
          status: 'PASS',
          reason: null,
          customerId: 'c-1001',
        },
        {
          eventId: 'evt_l_0005',
          receivedAt: hour(9, 21),
          status: 'PASS',
          reason: null,
          customerId: 'c-1002',
        },
        {
          eventId: 'evt_l_0007',
          receivedAt: hour(9, 33),
          status: 'FAIL',
          reason: 'USER_BLACKLISTED',
          customerId: 'c-1003',
        },
        {
          eventId: 'evt_l_0009',
          receivedAt: hour(9, 50),
          status: 'PASS',
          reason: null,
          customerId: null,
        },
      ],
      workflows: [
        {
          eventId: 'evt_w_0041',
          receivedAt: hour(14, 12),
          status: 'FAIL',
          reason: 'SELFIE_IMAGE_LOW_QUALITY',
          customerId: 'c-2001',
        },
        {
          eventId: 'evt_w_0044',
          receivedAt: hour(14, 48),
          status: 'PASS',
          reason: null,
          customerId: 'c-2002',
        },
      ],
    },
    legacyOnlyFields: [
      { field: 'spoofConfidence', legacyEvents: 48, pairsMissing: 44 },
      { field: 'recognitionConfidence.confidence', legacyEvents: 41, pairsMissing: 38 },
      { field: 'overallScore', legacyEvents: 41, pairsMissing: 38 },
    ],
    timeline: [
      { start: hour(9), legacy: { events: 8, pass: 7 }, workflows: { events: 0, pass: 0 } },
      { start: hour(10), legacy: { events: 9, pass: 8 }, workflows: { events: 10, pass: 8 } },
      { start: hour(11), legacy: { events: 8, pass: 7 }, workflows: { events: 9, pass: 8 } },
      { start: hour(12), legacy: { events: 7, pass: 6 }, workflows: { events: 9, pass: 7 } },
      { start: hour(13), legacy: { events: 8, pass: 7 }, workflows: { events: 9, pass: 8 } },
      { start: hour(14), legacy: { events: 8, pass: 6 }, workflows: { events: 9, pass: 7 } },
    ],
    shares: [
      { share: '1%', pairs: 1, statusAgreement: 1, reasonAgreement: 1, disagreements: 0 },
      { share: '10%', pairs: 5, statusAgreement: 1, reasonAgreement: 0.8, disagreements: 1 },
      { share: '50%', pairs: 22, statusAgreement: 0.955, reasonAgreement: 0.909, disagreements: 2 },
      {
        share: '100%',
        pairs: 44,
        statusAgreement: 0.955,
        reasonAgreement: 0.932,
        disagreements: 3,
      },
    ],
    logins: loginsOf({ bothSources: 44, legacyOnly: 4, workflowsOnly: 2 }),
    populations: populationsOf([41, 48], [38, 46], {
      customers: 3,
      legacy: [5, 6],
      workflows: [4, 6],
    }),
    verdict: verdict([
      'status agrees in 95.5% of pairs; at least 98.0% needed (COMPARE_MIN_AGREEMENT)',
      'reason agrees in 93.2% of pairs; at least 98.0% needed (COMPARE_MIN_AGREEMENT)',
    ]),
  };
}

const emptySource = () => ({
  events: 0,
  pass: 0,
  fail: 0,
  passRate: null,
  failureReasons: {},
  unpaired: 0,
  delivery: {
    delivered: 0,
    pending: 0,
    dead: 0,
    shadowed: 0,
    enriching: 0,
    latencyMs: { p50: null, p95: null },
  },
  scores: { scored: 0, unavailable: 0 },
});

/** A range with nothing in it: every rate null, buckets with zero events (0 / 0 per point). */
export function emptyReport(): ComparisonReport {
  return {
    version: 1,
    generatedAt: '2026-03-14T15:02:11.000Z',
    range: { from: hour(9), to: hour(15) },
    thresholds: { minPairs: 30, minAgreement: 0.98 },
    sources: { legacy: emptySource(), workflows: emptySource() },
    pairs: { count: 0, statusAgreement: null, reasonAgreement: null, disagreements: [] },
    unpaired: { legacy: [], workflows: [] },
    legacyOnlyFields: [],
    timeline: [0, 1, 2, 3, 4, 5].map((i) => ({
      start: hour(9 + i),
      legacy: { events: 0, pass: 0 },
      workflows: { events: 0, pass: 0 },
    })),
    shares: [
      { share: '100%', pairs: 0, statusAgreement: null, reasonAgreement: null, disagreements: 0 },
    ],
    logins: loginsOf({ bothSources: 0, legacyOnly: 0, workflowsOnly: 0 }),
    populations: populationsOf([0, 0], [0, 0]),
    verdict: verdict([
      'no Workflows events in the range',
      'only 0 pairs of the same authentication; at least 30 needed (COMPARE_MIN_PAIRS)',
    ]),
  };
}

/**
 * What a new user sees after `npm run demo`: one minute, a handful of events, six pairs (20
 * needed), both webhooks agreeing (equal PASS rates in most buckets), no scores from Incode's
 * API (INCODE_API_URL unset), so the numbers are legacy-only fields.
 */
export function demoReport(): ComparisonReport {
  const from = Date.UTC(2026, 10, 30, 21, 43, 0);
  const at = (ms: number) => new Date(from + ms).toISOString();
  const report = emptyReport();
  report.range = { from: at(0), to: at(60_000) };
  report.thresholds = { minPairs: 20, minAgreement: 0.99 };
  report.sources.legacy = {
    ...report.sources.legacy,
    events: 7,
    pass: 1,
    fail: 6,
    passRate: 1 / 7,
    failureReasons: { FACE_MASK_DETECTED: 1, SPOOF_DETECTED: 1, USER_BLACKLISTED: 1 },
    unpaired: 1,
  };
  report.sources.workflows = {
    ...report.sources.workflows,
    events: 6,
    pass: 1,
    fail: 5,
    passRate: 1 / 6,
    failureReasons: { FACE_MASK_DETECTED: 1, SPOOF_DETECTED: 1 },
  };
  report.sources.legacy.delivery.delivered = 7;
  report.sources.workflows.delivery.delivered = 6;
  report.pairs = { count: 6, statusAgreement: 1, reasonAgreement: 1, disagreements: [] };
  report.legacyOnlyFields = [
    { field: 'transactionId', legacyEvents: 5, pairsMissing: 5 },
    { field: 'spoofConfidence', legacyEvents: 3, pairsMissing: 3 },
    { field: 'recognitionConfidence.confidence', legacyEvents: 3, pairsMissing: 3 },
  ];
  // 24 buckets of 2.5 s, events in six in a row (so the points make lines); both sources
  // equal in every one of them but the legacy-only blacklisted event's.
  const counts: Record<number, [number, number, number, number]> = {
    8: [1, 1, 1, 1],
    9: [1, 0, 1, 0],
    10: [2, 0, 2, 0],
    11: [1, 0, 1, 0],
    12: [1, 0, 0, 0],
    13: [1, 0, 1, 0],
  };
  report.timeline = Array.from({ length: 24 }, (_, i) => {
    const [le, lp, we, wp] = counts[i] ?? [0, 0, 0, 0];
    return {
      start: at(i * 2500),
      legacy: { events: le, pass: lp },
      workflows: { events: we, pass: wp },
    };
  });
  report.logins = loginsOf({ bothSources: 6, legacyOnly: 1, workflowsOnly: 0 }, '2026-11-30');
  report.populations = populationsOf([1, 7], [1, 6]);
  report.verdict = verdict([
    'only 6 pairs of the same authentication; at least 20 needed (COMPARE_MIN_PAIRS)',
  ]);
  return report;
}

/**
 * What a hostile string in the report tries: to run a script, to leave an attribute and add an
 * element with a handler, to close the title or the stylesheet. Each one, if it reached the page as markup,
 * would set `window.pwned` (the browser test runs it with the page's CSP bypassed, so only the
 * escaping stands in the way) or show up as an element.
 */
export const INJECTIONS = [
  '<script>window.pwned=1;alert(1)</script>',
  '"><img src=x onerror="window.pwned=1;alert(1)">',
  "'></title></style><script>window.pwned=1</script><style>",
] as const;

/**
 * The sample report with an injection appended to every string in it (ids, times, statuses,
 * reasons, kinds, field names and values, the verdict's words, the range, the shares) and to
 * every failure reason code, a different one in turn, so that each place a report value lands
 * in the page (text, attribute, chart label, title) gets each kind of attack somewhere.
 */
export function hostileReport(): ComparisonReport {
  let turn = 0;
  const taint = (value: string) => `${value}${INJECTIONS[turn++ % INJECTIONS.length]}`;
  const walk = (value: unknown, key?: string): unknown => {
    if (typeof value === 'string') return taint(value);
    if (Array.isArray(value)) return value.map((item) => walk(item));
    if (value !== null && typeof value === 'object') {
      const entries = Object.entries(value).map(([name, inner]) => [
        key === 'failureReasons' ? taint(name) : name,
        walk(inner, name),
      ]);
      return Object.fromEntries(entries);
    }
    return value;
  };
  return walk(sampleReport()) as ComparisonReport;
}
