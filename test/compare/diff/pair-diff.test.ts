import { beforeAll, describe, expect, it } from 'vitest';
import { diffResults, type PairDiff } from '../../../src/compare/diff/pair-diff.js';
import { loadMappings } from '../../../src/normalize/load-mappings.js';
import {
  emptyResult,
  type NormalizedResult,
  type Source,
} from '../../../src/normalize/normalized-schema.js';
import type { ComparisonTable } from '../../../src/normalize/tables.js';

let table: ComparisonTable;
beforeAll(async () => {
  table = (await loadMappings()).comparison;
});

type Patch = (r: NormalizedResult) => void;

/** A result of `source` for customer c1; `patch` sets what the case is about. */
function result(
  source: Source,
  status: NormalizedResult['status'],
  reason: NormalizedResult['reason'],
  patch: Patch = () => {},
): NormalizedResult {
  const r = emptyResult({
    eventId: `${source}-event`,
    receivedAt: source === 'legacy' ? '2026-11-25T12:00:00.000Z' : '2026-11-25T12:00:03.000Z',
    source,
    status,
  });
  r.reason = reason;
  r.ids.customerId = 'c1';
  patch(r);
  return r;
}

const AGREE: PairDiff = { statusAgrees: true, reasonAgrees: true, differences: [], kind: null };

