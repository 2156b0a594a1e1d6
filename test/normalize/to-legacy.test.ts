import { describe, expect, it } from 'vitest';
import { FaceAuthenticationBody } from '../../src/intake/face-authentication-schema.js';
import { loadMappings } from '../../src/normalize/load-mappings.js';
import { normalizeWorkflows } from '../../src/normalize/normalize.js';
import { renderLegacy } from '../../src/normalize/to-legacy.js';
import { fixtureNames, META, readExpected, readFixtureJson } from '../helpers/fixtures.js';

const mappings = await loadMappings();
const workflowsCases = fixtureNames('workflows');

const render = (raw: unknown) =>
  renderLegacy(
    normalizeWorkflows(FaceAuthenticationBody.parse(raw), mappings.workflows, META),
    mappings.toLegacy,
  );
const renderCase = (name: string) => render(readFixtureJson(`workflows/${name}.json`));

const ERROR_FIELDS = ['error', 'errorCode', 'errorMessage'];

describe('renderLegacy of Workflows events', () => {
  it.each(workflowsCases)('%s', (name) => {
    const expected = readExpected('workflows', name).legacy;
    expect(expected).toBeDefined();
    expect(renderCase(name)).toStrictEqual(expected);
  });

  it.each(workflowsCases)('%s: survives JSON as is (no undefined, no functions)', (name) => {
    const body = renderCase(name);
    expect(JSON.parse(JSON.stringify(body))).toStrictEqual(body);
  });

  // The rules of docs/contract.md "What the callback receives", checked on every case on top of the
  // exact bodies above, so a wrong expected file cannot hide a broken rule.
  describe.each(workflowsCases)('%s follows the contract', (name) => {
    const raw = readFixtureJson(`workflows/${name}.json`) as {
      overallStatus: 'PASS' | 'FAIL';
      error?: { name?: string; message?: string | null } | null;
    };
    const body = renderCase(name);
    const status = raw.overallStatus;
    const errorName = raw.error?.name;

    it('never invents a number the source did not provide', () => {
      expect(body).not.toHaveProperty('spoofConfidence');
      expect(body).not.toHaveProperty(['recognitionConfidence', 'confidence']);
      if (status === 'PASS') expect(body).not.toHaveProperty('overallScore');
      else expect(body.overallScore).toBe(0);
    });

    it('always carries overallStatus, faceMatch and the three flags', () => {
      expect(body.overallStatus).toBe(status);
      expect(body.faceMatch).toBe(status === 'PASS');
      expect(typeof body.spoofAttempt).toBe('boolean');
      expect(typeof body.hasFaceMask).toBe('boolean');
      expect(typeof body.hasLenses).toBe('boolean');
      expect(body.spoofAttempt).toBe(errorName === 'SPOOF_DETECTED');
      expect(body.hasLenses).toBe(errorName === 'LENSES_DETECTED');
      expect(body.hasFaceMask).toBe(errorName === 'FACE_MASK_DETECTED');
    });

    it('has error fields exactly when the legacy webhook had them', () => {
      const noErrorFields =
        status === 'PASS' ||
        errorName === 'LENSES_DETECTED' ||
        errorName === 'FACE_MASK_DETECTED' ||
        errorName === 'HEAD_COVER_DETECTED';
      for (const field of ERROR_FIELDS) {
        if (noErrorFields) expect(body).not.toHaveProperty(field);
      }
      if (!noErrorFields) {
        expect(typeof body.error).toBe('string');
        expect(Number.isInteger(body.errorCode)).toBe(true);
      }
    });
  });

  it('spells the legacy counterparts exactly as the legacy webhook did', () => {
    expect(renderCase('fail-spoof-detected')).toMatchObject({
      error: 'Spoof attempt detected',
      errorCode: 4005,
      errorMessage: 'Spoof attempt detected',
      spoofAttempt: true,
    });
    expect(renderCase('fail-nonexistent-customer')).toMatchObject({
      error: 'Non existing customer',
      errorCode: 4004,
      errorMessage: "Can't find customer by any criteria.",
    });
    expect(renderCase('fail-user-is-not-recognized')).toMatchObject({
      error: 'User is not recognized',
      errorCode: 4015,
    });
  });

  it('uses the Workflows message for SPOOF_DETECTED, not the legacy measurement', () => {
    const raw = readFixtureJson('workflows/fail-spoof-detected.json') as Record<string, unknown>;
    const body = render({ ...raw, error: { name: 'SPOOF_DETECTED', message: 'Liveness failed' } });
    expect(body.errorMessage).toBe('Liveness failed');
    expect(JSON.stringify(body)).not.toContain('Spoof confidence');
  });

  it('does not change the normalized result it renders', () => {
    for (const name of workflowsCases) {
      const raw = readFixtureJson(`workflows/${name}.json`);
      const result = normalizeWorkflows(
        FaceAuthenticationBody.parse(raw),
        mappings.workflows,
        META,
      );
      const before = structuredClone(result);
      const body = renderLegacy(result, mappings.toLegacy);
      expect(result).toStrictEqual(before);
      // Nested values are copies: changing the body leaves the result alone.
      if (body.attemptCounterState && typeof body.attemptCounterState === 'object') {
        (body.attemptCounterState as Record<string, unknown>).max = 99;
        expect(result).toStrictEqual(before);
      }
    }
  });
});

describe('renderLegacy: unknown fields', () => {
  it('passes unknown fields on, nested ones into the object they came in, without overriding known ones', () => {
    const rendered = render({
      interviewId: 'i1',
      overallStatus: 'FAIL',
      attemptCounterState: { max: 3, remaining: 2, used: 1 },
      error: { name: 'FACE_TOO_DARK', message: 'Too dark', details: { step: 'selfie' } },
      flowId: 'f1',
    });
    expect(rendered.attemptCounterState).toStrictEqual({ max: 3, remaining: 2, used: 1 });
    expect(rendered.flowId).toBe('f1');
    // The legacy `error` is a text: the Workflows error object's extra details cannot go there.
    expect(rendered.error).toBe('FACE_TOO_DARK');
  });
});
