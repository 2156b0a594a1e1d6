import { describe, expect, it } from 'vitest';
import { buildReport, percentile, type ReportOptions } from '../../src/compare/build-report.js';
import { ComparisonReport } from '../../src/compare/report-schema.js';
import type { ComparedEvent, LoginFigures, StoredPair } from '../../src/store/figure-types.js';
import { bucketOf } from '../../src/store/rules/bucket.js';
import { loginFiguresOf } from '../../src/store/rules/login-figures.js';

/** The verdict's time left (tested on its own in the cut-over tests and below). */
const ANY_TIME = { daysLeft: expect.any(Number), timeLeft: expect.any(String) };

const T0 = Date.parse('2026-11-25T12:00:00.000Z');
const SECOND = 1000;
const MINUTE = 60 * SECOND;
const HOUR = 60 * MINUTE;

function ev(
  eventId: string,
  source: ComparedEvent['source'],
  offsetMs: number,
  fields: Partial<Omit<ComparedEvent, 'eventId' | 'source' | 'receivedAt'>> = {},
): ComparedEvent {
  return {
    eventId,
    source,
    receivedAt: T0 + offsetMs,
    status: 'PASS',
    reason: null,
    customerId: null,
    interviewId: null,
    delivery: 'pending',
    deliveredAt: null,
    legacyFields: [],
    paired: false,
    enrichment: null,
    ...fields,
  };
}

const STATUS_PASS_FAIL = 'status: legacy PASS, workflows FAIL';

function pair(
  legacy: ComparedEvent,
  workflows: ComparedEvent,
  disagreement: Partial<Omit<StoredPair, 'legacy' | 'workflows'>> = {},
): StoredPair {
  return {
    legacy,
    workflows,
    forwarded: 'legacy',
    statusAgrees: true,
    reasonAgrees: true,
    kind: null,
    differences: [],
    ...disagreement,
  };
}

/** The logins of test data, as the store counts them: pairs, and the results no pair holds. */
function loginsOf(data: { events: ComparedEvent[]; pairs: StoredPair[] }): LoginFigures {
  const day = (ms: number) => Math.floor(ms / 86_400_000);
  const pairsPerDay = data.pairs.map((p) => ({
    day: day(Math.min(p.legacy.receivedAt, p.workflows.receivedAt)),
    n: 1,
  }));
  const unmatched = data.events
    .filter((e) => !e.paired)
    .map((e) => ({ day: day(e.receivedAt), source: e.source, n: 1 }));
  return loginFiguresOf(pairsPerDay, unmatched);
}

/** Builds the report and checks it against its schema. */
function build(
  data: { events: ComparedEvent[]; pairs: StoredPair[] },
  options: Partial<ReportOptions> = {},
): ComparisonReport {
  const report = buildReport(
    { ...data, logins: loginsOf(data) },
    {
      from: T0,
      to: T0 + HOUR,
      now: T0 + 2 * HOUR,
      minPairs: 20,
      minAgreement: 0.99,
      buckets: 4,
      ...options,
    },
  );
  return ComparisonReport.parse(report);
}