describe('diffResults with mappings/comparison.yaml', () => {
  it.each<[string, NormalizedResult, NormalizedResult, PairDiff]>([
    [
      'identical PASS results agree',
      result('legacy', 'PASS', null, (r) => {
        r.faceMatch = true;
        r.spoof = { attempt: false, confidence: 0.01 };
        r.flags = { faceMask: false, lenses: false, headCover: false };
      }),
      result('workflows', 'PASS', null, (r) => {
        r.faceMatch = true;
        r.spoof = { attempt: false, confidence: 0.01 };
        r.flags = { faceMask: false, lenses: false, headCover: false };
      }),
      AGREE,
    ],
    [
      'identical FAIL results agree',
      result('legacy', 'FAIL', 'SPOOF_DETECTED', (r) => {
        r.spoof.attempt = true;
      }),
      result('workflows', 'FAIL', 'SPOOF_DETECTED', (r) => {
        r.spoof.attempt = true;
      }),
      AGREE,
    ],
    [
      'status differs',
      result('legacy', 'PASS', null),
      result('workflows', 'FAIL', 'SPOOF_DETECTED'),
      {
        statusAgrees: false,
        reasonAgrees: false,
        kind: 'status: legacy PASS, workflows FAIL',
        differences: [
          { field: 'status', legacy: 'PASS', workflows: 'FAIL' },
          { field: 'reason', legacy: null, workflows: 'SPOOF_DETECTED' },
        ],
      },
    ],
    [
      'status differs the other way',
      result('legacy', 'FAIL', 'USER_IS_NOT_RECOGNIZED'),
      result('workflows', 'PASS', null),
      {
        statusAgrees: false,
        reasonAgrees: false,
        kind: 'status: legacy FAIL, workflows PASS',
        differences: [
          { field: 'status', legacy: 'FAIL', workflows: 'PASS' },
          { field: 'reason', legacy: 'USER_IS_NOT_RECOGNIZED', workflows: null },
        ],
      },
    ],
    [
      'a status difference is the kind even when fields differ too',
      result('legacy', 'PASS', null, (r) => {
        r.flags.lenses = false;
      }),
      result('workflows', 'FAIL', 'LENSES_DETECTED', (r) => {
        r.flags.lenses = true;
      }),
      {
        statusAgrees: false,
        reasonAgrees: false,
        kind: 'status: legacy PASS, workflows FAIL',
        differences: [
          { field: 'status', legacy: 'PASS', workflows: 'FAIL' },
          { field: 'reason', legacy: null, workflows: 'LENSES_DETECTED' },
          { field: 'flags.lenses', legacy: false, workflows: true },
        ],
      },
    ],
    [
      'same status, a reason only the legacy side has',
      result('legacy', 'FAIL', 'USER_BLACKLISTED'),
      result('workflows', 'FAIL', null),
      {
        statusAgrees: true,
        reasonAgrees: false,
        kind: 'reason: legacy USER_BLACKLISTED, workflows none',
        differences: [{ field: 'reason', legacy: 'USER_BLACKLISTED', workflows: null }],
      },
    ],
    [
      'same status, a reason only the Workflows side has',
      result('legacy', 'FAIL', null),
      result('workflows', 'FAIL', 'FACE_MASK_DETECTED'),
      {
        statusAgrees: true,
        reasonAgrees: false,
        kind: 'reason: legacy none, workflows FACE_MASK_DETECTED',
        differences: [{ field: 'reason', legacy: null, workflows: 'FACE_MASK_DETECTED' }],
      },
    ],
    [
      'same status, two different reasons (a reason difference is the kind before fields)',
      result('legacy', 'FAIL', 'SPOOF_DETECTED', (r) => {
        r.spoof.attempt = true;
      }),
      result('workflows', 'FAIL', 'USER_IS_NOT_RECOGNIZED', (r) => {
        r.spoof.attempt = false;
      }),
      {
        statusAgrees: true,
        reasonAgrees: false,
        kind: 'reason: legacy SPOOF_DETECTED, workflows USER_IS_NOT_RECOGNIZED',
        differences: [
          { field: 'reason', legacy: 'SPOOF_DETECTED', workflows: 'USER_IS_NOT_RECOGNIZED' },
          { field: 'spoof.attempt', legacy: true, workflows: false },
        ],
      },
    ],
    [
      'fields only the legacy side carries (scores, faceMatch) are not differences',
      result('legacy', 'FAIL', 'SPOOF_DETECTED', (r) => {
        r.faceMatch = false;
        r.spoof = { attempt: true, confidence: 1 };
        r.recognition.confidence = 0.2;
        r.overallScore = 0;
        r.flags = { faceMask: false, lenses: false, headCover: null };
      }),
      result('workflows', 'FAIL', 'SPOOF_DETECTED', (r) => {
        r.spoof.attempt = true;
      }),
      AGREE,
    ],
    [
      'a field only the Workflows side carries is not a difference',
      result('legacy', 'FAIL', 'HEAD_COVER_DETECTED'),
      result('workflows', 'FAIL', 'HEAD_COVER_DETECTED', (r) => {
        r.flags.headCover = true;
        r.faceMatch = true;
      }),
      AGREE,
    ],
    [
      'scores within the tolerance (0.05) agree',
      result('legacy', 'PASS', null, (r) => {
        r.spoof.confidence = 0.1;
        r.recognition.confidence = 0.93;
        r.overallScore = 0.9;
      }),
      result('workflows', 'PASS', null, (r) => {
        r.spoof.confidence = 0.14;
        r.recognition.confidence = 0.9;
        r.overallScore = 0.86;
      }),
      AGREE,
    ],
    [
      'a score beyond the tolerance differs',
      result('legacy', 'PASS', null, (r) => {
        r.spoof.confidence = 0.1;
      }),
      result('workflows', 'PASS', null, (r) => {
        r.spoof.confidence = 0.2;
      }),
      {
        statusAgrees: true,
        reasonAgrees: true,
        kind: 'fields: spoof.confidence',
        differences: [{ field: 'spoof.confidence', legacy: 0.1, workflows: 0.2 }],
      },
    ],
    [
      'flags both sides carry and that differ',
      result('legacy', 'FAIL', 'LENSES_DETECTED', (r) => {
        r.flags.lenses = false;
      }),
      result('workflows', 'FAIL', 'LENSES_DETECTED', (r) => {
        r.flags.lenses = true;
      }),
      {
        statusAgrees: true,
        reasonAgrees: true,
        kind: 'fields: flags.lenses',
        differences: [{ field: 'flags.lenses', legacy: false, workflows: true }],
      },
    ],
    [
      'several fields differ: listed in the order of the table',
      result('legacy', 'PASS', null, (r) => {
        r.overallScore = 0.95;
        r.flags.faceMask = false;
        r.faceMatch = true;
      }),
      result('workflows', 'PASS', null, (r) => {
        r.overallScore = 0.5;
        r.flags.faceMask = true;
        r.faceMatch = false;
      }),
      {
        statusAgrees: true,
        reasonAgrees: true,
        kind: 'fields: faceMatch, flags.faceMask, overallScore',
        differences: [
          { field: 'faceMatch', legacy: true, workflows: false },
          { field: 'flags.faceMask', legacy: false, workflows: true },
          { field: 'overallScore', legacy: 0.95, workflows: 0.5 },
        ],
      },
    ],
    [
      'ids, tokens, times, error spellings, attempts and unknown fields are never compared',
      result('legacy', 'FAIL', 'SPOOF_DETECTED', (r) => {
        r.ids.transactionId = 't-1';
        r.ids.interviewId = 'i-legacy';
        r.error = { code: 4005, name: 'Spoof attempt detected', message: 'Spoof confidence 1.0' };
        r.tokens = { token: 'tok', interviewToken: 'itok' };
        r.secondFactor = false;
        r.children = [];
        r.recognition.candidates = [{ identityId: 'x', confidence: 0.1 }];
        r.unknownFields = { extra: 1 };
      }),
      result('workflows', 'FAIL', 'SPOOF_DETECTED', (r) => {
        r.ids.customerId = 'c1';
        r.ids.interviewId = 'i-workflows';
        r.ids.hint = 'c1';
        r.ids.externalCustomerId = 'crm-1';
        r.error = { code: null, name: 'SPOOF_DETECTED', message: 'Spoof attempt detected' };
        r.attempts = { max: 3, remaining: 2 };
        r.recognition.candidates = [];
        r.unknownFields = { other: true };
      }),
      AGREE,
    ],
  ])('%s', (_name, legacy, workflows, expected) => {
    expect(diffResults(legacy, workflows, table)).toEqual(expected);
  });

  it('is pure: the results are not changed', () => {
    const legacy = result('legacy', 'PASS', null, (r) => {
      r.spoof.confidence = 0.1;
    });
    const workflows = result('workflows', 'FAIL', 'SPOOF_DETECTED');
    const before = JSON.stringify([legacy, workflows]);
    diffResults(legacy, workflows, table);
    expect(JSON.stringify([legacy, workflows])).toBe(before);
  });

  it('compares what the table lists, with the tolerance the table gives', () => {
    const legacy = result('legacy', 'PASS', null, (r) => {
      r.overallScore = 0.9;
      r.flags.lenses = false;
    });
    const workflows = result('workflows', 'PASS', null, (r) => {
      r.overallScore = 0.8;
      r.flags.lenses = true;
    });
    const custom: ComparisonTable = {
      compared: [
        { field: 'status' },
        { field: 'reason' },
        { field: 'overallScore', tolerance: 0.2 },
      ],
      ignored: ['flags.lenses'],
    };
    expect(diffResults(legacy, workflows, custom)).toEqual(AGREE);
  });

  it('the shipped table compares the fields the issue names, and ignores ids, tokens and times', () => {
    const compared = table.compared.map((rule) => rule.field);
    expect(compared).toEqual(
      expect.arrayContaining([
        'status',
        'reason',
        'faceMatch',
        'spoof.attempt',
        'flags.faceMask',
        'flags.lenses',
        'spoof.confidence',
        'recognition.confidence',
        'overallScore',
      ]),
    );
    for (const rule of table.compared) {
      if (['spoof.confidence', 'recognition.confidence', 'overallScore'].includes(rule.field)) {
        expect(rule.tolerance).toBeGreaterThan(0);
      }
    }
    expect(table.ignored).toEqual(
      expect.arrayContaining([
        'eventId',
        'receivedAt',
        'ids.transactionId',
        'tokens.token',
        'tokens.interviewToken',
      ]),
    );
    expect(compared.filter((field) => table.ignored.includes(field))).toEqual([]);
  });
});

