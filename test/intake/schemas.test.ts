import { describe, expect, it } from 'vitest';
import { FaceAuthenticationBody } from '../../src/intake/face-authentication-schema.js';
import { LegacyAuthenticationBody } from '../../src/intake/legacy-schema.js';
import { isJsonContentType, parseWebhook } from '../../src/intake/parse-webhook.js';
import { WORKFLOWS_ERROR_NAMES } from '../../src/normalize/reason-codes.js';
import {
  fixtureNames,
  readFixtureBytes,
  readFixtureJson,
  workflowsFailFixture,
} from '../helpers/fixtures.js';

const MINIMAL_LEGACY = {
  customerId: '67460a9995516d9a553aa95b',
  faceMatch: true,
  overallStatus: 'PASS',
};
const MINIMAL_WORKFLOWS = { interviewId: '6650b2c7e4b0a1d2c3f4a500', overallStatus: 'PASS' };

const legacyFixture = (name: string) =>
  readFixtureJson(`legacy/${name}.json`) as Record<string, unknown>;
const workflowsFixture = (name: string) =>
  readFixtureJson(`workflows/${name}.json`) as Record<string, unknown>;

/** The dotted paths of the issues zod reports. */
function issuePaths(result: { success: boolean; error?: { issues: { path: PropertyKey[] }[] } }) {
  expect(result.success).toBe(false);
  return (result.error?.issues ?? []).map((issue) => issue.path.map(String).join('.'));
}

describe('LegacyAuthenticationBody', () => {
  it.each(fixtureNames('legacy'))('accepts the %s fixture', (name) => {
    expect(LegacyAuthenticationBody.safeParse(legacyFixture(name)).success).toBe(true);
  });

  it('accepts the three required fields alone', () => {
    expect(LegacyAuthenticationBody.parse(MINIMAL_LEGACY)).toStrictEqual(MINIMAL_LEGACY);
  });

  it.each(['customerId', 'faceMatch', 'overallStatus'])('requires %s', (field) => {
    const { [field]: _left, ...body } = MINIMAL_LEGACY as Record<string, unknown>;
    expect(issuePaths(LegacyAuthenticationBody.safeParse(body))).toEqual([field]);
  });

  it.each(['customerId', 'faceMatch', 'overallStatus'])('does not accept null for %s', (field) => {
    const body = { ...MINIMAL_LEGACY, [field]: null };
    expect(issuePaths(LegacyAuthenticationBody.safeParse(body))).toEqual([field]);
  });

  it.each([
    ['faceMatch', 'true'],
    ['faceMatch', 1],
    ['customerId', 12345],
    ['overallStatus', 'OK'],
    ['spoofAttempt', 'false'],
    ['hasLenses', 0],
    ['hasFaceMask', 'no'],
    ['secondFactor', 'false'],
    ['spoofConfidence', '0.5'],
    ['overallScore', '0.93'],
    ['errorCode', '4004'],
    ['errorCode', 4004.5],
    ['error', 4004],
    ['errorMessage', false],
    ['transactionId', 42],
    ['token', {}],
    ['children', {}],
    ['recognitionConfidence', []],
    ['recognitionConfidence', 0.9],
  ])('rejects %s: %j (strict types)', (field, value) => {
    const body = { ...MINIMAL_LEGACY, [field]: value };
    expect(issuePaths(LegacyAuthenticationBody.safeParse(body))).toEqual([field]);
  });

  it('rejects a string confidence inside recognitionConfidence', () => {
    const body = { ...MINIMAL_LEGACY, recognitionConfidence: { confidence: '0.93' } };
    expect(issuePaths(LegacyAuthenticationBody.safeParse(body))).toEqual([
      'recognitionConfidence.confidence',
    ]);
  });

  it('rejects a candidate whose confidence is a string', () => {
    const body = {
      ...MINIMAL_LEGACY,
      recognitionConfidence: { candidates: [{ identityId: 'a', confidence: '0.9' }] },
    };
    expect(issuePaths(LegacyAuthenticationBody.safeParse(body))).toEqual([
      'recognitionConfidence.candidates.0.confidence',
    ]);
  });

  it('accepts null for every optional field (null counts as absent)', () => {
    const body = {
      ...MINIMAL_LEGACY,
      token: null,
      interviewId: null,
      interviewToken: null,
      transactionId: null,
      spoofAttempt: null,
      secondFactor: null,
      children: null,
      hasFaceMask: null,
      hasLenses: null,
      spoofConfidence: null,
      recognitionConfidence: null,
      overallScore: null,
      error: null,
      errorCode: null,
      errorMessage: null,
    };
    expect(LegacyAuthenticationBody.safeParse(body).success).toBe(true);
    expect(
      LegacyAuthenticationBody.safeParse({
        ...MINIMAL_LEGACY,
        recognitionConfidence: { confidence: null, candidates: null },
      }).success,
    ).toBe(true);
  });

  it('accepts the empty recognitionConfidence of every legacy failure', () => {
    const body = { ...MINIMAL_LEGACY, recognitionConfidence: {} };
    expect(LegacyAuthenticationBody.parse(body)).toStrictEqual(body);
  });

  it('accepts an undocumented errorCode and its texts', () => {
    const body = legacyFixture('unknown-error-code');
    const parsed = LegacyAuthenticationBody.parse(body);
    expect(parsed.errorCode).toBe(5001);
    expect(parsed.error).toBe('Internal server error');
  });

  it('keeps unknown fields, at the top and nested', () => {
    const body = {
      ...legacyFixture('extra-fields'),
      recognitionConfidence: {
        confidence: 0.9,
        candidates: [{ identityId: 'a', confidence: 0.9, rank: 1 }],
        model: 'v7',
      },
    };
    expect(LegacyAuthenticationBody.parse(body)).toStrictEqual(body);
  });

  it('keeps the 1:N candidates', () => {
    const body = legacyFixture('1n-success');
    expect(LegacyAuthenticationBody.parse(body)).toStrictEqual(body);
  });
});