// The fixed set: 4 legacy and 3 Workflows events over one hour, 2 pairs (one disagreeing on
// status), one dead Workflows event, delivered events with known latencies.
const L1 = ev('L1', 'legacy', 1 * MINUTE, {
  customerId: 'c1',
  delivery: 'delivered',
  deliveredAt: T0 + 1 * MINUTE + 100,
  legacyFields: ['transactionId', 'spoofConfidence', 'overallScore'],
  paired: true,
});
const L2 = ev('L2', 'legacy', 20 * MINUTE, {
  customerId: 'c2',
  delivery: 'delivered',
  deliveredAt: T0 + 20 * MINUTE + 300,
  legacyFields: ['transactionId', 'overallScore'],
  paired: true,
});
const L3 = ev('L3', 'legacy', 35 * MINUTE, {
  status: 'FAIL',
  reason: 'USER_BLACKLISTED',
  customerId: 'c3',
  delivery: 'delivered',
  deliveredAt: T0 + 35 * MINUTE + 200,
  legacyFields: ['overallScore'],
});
const L4 = ev('L4', 'legacy', 50 * MINUTE, {
  status: 'FAIL',
  reason: 'SPOOF_DETECTED',
  customerId: 'c4',
  legacyFields: ['spoofConfidence', 'overallScore'],
});
const W1 = ev('W1', 'workflows', 1 * MINUTE + 2 * SECOND, {
  customerId: 'c1',
  interviewId: 'i1',
  delivery: 'shadowed',
  legacyFields: ['overallScore'],
  paired: true,
});
const W2 = ev('W2', 'workflows', 20 * MINUTE + 5 * SECOND, {
  status: 'FAIL',
  reason: 'SPOOF_DETECTED',
  customerId: 'c2',
  interviewId: 'i2',
  delivery: 'dead',
  legacyFields: ['overallScore'],
  paired: true,
});
const W3 = ev('W3', 'workflows', 40 * MINUTE, {
  customerId: 'c5',
  interviewId: 'i5',
  delivery: 'delivered',
  deliveredAt: T0 + 40 * MINUTE + 1000,
  legacyFields: ['overallScore', 'children'],
});
const STATUS_DIFFERENCES = [
  { field: 'status', legacy: 'PASS', workflows: 'FAIL' },
  { field: 'reason', legacy: null, workflows: 'SPOOF_DETECTED' },
];
const FIXED = {
  events: [L1, W1, L2, W2, L3, W3, L4],
  pairs: [
    pair(L1, W1),
    pair(L2, W2, {
      statusAgrees: false,
      reasonAgrees: false,
      kind: STATUS_PASS_FAIL,
      differences: STATUS_DIFFERENCES,
    }),
  ],
};

