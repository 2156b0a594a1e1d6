import { describe, expect, it } from 'vitest';
import { FaceAuthenticationBody } from '../../src/intake/face-authentication-schema.js';
import { LegacyAuthenticationBody } from '../../src/intake/legacy-schema.js';
import { interpret } from '../../src/normalize/interpret.js';
import { loadMappings } from '../../src/normalize/load-mappings.js';
import { normalizeLegacy, normalizeWorkflows } from '../../src/normalize/normalize.js';
import { NormalizedResult } from '../../src/normalize/normalized-schema.js';
import { WORKFLOWS_ERROR_NAMES } from '../../src/normalize/reason-codes.js';
import {
  fixtureNames,
  META,
  readExpected,
  readFixtureJson,
  workflowsFailFixture,
} from '../helpers/fixtures.js';

const mappings = await loadMappings();

const legacyCases = fixtureNames('legacy');
const workflowsCases = fixtureNames('workflows');

// Parse through the source schema first, as the service does.
const legacyBody = (name: string) =>
  LegacyAuthenticationBody.parse(readFixtureJson(`legacy/${name}.json`));
const workflowsBody = (name: string) =>
  FaceAuthenticationBody.parse(readFixtureJson(`workflows/${name}.json`));

describe('fixtures', () => {
  it('cover every sample of the seed page and the extra legacy cases', () => {
    expect(legacyCases).toEqual(
      expect.arrayContaining([
        'success',
        '1n-success',
        '4003-blacklisted',
        '4004-nonexistent-customer',
        '4005-spoof',
        '4015-not-recognized',
        'lenses',
        'face-mask',
        'unknown-error-code',
        'extra-fields',
      ]),
    );
  });

  it('cover every documented Workflows error.name, PASS and the odd cases', () => {
    expect(workflowsCases).toEqual(
      expect.arrayContaining([
        'pass',
        'unknown-error-name',
        'fail-without-error',
        ...WORKFLOWS_ERROR_NAMES.map(workflowsFailFixture),
      ]),
    );
  });

  it.each(WORKFLOWS_ERROR_NAMES)('the %s fixture carries that error.name', (name) => {
    const body = workflowsBody(workflowsFailFixture(name));
    expect(body.overallStatus).toBe('FAIL');
    expect(body.error?.name).toBe(name);
  });

  it.each([
    ...legacyCases.map((name) => ['legacy', name] as const),
    ...workflowsCases.map((name) => ['workflows', name] as const),
  ])('%s/%s: the expected result is itself a valid normalized result', (source, name) => {
    expect(() => NormalizedResult.parse(readExpected(source, name).normalized)).not.toThrow();
  });
});

describe('normalizeLegacy', () => {
  it.each(legacyCases)('%s', (name) => {
    const result = normalizeLegacy(legacyBody(name), mappings.legacy, META);
    expect(result).toStrictEqual(readExpected('legacy', name).normalized);
    expect(NormalizedResult.safeParse(result).success).toBe(true);
  });

  it.each(legacyCases)('%s: interpret() gives the same result, to forward', (name) => {
    expect(interpret('legacy', legacyBody(name), mappings, META)).toMatchObject({
      outcome: 'result',
      normalized: readExpected('legacy', name).normalized,
    });
  });

  it('treats a field sent as null like a field left out', () => {
    const raw = readFixtureJson('legacy/4004-nonexistent-customer.json') as Record<string, unknown>;
    const withNulls = {
      ...raw,
      transactionId: null,
      spoofAttempt: null,
      spoofConfidence: null,
      hasLenses: null,
      token: null,
    };
    const result = normalizeLegacy(
      LegacyAuthenticationBody.parse(withNulls),
      mappings.legacy,
      META,
    );
    expect(result).toStrictEqual(readExpected('legacy', '4004-nonexistent-customer').normalized);
  });

  it('keeps the reason of the error code when a flag is also raised', () => {
    const raw = readFixtureJson('legacy/4015-not-recognized.json') as Record<string, unknown>;
    const result = normalizeLegacy(
      LegacyAuthenticationBody.parse({ ...raw, hasLenses: true }),
      mappings.legacy,
      META,
    );
    expect(result.reason).toBe('USER_IS_NOT_RECOGNIZED');
    expect(result.flags.lenses).toBe(true);
  });

  it('gives UNKNOWN_ERROR to an error text without a code', () => {
    const raw = readFixtureJson('legacy/lenses.json') as Record<string, unknown>;
    const result = normalizeLegacy(
      LegacyAuthenticationBody.parse({ ...raw, error: 'Something went wrong' }),
      mappings.legacy,
      META,
    );
    expect(result.reason).toBe('UNKNOWN_ERROR');
    expect(result.error).toStrictEqual({ code: null, name: 'Something went wrong', message: null });
  });

  it('does not change the body it is given', () => {
    for (const name of legacyCases) {
      const body = legacyBody(name);
      const before = structuredClone(body);
      normalizeLegacy(body, mappings.legacy, META);
      expect(body).toStrictEqual(before);
    }
  });
});