describe('FaceAuthenticationBody', () => {
  it.each(fixtureNames('workflows'))('accepts the %s fixture', (name) => {
    expect(FaceAuthenticationBody.safeParse(workflowsFixture(name)).success).toBe(true);
  });

  it('accepts the two required fields alone', () => {
    expect(FaceAuthenticationBody.parse(MINIMAL_WORKFLOWS)).toStrictEqual(MINIMAL_WORKFLOWS);
  });

  it.each(['interviewId', 'overallStatus'])('requires %s', (field) => {
    const { [field]: _left, ...body } = MINIMAL_WORKFLOWS as Record<string, unknown>;
    expect(issuePaths(FaceAuthenticationBody.safeParse(body))).toEqual([field]);
  });

  it('does not require customerId, hint, externalCustomerId, attemptCounterState or error', () => {
    for (const field of ['customerId', 'hint', 'externalCustomerId', 'attemptCounterState']) {
      const { [field]: _left, ...body } = workflowsFixture('pass');
      expect(FaceAuthenticationBody.safeParse(body).success, field).toBe(true);
    }
    expect(FaceAuthenticationBody.safeParse(workflowsFixture('fail-without-error')).success).toBe(
      true,
    );
  });

  it('accepts null for every optional field (null counts as absent)', () => {
    const body = {
      ...MINIMAL_WORKFLOWS,
      customerId: null,
      externalCustomerId: null,
      hint: null,
      attemptCounterState: null,
      error: null,
    };
    expect(FaceAuthenticationBody.safeParse(body).success).toBe(true);
    expect(
      FaceAuthenticationBody.safeParse({
        ...MINIMAL_WORKFLOWS,
        attemptCounterState: { max: null, remaining: null },
        error: { name: 'DEFAULT_ERROR', message: null },
      }).success,
    ).toBe(true);
  });

  it.each([
    ['interviewId', 42],
    ['overallStatus', 'SUCCESS'],
    ['customerId', 42],
    ['hint', false],
    ['externalCustomerId', {}],
    ['attemptCounterState', 3],
    ['error', 'SPOOF_DETECTED'],
  ])('rejects %s: %j (strict types)', (field, value) => {
    const body = { ...MINIMAL_WORKFLOWS, [field]: value };
    expect(issuePaths(FaceAuthenticationBody.safeParse(body))).toEqual([field]);
  });

  it.each([
    [{ attemptCounterState: { max: '3' } }, 'attemptCounterState.max'],
    [{ attemptCounterState: { remaining: 1.5 } }, 'attemptCounterState.remaining'],
    [{ error: { name: 4005 } }, 'error.name'],
    [{ error: { name: 'SPOOF_DETECTED', message: 1 } }, 'error.message'],
  ])('rejects %j', (patch, path) => {
    const body = { ...MINIMAL_WORKFLOWS, overallStatus: 'FAIL', ...patch };
    expect(issuePaths(FaceAuthenticationBody.safeParse(body))).toEqual([path]);
  });

  it.each(WORKFLOWS_ERROR_NAMES)('accepts error.name %s', (name) => {
    const body = workflowsFixture(workflowsFailFixture(name));
    expect(FaceAuthenticationBody.parse(body)).toStrictEqual(body);
  });

  it('accepts an error.name nobody documented', () => {
    const body = workflowsFixture('unknown-error-name');
    expect(FaceAuthenticationBody.parse(body).error?.name).toBe('SELFIE_TOO_FAR');
  });

  it('keeps unknown fields, at the top and nested', () => {
    const body = {
      ...workflowsFixture('extra-fields'),
      attemptCounterState: { max: 3, remaining: 2, used: 1 },
      error: { name: 'DEFAULT_ERROR', message: 'x', details: { step: 'selfie' } },
    };
    expect(FaceAuthenticationBody.parse(body)).toStrictEqual(body);
  });
});