describe('buildReport on a fixed set of stored events', () => {
  const report = build(FIXED);

  it('names its range, time and thresholds', () => {
    expect(report.version).toBe(1);
    expect(report.generatedAt).toBe('2026-11-25T14:00:00.000Z');
    expect(report.range).toEqual({
      from: '2026-11-25T12:00:00.000Z',
      to: '2026-11-25T13:00:00.000Z',
    });
    expect(report.thresholds).toEqual({ minPairs: 20, minAgreement: 0.99 });
  });

  it('per source: events, PASS rate, failure reasons, unpaired, delivery and latency', () => {
    expect(report.sources.legacy).toEqual({
      events: 4,
      pass: 2,
      fail: 2,
      passRate: 0.5,
      failureReasons: { USER_BLACKLISTED: 1, SPOOF_DETECTED: 1 },
      unpaired: 2,
      delivery: {
        delivered: 3,
        pending: 1,
        dead: 0,
        shadowed: 0,
        enriching: 0,
        // Latencies 100, 300, 200 ms: nearest rank.
        latencyMs: { p50: 200, p95: 300 },
      },
      scores: { scored: 0, unavailable: 0 },
    });
    expect(report.sources.workflows).toEqual({
      events: 3,
      pass: 2,
      fail: 1,
      passRate: 2 / 3,
      failureReasons: { SPOOF_DETECTED: 1 },
      unpaired: 1,
      delivery: {
        delivered: 1,
        pending: 0,
        dead: 1,
        shadowed: 1,
        enriching: 0,
        latencyMs: { p50: 1000, p95: 1000 },
      },
      scores: { scored: 0, unavailable: 0 },
    });
  });

  it('pairs: count, agreement on status and on reason, disagreements grouped by kind', () => {
    expect(report.pairs).toEqual({
      count: 2,
      statusAgreement: 0.5,
      reasonAgreement: 0.5,
      disagreements: [
        {
          kind: STATUS_PASS_FAIL,
          count: 1,
          examples: [
            {
              customerId: 'c2',
              interviewId: 'i2',
              legacy: {
                eventId: 'L2',
                receivedAt: '2026-11-25T12:20:00.000Z',
                status: 'PASS',
                reason: null,
              },
              workflows: {
                eventId: 'W2',
                receivedAt: '2026-11-25T12:20:05.000Z',
                status: 'FAIL',
                reason: 'SPOOF_DETECTED',
              },
              differences: STATUS_DIFFERENCES,
            },
          ],
        },
      ],
    });
  });

  it('unpaired events per source, with their customer', () => {
    expect(report.unpaired).toEqual({
      legacy: [
        {
          eventId: 'L3',
          receivedAt: '2026-11-25T12:35:00.000Z',
          status: 'FAIL',
          reason: 'USER_BLACKLISTED',
          customerId: 'c3',
        },
        {
          eventId: 'L4',
          receivedAt: '2026-11-25T12:50:00.000Z',
          status: 'FAIL',
          reason: 'SPOOF_DETECTED',
          customerId: 'c4',
        },
      ],
      workflows: [
        {
          eventId: 'W3',
          receivedAt: '2026-11-25T12:40:00.000Z',
          status: 'PASS',
          reason: null,
          customerId: 'c5',
        },
      ],
    });
  });

  it('legacy-only fields: how many legacy events had them, how many pairs lost them', () => {
    // In the order of LEGACY_ONLY_FIELDS; fields no legacy event carried are left out (W3's
    // "children" is a Workflows event's).
    expect(report.legacyOnlyFields).toEqual([
      { field: 'transactionId', legacyEvents: 2, pairsMissing: 2 },
      { field: 'spoofConfidence', legacyEvents: 2, pairsMissing: 1 },
      { field: 'overallScore', legacyEvents: 4, pairsMissing: 0 },
    ]);
  });

  it('the timeline: events and PASSes per source in 4 buckets of 15 minutes', () => {
    expect(report.timeline).toEqual([
      {
        start: '2026-11-25T12:00:00.000Z',
        legacy: { events: 1, pass: 1 },
        workflows: { events: 1, pass: 1 },
      },
      {
        start: '2026-11-25T12:15:00.000Z',
        legacy: { events: 1, pass: 1 },
        workflows: { events: 1, pass: 0 },
      },
      {
        start: '2026-11-25T12:30:00.000Z',
        legacy: { events: 1, pass: 0 },
        workflows: { events: 1, pass: 1 },
      },
      {
        start: '2026-11-25T12:45:00.000Z',
        legacy: { events: 1, pass: 0 },
        workflows: { events: 0, pass: 0 },
      },
    ]);
  });

  it('the verdict: not safe, with every reason', () => {
    const reasons = [
      'not enough evidence: 2 pairs (40.0% of logins; at least 20 pairs covering 50.0% of logins, COMPARE_MIN_PAIRS), and 0 customers seen under legacy before and Workflows after (at least 20, with 20 results of each source)',
      'status agrees in 50.0% of pairs; at least 99.0% needed (COMPARE_MIN_AGREEMENT)',
      'reason agrees in 50.0% of pairs (differences mappings/comparison.yaml declares equivalent count as agreeing); at least 99.0% needed (COMPARE_MIN_AGREEMENT)',
      '1 Workflows event could not be delivered (dead)',
    ];
    expect(report.verdict).toMatchObject({
      safe: false,
      line: `not safe to switch: ${reasons.join('; ')}`,
      reasons,
      ...ANY_TIME,
    });
  });

  it('does not change its input', () => {
    const before = JSON.stringify(FIXED);
    build(FIXED);
    expect(JSON.stringify(FIXED)).toBe(before);
  });

  it('24 buckets by default', () => {
    const report = ComparisonReport.parse(
      buildReport(
        { ...FIXED, logins: loginsOf(FIXED) },
        { from: T0, to: T0 + HOUR, now: T0, minPairs: 0, minAgreement: 0 },
      ),
    );
    expect(report.timeline).toHaveLength(24);
    expect(report.timeline[1]?.start).toBe('2026-11-25T12:02:30.000Z');
    expect(report.timeline.reduce((n, b) => n + b.legacy.events + b.workflows.events, 0)).toBe(7);
  });
});

