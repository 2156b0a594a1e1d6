import { readFile, unlink } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { DEFAULT_MAPPINGS_DIR, loadMappings } from '../../src/normalize/load-mappings.js';
import { REASON_CODES, WORKFLOWS_ERROR_NAMES } from '../../src/normalize/reason-codes.js';
import { brokenCopy, expectProblem, loadError, replaceOnce } from '../helpers/broken-mappings.js';

const LEGACY = 'legacy-to-normalized.yaml';
const WORKFLOWS = 'workflows-to-normalized.yaml';
const TO_LEGACY = 'normalized-to-legacy.yaml';

describe('the shipped tables', () => {
  it('load', async () => {
    const mappings = await loadMappings();
    expect(Object.keys(mappings).sort()).toEqual([
      'comparison',
      'legacy',
      'score',
      'sessions',
      'toLegacy',
      'workflows',
    ]);
  });

  it('give every documented Workflows error.name a reason', async () => {
    const { workflows } = await loadMappings();
    for (const name of WORKFLOWS_ERROR_NAMES) {
      expect(workflows.reasons.errorNames[name]?.reason, name).toBeDefined();
    }
  });

  it('spell every reason code in the legacy body', async () => {
    const { toLegacy } = await loadMappings();
    expect(Object.keys(toLegacy.errors).sort()).toEqual([...REASON_CODES].sort());
  });

  it('map the four documented legacy error codes', async () => {
    const { legacy } = await loadMappings();
    expect(legacy.reasons.errorCodes).toEqual({
      '4003': 'USER_BLACKLISTED',
      '4004': 'NONEXISTENT_CUSTOMER',
      '4005': 'SPOOF_DETECTED',
      '4015': 'USER_IS_NOT_RECOGNIZED',
    });
    expect(legacy.reasons.unknownErrorCode).toBe('UNKNOWN_ERROR');
  });

  it('load the same from an unchanged copy in another directory', async () => {
    const dir = await brokenCopy({});
    expect(await loadMappings(dir)).toStrictEqual(await loadMappings());
  });
});

