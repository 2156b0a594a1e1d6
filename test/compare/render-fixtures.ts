import type { ComparisonReport } from '../../src/compare/report-schema.js';

// Report objects for the rendering tests: one from a realistic shadow run (legacy forwarded,
// Workflows shadowed, six hourly buckets) with hostile strings where a customer could put
// them, and one over a range with no events at all.

export const HOSTILE_CUSTOMER = '<img src=x onerror=alert(1)>';
export const PIPE_CUSTOMER = 'cust|pipe\nnext line';
export const QUOTED_INTERVIEW = `it's "quoted" & <b>bold</b>`;

const hour = (h: number, minute = 0, second = 0) =>
  new Date(Date.UTC(2026, 2, 14, h, minute, second)).toISOString();

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
    verdict: {
      safe: false,
      line: 'not safe to switch: status agreement 95.5% is below 98%',
      reasons: [
        '44 pairs, at least 30 needed: enough',
        'status agreement 95.5% is below the minimum 98%',
        'reason agreement 93.2% is below the minimum 98%',
      ],
    },
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
    verdict: {
      safe: false,
      line: 'not safe to switch: no pairs',
      reasons: ['0 pairs, at least 30 needed'],
    },
  };
}