describe('buildReport: grouping and lists', () => {
  const legacy = (i: number, fields: Partial<ComparedEvent> = {}) =>
    ev(`L${i}`, 'legacy', i * MINUTE, { customerId: `c${i}`, paired: true, ...fields });
  const workflows = (i: number, fields: Partial<ComparedEvent> = {}) =>
    ev(`W${i}`, 'workflows', i * MINUTE + SECOND, {
      customerId: `c${i}`,
      interviewId: `i${i}`,
      paired: true,
      ...fields,
    });
  const REASON_KIND = 'reason: legacy USER_BLACKLISTED, workflows none';
  const FIELDS_KIND = 'fields: flags.lenses';
  const kinds: (string | null)[] = [
    STATUS_PASS_FAIL,
    FIELDS_KIND,
    STATUS_PASS_FAIL,
    null,
    REASON_KIND,
    STATUS_PASS_FAIL,
    FIELDS_KIND,
  ];
  const events: ComparedEvent[] = [];
  const pairs: StoredPair[] = [];
  kinds.forEach((kind, i) => {
    const l = legacy(i);
    const w = workflows(i);
    events.push(l, w);
    pairs.push(
      pair(l, w, {
        kind,
        statusAgrees: kind !== STATUS_PASS_FAIL,
        reasonAgrees: kind === null || kind === FIELDS_KIND,
      }),
    );
  });

  it('kinds by count (most first), then by name; examples limited per kind, in pair order', () => {
    const report = build({ events, pairs }, { examplesPerKind: 2 });
    expect(
      report.pairs.disagreements.map((d) => [
        d.kind,
        d.count,
        d.examples.map((e) => e.legacy.eventId),
      ]),
    ).toEqual([
      [STATUS_PASS_FAIL, 3, ['L0', 'L2']],
      [FIELDS_KIND, 2, ['L1', 'L6']],
      [REASON_KIND, 1, ['L4']],
    ]);
    expect(report.pairs.count).toBe(7);
    expect(report.pairs.statusAgreement).toBe(4 / 7);
    expect(report.pairs.reasonAgreement).toBe(3 / 7);
  });

  it('an example takes the interview from the legacy event when the Workflows one has none', () => {
    const l = legacy(1, { interviewId: 'legacy-interview' });
    const w = workflows(1, { interviewId: null });
    const report = build({ events: [l, w], pairs: [pair(l, w, { kind: FIELDS_KIND })] });
    expect(report.pairs.disagreements[0]?.examples[0]).toMatchObject({
      customerId: 'c1',
      interviewId: 'legacy-interview',
    });
  });

  it('unpaired events: all counted, the latest `unpairedListed` listed', () => {
    const unpaired = [1, 2, 3].map((i) => legacy(i, { paired: false }));
    const report = build({ events: unpaired, pairs: [] }, { unpairedListed: 2 });
    expect(report.sources.legacy.unpaired).toBe(3);
    expect(report.unpaired.legacy.map((e) => e.eventId)).toEqual(['L2', 'L3']);
    expect(report.unpaired.workflows).toEqual([]);
  });

  it('a FAIL without a reason counts as UNKNOWN_ERROR; latency only of delivered events', () => {
    const report = build({
      events: [
        legacy(1, { status: 'FAIL', reason: null, paired: false }),
        legacy(2, { status: 'FAIL', reason: 'SPOOF_DETECTED', paired: false }),
        legacy(3, { status: 'FAIL', reason: null, paired: false, delivery: 'dead' }),
        legacy(4, {
          paired: false,
          delivery: 'delivered',
          deliveredAt: T0 + 4 * MINUTE + 40,
        }),
        legacy(5, { paired: false, delivery: 'pending', deliveredAt: null }),
      ],
      pairs: [],
    });
    expect(report.sources.legacy.failureReasons).toEqual({
      UNKNOWN_ERROR: 2,
      SPOOF_DETECTED: 1,
    });
    expect(report.sources.legacy.delivery).toEqual({
      delivered: 1,
      pending: 3,
      dead: 1,
      shadowed: 0,
      enriching: 0,
      latencyMs: { p50: 40, p95: 40 },
    });
  });

  it('nothing in the range: zeros and nulls, buckets still there, not safe', () => {
    const report = build({ events: [], pairs: [] });
    expect(report.sources.legacy).toMatchObject({
      events: 0,
      pass: 0,
      fail: 0,
      passRate: null,
      failureReasons: {},
      unpaired: 0,
      delivery: { latencyMs: { p50: null, p95: null } },
    });
    expect(report.pairs).toEqual({
      count: 0,
      statusAgreement: null,
      reasonAgreement: null,
      disagreements: [],
    });
    expect(report.legacyOnlyFields).toEqual([]);
    expect(report.timeline).toHaveLength(4);
    expect(report.verdict.safe).toBe(false);
    expect(report.verdict.reasons).toEqual([
      'no Workflows events in the range',
      'not enough evidence: 0 pairs (0.0% of logins; at least 20 pairs covering 50.0% of logins, COMPARE_MIN_PAIRS), and 0 customers seen under legacy before and Workflows after (at least 20, with 20 results of each source)',
    ]);
    expect(report.verdict).toMatchObject({ evidence: 'none', note: 'no login in the range' });
  });
});