describe('differences mappings/comparison.yaml declares expected', () => {
  it.each<[NormalizedResult['reason'], NormalizedResult['reason']]>([
    ['USER_IS_NOT_RECOGNIZED', 'FACE_TOO_DARK'],
    ['USER_IS_NOT_RECOGNIZED', 'CLOSED_EYES_DETECTED'],
    ['UNKNOWN_ERROR', 'FACE_TOO_DARK'],
    ['UNKNOWN_ERROR', 'HEAD_COVER_DETECTED'],
  ])(
    'legacy %s against Workflows %s, both FAIL: agreeing, shown as expected',
    (legacy, workflows) => {
      const diff = diffResults(
        result('legacy', 'FAIL', legacy),
        result('workflows', 'FAIL', workflows),
        table,
      );
      expect(diff).toMatchObject({
        statusAgrees: true,
        reasonAgrees: true,
        kind: `expected: legacy ${legacy}, workflows ${workflows}`,
      });
    },
  );

  it('not the other way round, not across statuses, not for reasons it does not list', () => {
    const fail = (source: Source, reason: NormalizedResult['reason']) =>
      result(source, 'FAIL', reason);
    expect(
      diffResults(
        fail('legacy', 'FACE_TOO_DARK'),
        fail('workflows', 'USER_IS_NOT_RECOGNIZED'),
        table,
      ),
    ).toMatchObject({ reasonAgrees: false });
    expect(
      diffResults(result('legacy', 'PASS', null), fail('workflows', 'FACE_TOO_DARK'), table),
    ).toMatchObject({ statusAgrees: false, reasonAgrees: false });
    expect(
      diffResults(fail('legacy', 'SPOOF_DETECTED'), fail('workflows', 'FACE_TOO_DARK'), table),
    ).toMatchObject({
      reasonAgrees: false,
      kind: 'reason: legacy SPOOF_DETECTED, workflows FACE_TOO_DARK',
    });
    expect(
      diffResults(
        fail('legacy', 'USER_BLACKLISTED'),
        fail('workflows', 'HEAD_COVER_DETECTED'),
        table,
      ),
    ).toMatchObject({ reasonAgrees: false });
  });
});