describe('normalizeWorkflows', () => {
  it.each(workflowsCases)('%s', (name) => {
    const result = normalizeWorkflows(workflowsBody(name), mappings.workflows, META);
    expect(result).toStrictEqual(readExpected('workflows', name).normalized);
    expect(NormalizedResult.safeParse(result).success).toBe(true);
  });

  it.each(workflowsCases)('%s: interpret() gives the same result, to forward', (name) => {
    expect(interpret('face-authentication', workflowsBody(name), mappings, META)).toMatchObject({
      outcome: 'result',
      normalized: readExpected('workflows', name).normalized,
    });
  });

  it('treats error: null on a FAIL like no error object', () => {
    const raw = readFixtureJson('workflows/fail-without-error.json') as Record<string, unknown>;
    const result = normalizeWorkflows(
      FaceAuthenticationBody.parse({ ...raw, error: null, attemptCounterState: null }),
      mappings.workflows,
      META,
    );
    const expected = readExpected('workflows', 'fail-without-error').normalized;
    expect(result).toStrictEqual({ ...expected, attempts: { max: null, remaining: null } });
  });

  it('keeps unknown fields nested inside known objects', () => {
    const body = FaceAuthenticationBody.parse({
      interviewId: 'i1',
      overallStatus: 'FAIL',
      attemptCounterState: { max: 3, remaining: 2, used: 1 },
      error: { name: 'FACE_TOO_DARK', message: 'm', details: { step: 'selfie' } },
      flowId: 'f1',
    });
    const result = normalizeWorkflows(body, mappings.workflows, META);
    expect(result.unknownFields).toStrictEqual({
      attemptCounterState: { used: 1 },
      error: { details: { step: 'selfie' } },
      flowId: 'f1',
    });
  });

  it('states no flag on a PASS that carries an error object', () => {
    const body = FaceAuthenticationBody.parse({
      interviewId: 'i1',
      overallStatus: 'PASS',
      error: { name: 'LENSES_DETECTED', message: 'Lenses detected' },
    });
    const result = normalizeWorkflows(body, mappings.workflows, META);
    expect(result.reason).toBeNull();
    expect(result.flags.lenses).toBeNull();
    expect(result.error).toStrictEqual({
      code: null,
      name: 'LENSES_DETECTED',
      message: 'Lenses detected',
    });
  });

  it('gives a result its own JSON Schema accepts, even for candidates with null fields', () => {
    const body = LegacyAuthenticationBody.parse({
      customerId: 'c',
      faceMatch: true,
      overallStatus: 'PASS',
      recognitionConfidence: {
        confidence: 0.9,
        candidates: [{ identityId: null, confidence: null }],
      },
    });
    expect(NormalizedResult.safeParse(normalizeLegacy(body, mappings.legacy, META)).success).toBe(
      true,
    );
  });

  it('never invents a score, a token or a transactionId', () => {
    for (const name of workflowsCases) {
      const result = normalizeWorkflows(workflowsBody(name), mappings.workflows, META);
      expect(result.spoof.confidence).toBeNull();
      expect(result.recognition).toStrictEqual({ confidence: null, candidates: null });
      expect(result.overallScore).toBeNull();
      expect(result.faceMatch).toBeNull();
      expect(result.tokens).toStrictEqual({ token: null, interviewToken: null });
      expect(result.ids.transactionId).toBeNull();
      expect(result.error.code).toBeNull();
    }
  });

  it('does not change the body it is given', () => {
    for (const name of workflowsCases) {
      const body = workflowsBody(name);
      const before = structuredClone(body);
      normalizeWorkflows(body, mappings.workflows, META);
      expect(body).toStrictEqual(before);
    }
  });
});