describe('buildReport: the verdict', () => {
  /** `n` pairs of customers c1..cn, each received a minute apart, agreeing unless told. */
  function pairsOf(n: number, disagreement: Partial<StoredPair>[] = []) {
    const events: ComparedEvent[] = [];
    const pairs: StoredPair[] = [];
    for (let i = 0; i < n; i++) {
      const l = ev(`L${i}`, 'legacy', i * MINUTE, { customerId: `c${i}`, paired: true });
      const w = ev(`W${i}`, 'workflows', i * MINUTE + SECOND, {
        customerId: `c${i}`,
        paired: true,
        delivery: 'shadowed',
      });
      events.push(l, w);
      pairs.push(pair(l, w, disagreement[i] ?? {}));
    }
    return { events, pairs };
  }

  it.each<
    [string, { events: ComparedEvent[]; pairs: StoredPair[] }, Partial<ReportOptions>, string[]]
  >([
    [
      'too few pairs',
      pairsOf(1),
      { minPairs: 2, minAgreement: 0.5 },
      [
        'not enough evidence: 1 pair (100.0% of logins; at least 2 pairs covering 50.0% of logins, COMPARE_MIN_PAIRS), and 0 customers seen under legacy before and Workflows after (at least 2, with 2 results of each source)',
      ],
    ],
    [
      'agreement on reason below the threshold',
      pairsOf(2, [
        {},
        {
          reasonAgrees: false,
          kind: 'reason: legacy USER_BLACKLISTED, workflows none',
        },
      ]),
      { minPairs: 2, minAgreement: 0.9 },
      [
        'reason agrees in 50.0% of pairs (differences mappings/comparison.yaml declares equivalent count as agreeing); at least 90.0% needed (COMPARE_MIN_AGREEMENT)',
      ],
    ],
    [
      'agreement on status (and so on reason) below the threshold',
      pairsOf(4, [{ statusAgrees: false, reasonAgrees: false, kind: STATUS_PASS_FAIL }]),
      { minPairs: 2, minAgreement: 0.8 },
      [
        'status agrees in 75.0% of pairs; at least 80.0% needed (COMPARE_MIN_AGREEMENT)',
        'reason agrees in 75.0% of pairs (differences mappings/comparison.yaml declares equivalent count as agreeing); at least 80.0% needed (COMPARE_MIN_AGREEMENT)',
      ],
    ],
    [
      'dead Workflows events',
      (() => {
        const data = pairsOf(4);
        data.events.push(
          ev('Wdead1', 'workflows', 30 * MINUTE, { customerId: 'x', delivery: 'dead' }),
          ev('Wdead2', 'workflows', 31 * MINUTE, { customerId: 'y', delivery: 'dead' }),
          // Dead legacy events do not stop the switch.
          ev('Ldead', 'legacy', 32 * MINUTE, { customerId: 'z', delivery: 'dead' }),
        );
        return data;
      })(),
      { minPairs: 2, minAgreement: 0.5 },
      ['2 Workflows events could not be delivered (dead)'],
    ],
    [
      'no Workflows events',
      { events: [ev('L1', 'legacy', MINUTE, { customerId: 'c1' })], pairs: [] },
      { minPairs: 0, minAgreement: 0.5 },
      ['no Workflows events in the range'],
    ],
    [
      'no Workflows events, and so too few pairs',
      { events: [ev('L1', 'legacy', MINUTE, { customerId: 'c1' })], pairs: [] },
      { minPairs: 2, minAgreement: 0.5 },
      [
        'no Workflows events in the range',
        'not enough evidence: 0 pairs (0.0% of logins; at least 2 pairs covering 50.0% of logins, COMPARE_MIN_PAIRS), and 0 customers seen under legacy before and Workflows after (at least 2, with 2 results of each source)',
      ],
    ],
  ])('not safe: %s', (_name, data, options, reasons) => {
    const report = build(data, options);
    expect(report.verdict).toMatchObject({
      safe: false,
      line: `not safe to switch: ${reasons.join('; ')}`,
      reasons,
      ...ANY_TIME,
    });
  });

  it.each<[string, { events: ComparedEvent[]; pairs: StoredPair[] }, Partial<ReportOptions>]>([
    ['enough pairs, all agreeing', pairsOf(2), { minPairs: 2, minAgreement: 0.5 }],
    [
      'agreement exactly at the threshold',
      pairsOf(2, [{}, { statusAgrees: false, reasonAgrees: false, kind: STATUS_PASS_FAIL }]),
      { minPairs: 2, minAgreement: 0.5 },
    ],
    ['the thresholds at 1 and every pair agreeing', pairsOf(3), { minPairs: 3, minAgreement: 1 }],
  ])('safe to switch: %s', (_name, data, options) => {
    const report = build(data, options);
    expect(report.verdict).toEqual({
      safe: true,
      line: 'safe to switch',
      reasons: [],
      evidence: 'pairs',
      note: null,
      ...ANY_TIME,
    });
  });

  /** `n` logins reported by one source only, customers `prefix`0..n-1, PASS unless told. */
  function oneSided(
    source: 'legacy' | 'workflows',
    n: number,
    prefix: string,
    at = 0,
    status: (i: number) => 'PASS' | 'FAIL' = () => 'PASS',
  ) {
    return Array.from({ length: n }, (_, i) =>
      ev(`${source}-${prefix}${i}`, source, at + i * SECOND, {
        customerId: `${prefix}${i}`,
        status: status(i),
      }),
    );
  }

  it('40 agreeing pairs among 145 legacy logins are not safe: pairs speak for 28% of logins, and no customer was seen on both sides', () => {
    const data = pairsOf(40);
    data.events.push(...oneSided('legacy', 105, 'only-legacy-', 50 * MINUTE));
    const report = build(data, { minPairs: 20, minAgreement: 0.99 });
    expect(report.logins).toMatchObject({
      total: 145,
      bothSources: 40,
      legacyOnly: 105,
      reality: 'mixed',
    });
    expect(report.verdict).toMatchObject({ safe: false, evidence: 'none' });
    expect(report.verdict.reasons.join()).toContain(
      'not enough evidence: 40 pairs (27.6% of logins',
    );
    expect(report.verdict.note).toContain(
      'pair-level evidence is missing: pairs cover 27.6% of the 145 logins',
    );
  });

  it('users split between app versions: judged by the populations, the same customers before and after', () => {
    // 30 customers: legacy logins first, then (after moving to the new app) Workflows logins.
    const events = [
      ...oneSided('legacy', 30, 'moved-'),
      ...oneSided('workflows', 30, 'moved-', 10 * MINUTE),
      ...oneSided('legacy', 20, 'stayed-', 20 * MINUTE),
    ];
    const report = build({ events, pairs: [] }, { minPairs: 20, minAgreement: 0.99 });
    expect(report.logins).toMatchObject({
      bothSources: 0,
      legacyOnly: 50,
      workflowsOnly: 30,
      reality: 'split',
    });
    expect(report.populations.sameCustomers).toMatchObject({
      customers: 30,
      workflowsClearlyLower: false,
    });
    expect(report.verdict).toMatchObject({ safe: true, evidence: 'populations' });
    expect(report.verdict.note).toContain('pair-level evidence is missing');
  });

  it('users split, and the moved customers pass clearly fewer under Workflows: not safe, saying so', () => {
    const events = [
      ...oneSided('legacy', 30, 'moved-'),
      ...oneSided('workflows', 30, 'moved-', 10 * MINUTE, (i) => (i < 12 ? 'PASS' : 'FAIL')),
    ];
    const report = build({ events, pairs: [] }, { minPairs: 20, minAgreement: 0.99 });
    expect(report.verdict.safe).toBe(false);
    expect(report.verdict.reasons.join('\n')).toMatch(
      /Workflows passes clearly fewer logins: 40\.0% of 30 .* against 100\.0% of 30/,
    );
    expect(report.verdict.reasons.join('\n')).toMatch(
      /the same 30 customers pass clearly fewer under Workflows/,
    );
  });
});