describe('a broken table stops the load with a MappingsError naming file and entry', () => {
  it('an unknown reason code in an expected difference', async () => {
    const dir = await brokenCopy({
      'comparison.yaml': replaceOnce('      - FACE_TOO_DARK\n', '      - TOO_DARK\n'),
    });
    expectProblem(await loadError(dir), dir, 'comparison.yaml', 'equivalent.0.workflows.0');
  });

  it('an unknown reason code for a legacy errorCode', async () => {
    const dir = await brokenCopy({
      [LEGACY]: replaceOnce('4003: USER_BLACKLISTED', '4003: USER_BANNED'),
    });
    expectProblem(await loadError(dir), dir, LEGACY, 'reasons.errorCodes.4003');
  });

  it('a non-numeric legacy errorCode', async () => {
    const dir = await brokenCopy({
      [LEGACY]: replaceOnce('4003: USER_BLACKLISTED', 'E4003: USER_BLACKLISTED'),
    });
    expectProblem(await loadError(dir), dir, LEGACY, 'reasons.errorCodes.E4003');
  });

  it('an unknown reason code for a Workflows error.name', async () => {
    const dir = await brokenCopy({
      [WORKFLOWS]: replaceOnce(
        'FACE_TOO_DARK: { reason: FACE_TOO_DARK }',
        'FACE_TOO_DARK: { reason: TOO_DARK }',
      ),
    });
    expectProblem(await loadError(dir), dir, WORKFLOWS, 'reasons.errorNames.FACE_TOO_DARK.reason');
  });

  it('an unknown reason code for unknownErrorName', async () => {
    const dir = await brokenCopy({
      [WORKFLOWS]: replaceOnce('unknownErrorName: UNKNOWN_ERROR', 'unknownErrorName: OTHER'),
    });
    expectProblem(await loadError(dir), dir, WORKFLOWS, 'reasons.unknownErrorName');
  });

  it('a documented Workflows error.name left out', async () => {
    const dir = await brokenCopy({
      [WORKFLOWS]: replaceOnce(/^ {4}FACE_TOO_DARK: .*\n/m, ''),
    });
    const error = await loadError(dir);
    expectProblem(error, dir, WORKFLOWS, 'reasons.errorNames.FACE_TOO_DARK');
    expect(error.message).toContain('missing');
  });

  it('a legacy field that does not exist', async () => {
    const dir = await brokenCopy({
      [LEGACY]: replaceOnce('ids.transactionId: transactionId', 'ids.transactionId: transactionID'),
    });
    const error = await loadError(dir);
    expectProblem(error, dir, LEGACY, 'fields.ids.transactionId');
    expect(error.message).toContain('transactionID');
  });

  it('a nested Workflows field that does not exist', async () => {
    const dir = await brokenCopy({
      [WORKFLOWS]: replaceOnce(
        'attempts.max: attemptCounterState.max',
        'attempts.max: attemptCounterState.maximum',
      ),
    });
    const error = await loadError(dir);
    expectProblem(error, dir, WORKFLOWS, 'fields.attempts.max');
    expect(error.message).toContain('attemptCounterState.maximum');
  });

  it('a normalized field that does not exist', async () => {
    const dir = await brokenCopy({
      [WORKFLOWS]: replaceOnce('ids.hint: hint', 'ids.loginHint: hint'),
    });
    expectProblem(await loadError(dir), dir, WORKFLOWS, 'fields.ids.loginHint');
  });

  it('a field that is not a dotted path', async () => {
    const dir = await brokenCopy({
      [LEGACY]: replaceOnce('secondFactor: secondFactor', 'secondFactor: second-factor'),
    });
    expectProblem(await loadError(dir), dir, LEGACY, 'fields.secondFactor');
  });

  it('no source for the status', async () => {
    const dir = await brokenCopy({ [WORKFLOWS]: replaceOnce(/^ {2}status: overallStatus\n/m, '') });
    expectProblem(await loadError(dir), dir, WORKFLOWS, 'fields.status');
  });

  it('a kind mismatch: faceMatch from customerId', async () => {
    const dir = await brokenCopy({
      [LEGACY]: replaceOnce('faceMatch: faceMatch', 'faceMatch: customerId'),
    });
    const error = await loadError(dir);
    expectProblem(error, dir, LEGACY, 'fields.faceMatch');
    expect(error.message).toMatch(/boolean/);
    expect(error.message).toMatch(/string/);
  });

  it('a kind mismatch: a number from an object', async () => {
    const dir = await brokenCopy({
      [LEGACY]: replaceOnce('overallScore: overallScore', 'overallScore: recognitionConfidence'),
    });
    expectProblem(await loadError(dir), dir, LEGACY, 'fields.overallScore');
  });

  it('a failure flag that is not a true/false field', async () => {
    const dir = await brokenCopy({
      [LEGACY]: replaceOnce('- field: hasLenses', '- field: customerId'),
    });
    expectProblem(await loadError(dir), dir, LEGACY, 'reasons.failureFlags.0.field');
  });

  it('a `sets` value of the wrong kind', async () => {
    const dir = await brokenCopy({
      [WORKFLOWS]: replaceOnce('sets: { spoof.attempt: true }', 'sets: { spoof.attempt: "yes" }'),
    });
    expectProblem(
      await loadError(dir),
      dir,
      WORKFLOWS,
      'reasons.errorNames.SPOOF_DETECTED.sets.spoof.attempt',
    );
  });

  it('a `sets` target that is not a normalized field', async () => {
    const dir = await brokenCopy({
      [WORKFLOWS]: replaceOnce('sets: { flags.lenses: true }', 'sets: { flags.contacts: true }'),
    });
    expectProblem(
      await loadError(dir),
      dir,
      WORKFLOWS,
      'reasons.errorNames.LENSES_DETECTED.sets.flags.contacts',
    );
  });

  it('a reason left out of the normalized-to-legacy errors', async () => {
    const dir = await brokenCopy({
      [TO_LEGACY]: replaceOnce(/^ {2}DEFAULT_ERROR:\n.*\n/m, ''),
    });
    expectProblem(await loadError(dir), dir, TO_LEGACY, 'errors.DEFAULT_ERROR');
  });

  it('an unknown reason in the normalized-to-legacy errors', async () => {
    const dir = await brokenCopy({
      [TO_LEGACY]: replaceOnce(
        '  LENSES_DETECTED: none\n',
        '  LENSES_DETECTED: none\n  LENSES: none\n',
      ),
    });
    const error = await loadError(dir);
    expect(error.message).toContain(`${join(dir, TO_LEGACY)}: errors`);
    expect(error.message).toContain('LENSES');
  });

  it('a legacy errorCode that is not a number', async () => {
    const dir = await brokenCopy({
      [TO_LEGACY]: replaceOnce('errorCode: 9001', 'errorCode: "9001"'),
    });
    expectProblem(await loadError(dir), dir, TO_LEGACY, 'errors.INACTIVE_SESSION');
  });

  it('a normalized field that does not exist, read by a legacy field', async () => {
    const dir = await brokenCopy({
      [TO_LEGACY]: replaceOnce(
        '{ legacy: hint, from: ids.hint }',
        '{ legacy: hint, from: ids.loginHint }',
      ),
    });
    const shipped = parse(await readFile(join(DEFAULT_MAPPINGS_DIR, TO_LEGACY), 'utf8')) as {
      fields: { legacy: string }[];
    };
    const index = shipped.fields.findIndex((rule) => rule.legacy === 'hint');
    expect(index).toBeGreaterThanOrEqual(0);
    const error = await loadError(dir);
    expectProblem(error, dir, TO_LEGACY, `fields.${index}.from`);
    expect(error.message).toContain('ids.loginHint');
  });

  it('a normalized field that does not exist, read by an error text', async () => {
    const dir = await brokenCopy({
      [TO_LEGACY]: replaceOnce(
        '{ error: Spoof attempt detected, errorCode: 4005, errorMessage: { from: error.message } }',
        '{ error: Spoof attempt detected, errorCode: 4005, errorMessage: { from: error.text } }',
      ),
    });
    expectProblem(await loadError(dir), dir, TO_LEGACY, 'errors.SPOOF_DETECTED.errorMessage.from');
  });

  it('a kind mismatch in the legacy body: faceMatch from a text', async () => {
    const dir = await brokenCopy({
      [TO_LEGACY]: replaceOnce('from: faceMatch,', 'from: ids.customerId,'),
    });
    const error = await loadError(dir);
    expectProblem(error, dir, TO_LEGACY, 'fields.5.from');
    expect(error.message).toContain('faceMatch is a boolean');
  });

  it('a default of the wrong kind for a legacy field', async () => {
    const dir = await brokenCopy({
      [TO_LEGACY]: replaceOnce(
        'from: flags.lenses, default: false',
        'from: flags.lenses, default: "no"',
      ),
    });
    expectProblem(await loadError(dir), dir, TO_LEGACY, 'fields.10.default');
  });

  it('an error text read from a field that is not text', async () => {
    const dir = await brokenCopy({
      [TO_LEGACY]: replaceOnce(
        '9004, errorMessage: { from: error.message }',
        '9004, errorMessage: { from: attempts.max }',
      ),
    });
    const error = await loadError(dir);
    expectProblem(error, dir, TO_LEGACY, 'errors.FACE_TOO_DARK.errorMessage.from');
    expect(error.message).toContain('not a text');
  });

  it('an unknown key in a table', async () => {
    const dir = await brokenCopy({
      [TO_LEGACY]: replaceOnce(
        'passThroughUnknownFields: true',
        'passThroughUnknownFields: true\npassThrough: true',
      ),
    });
    expect((await loadError(dir)).message).toContain(join(dir, TO_LEGACY));
  });

  it('every problem at once, one line each', async () => {
    const dir = await brokenCopy({
      [LEGACY]: replaceOnce('4003: USER_BLACKLISTED', '4003: USER_BANNED'),
      [WORKFLOWS]: replaceOnce('ids.hint: hint', 'ids.loginHint: hint'),
    });
    const error = await loadError(dir);
    expectProblem(error, dir, LEGACY, 'reasons.errorCodes.4003');
    expectProblem(error, dir, WORKFLOWS, 'fields.ids.loginHint');
    expect(error.message.split('\n')).toHaveLength(2);
  });

  it('invalid YAML', async () => {
    const dir = await brokenCopy({
      [WORKFLOWS]: replaceOnce(
        'unknownErrorName: UNKNOWN_ERROR',
        'unknownErrorName: [UNKNOWN_ERROR',
      ),
    });
    const error = await loadError(dir);
    expect(error.message).toContain(join(dir, WORKFLOWS));
    expect(error.message).toContain('not valid YAML');
  });

  it('a duplicated key', async () => {
    const dir = await brokenCopy({
      [LEGACY]: replaceOnce(
        '  ids.customerId: customerId\n',
        '  ids.customerId: customerId\n  ids.customerId: interviewId\n',
      ),
    });
    expect((await loadError(dir)).message).toContain(join(dir, LEGACY));
  });

  it('an empty file', async () => {
    const dir = await brokenCopy({ [LEGACY]: () => '' });
    const error = await loadError(dir);
    expect(error.message).toContain(join(dir, LEGACY));
  });

  it('a missing file', async () => {
    const dir = await brokenCopy({});
    await unlink(join(dir, TO_LEGACY));
    const error = await loadError(dir);
    expect(error.message).toContain(join(dir, TO_LEGACY));
  });

  it('a missing directory', async () => {
    const dir = join(tmpdir(), 'faceauth-mappings-does-not-exist');
    const error = await loadError(dir);
    expect(error.message).toContain(dir);
  });
});

describe('comparison.yaml', () => {
  const COMPARISON = 'comparison.yaml';

  it('a normalized field neither compared nor ignored', async () => {
    const dir = await brokenCopy({ [COMPARISON]: replaceOnce('  - secondFactor\n', '') });
    expectProblem(await loadError(dir), dir, COMPARISON, 'secondFactor');
  });

  it('a tolerance on a field that is not a number', async () => {
    const dir = await brokenCopy({
      [COMPARISON]: replaceOnce('{ field: faceMatch }', '{ field: faceMatch, tolerance: 0.1 }'),
    });
    expectProblem(await loadError(dir), dir, COMPARISON, 'compared.2.tolerance');
  });

  it('a field listed twice, or one that does not exist', async () => {
    const twice = await brokenCopy({
      [COMPARISON]: replaceOnce('  - secondFactor\n', '  - secondFactor\n  - status\n'),
    });
    expect((await loadError(twice)).message).toContain('listed twice');
    const unknown = await brokenCopy({
      [COMPARISON]: replaceOnce('{ field: faceMatch }', '{ field: faceMatches }'),
    });
    expectProblem(await loadError(unknown), unknown, COMPARISON, 'compared.2.field');
  });
});