describe('parseWebhook', () => {
  it.each(fixtureNames('legacy'))('legacy/%s.json: accepted as raw bytes', (name) => {
    const outcome = parseWebhook('legacy', readFixtureBytes(`legacy/${name}.json`));
    expect(outcome).toStrictEqual({ ok: true, body: legacyFixture(name) });
  });

  it.each(fixtureNames('workflows'))('workflows/%s.json: accepted as raw bytes', (name) => {
    const outcome = parseWebhook('face-authentication', readFixtureBytes(`workflows/${name}.json`));
    expect(outcome).toStrictEqual({ ok: true, body: workflowsFixture(name) });
  });

  it("answers 400 invalid_json to the seed's blacklisted sample with its trailing comma", () => {
    const bytes = readFixtureBytes('legacy/4003-blacklisted-trailing-comma.txt');
    expect(bytes.toString('utf8')).toContain('"errorCode": 4003,\n}');
    const outcome = parseWebhook('legacy', bytes);
    expect(outcome).toMatchObject({ ok: false, status: 400, code: 'invalid_json' });
  });

  it('answers 400 invalid_json to an empty body and to bytes that are not UTF-8', () => {
    expect(parseWebhook('legacy', new Uint8Array())).toMatchObject({ status: 400 });
    expect(parseWebhook('legacy', new Uint8Array([0x7b, 0xff, 0x7d]))).toMatchObject({
      status: 400,
      code: 'invalid_json',
    });
  });

  it('answers 422 invalid_payload, with the path, to a string faceMatch', () => {
    const body = { ...legacyFixture('success'), faceMatch: 'true' };
    const outcome = parseWebhook('legacy', Buffer.from(JSON.stringify(body)));
    expect(outcome).toMatchObject({ ok: false, status: 422, code: 'invalid_payload' });
    if (outcome.ok) return;
    expect(outcome.issues?.map((issue) => issue.path)).toEqual(['faceMatch']);
    expect(outcome.message).toContain('faceMatch');
  });

  it('answers 422 to JSON that is not an object', () => {
    for (const text of ['[]', '"PASS"', 'null', '42']) {
      expect(parseWebhook('face-authentication', Buffer.from(text))).toMatchObject({
        ok: false,
        status: 422,
        code: 'invalid_payload',
      });
    }
  });

  it('answers 422 to a legacy body sent to the Workflows route', () => {
    const outcome = parseWebhook(
      'face-authentication',
      readFixtureBytes('legacy/4004-nonexistent-customer.json'),
    );
    expect(outcome).toMatchObject({ ok: false, status: 422 });
    if (outcome.ok) return;
    expect(outcome.issues?.map((issue) => issue.path)).toEqual(['interviewId', 'error']);
  });
});

describe('isJsonContentType', () => {
  it.each([
    ['application/json', true],
    ['application/json; charset=utf-8', true],
    ['Application/JSON;charset=UTF-8', true],
    [' application/json ', true],
    ['text/plain', false],
    ['application/x-www-form-urlencoded', false],
    ['application/jsonp', false],
    ['', false],
    [undefined, false],
    [null, false],
  ])('%j -> %s', (contentType, expected) => {
    expect(isJsonContentType(contentType)).toBe(expected);
  });
});