describe('buildReport: per share of customers, and the time left', () => {
  it('gives the pairs and agreement of the customers each share moves', () => {
    const ids = Array.from({ length: 400 }, (_, i) => `cust-${i}`);
    // Two customers in the first 1%, one disagreeing; one between 10% and 25%; one above 50%.
    const low = ids.filter((id) => bucketOf(id) < 100).slice(0, 2) as [string, string];
    const mid = ids.find((id) => bucketOf(id) >= 1000 && bucketOf(id) < 2500) as string;
    const high = ids.find((id) => bucketOf(id) >= 5000) as string;
    const events: ComparedEvent[] = [];
    const pairs: StoredPair[] = [];
    [low[0], low[1], mid, high].forEach((customerId, i) => {
      const l = ev(`L${i}`, 'legacy', i * MINUTE, { customerId, paired: true });
      const w = ev(`W${i}`, 'workflows', i * MINUTE + SECOND, { customerId, paired: true });
      events.push(l, w);
      pairs.push(
        pair(
          l,
          w,
          i === 1 ? { statusAgrees: false, reasonAgrees: false, kind: STATUS_PASS_FAIL } : {},
        ),
      );
    });
    const report = build({ events, pairs });
    expect(report.shares).toEqual([
      { share: '1%', pairs: 2, statusAgreement: 0.5, reasonAgreement: 0.5, disagreements: 1 },
      { share: '5%', pairs: 2, statusAgreement: 0.5, reasonAgreement: 0.5, disagreements: 1 },
      { share: '10%', pairs: 2, statusAgreement: 0.5, reasonAgreement: 0.5, disagreements: 1 },
      { share: '25%', pairs: 3, statusAgreement: 2 / 3, reasonAgreement: 2 / 3, disagreements: 1 },
      { share: '50%', pairs: 3, statusAgreement: 2 / 3, reasonAgreement: 2 / 3, disagreements: 1 },
      { share: '100%', pairs: 4, statusAgreement: 0.75, reasonAgreement: 0.75, disagreements: 1 },
    ]);
  });

  it("says in the verdict how much time is left by Incode's dates", () => {
    const report = build({ events: [], pairs: [] });
    // T0 + 2h is 2026-11-25T14:00Z.
    expect(report.verdict).toMatchObject({
      daysLeft: 127,
      timeLeft:
        '127 days left: Incode switches the legacy Authentication Webhook 1:1 off on 2027-04-01; Incode recommends moving by 2027-01-01 (37 days)',
    });
  });
});

describe('percentile (nearest rank)', () => {
  const oneToHundred = Array.from({ length: 100 }, (_, i) => i + 1);
  it.each<[string, number[], number, number | null]>([
    ['no values', [], 0.5, null],
    ['one value, p50', [7], 0.5, 7],
    ['one value, p95', [7], 0.95, 7],
    ['three values, p50', [100, 300, 200], 0.5, 200],
    ['three values, p95', [100, 300, 200], 0.95, 300],
    ['four values, p50 is the second', [4, 1, 3, 2], 0.5, 2],
    ['ten values, p50', [10, 9, 8, 7, 6, 5, 4, 3, 2, 1], 0.5, 5],
    ['ten values, p95', [10, 9, 8, 7, 6, 5, 4, 3, 2, 1], 0.95, 10],
    ['1..100, p50', oneToHundred, 0.5, 50],
    ['1..100, p95', oneToHundred, 0.95, 95],
    ['p0 is the smallest', [5, 3, 9], 0, 3],
    ['p100 is the largest', [5, 3, 9], 1, 9],
  ])('%s', (_name, values, p, expected) => {
    expect(percentile(values, p)).toBe(expected);
  });

  it('does not reorder its input', () => {
    const values = [3, 1, 2];
    percentile(values, 0.5);
    expect(values).toEqual([3, 1, 2]);
  });
});
