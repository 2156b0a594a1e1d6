import { describe, expect, it } from 'vitest';
import { SCORE_STATUSES, Score } from '../../src/incode/score-schema.js';
import { checkTables } from '../../src/normalize/check-tables.js';
import { interpret } from '../../src/normalize/interpret.js';
import { loadMappings } from '../../src/normalize/load-mappings.js';
import { MAPPING_FILES, type Mappings } from '../../src/normalize/tables.js';
import {
  brokenCopy,
  expectProblem,
  loadError,
  replaceFirst,
  replaceOnce,
} from '../helpers/broken-mappings.js';
import { META, readFixtureJson } from '../helpers/fixtures.js';
import { onboardingBody } from '../helpers/session-fixtures.js';

const SESSIONS = MAPPING_FILES.sessions;
const SCORE = MAPPING_FILES.score;

describe('the shipped session and score tables', () => {
  it('give every session event of Incode a meaning; only Succeeded and Failed are results', async () => {
    const { sessions } = await loadMappings();
    expect(sessions.session.events).toEqual({
      SESSION_STARTED: 'none',
      SESSION_PROGRESS: 'none',
      SESSION_SUCCEEDED: 'PASS',
      SESSION_FAILED: 'FAIL',
      SESSION_PENDING_REVIEW: 'none',
      IDENTITY_ENROLLED: 'none',
    });
    expect(sessions.session.unknownEvent).toBe('none');
  });

  it('give every documented onboarding status a meaning; ONBOARDING_FINISHED asks the score', async () => {
    const { sessions } = await loadMappings();
    expect(sessions.onboarding.statuses).toEqual({
      ID_VALIDATION_FINISHED: 'none',
      FACE_VALIDATION_FINISHED: 'none',
      POST_PROCESSING_FINISHED: 'none',
      GOVERNMENT_VALIDATION_FINISHED: 'none',
      ONBOARDING_FINISHED: 'score',
      MANUAL_REVIEW_APPROVED: 'score',
      MANUAL_REVIEW_REJECTED: 'score',
    });
    expect(sessions.onboarding.unknownStatus).toBe('none');
  });

  it('decide every documented score status in every statuses rule', async () => {
    const { score } = await loadMappings();
    expect(score.statuses.length).toBeGreaterThan(0);
    for (const rule of score.statuses) {
      expect(Object.keys(rule.values).sort()).toEqual([...SCORE_STATUSES].sort());
    }
  });

  it('accept a checkTables() call on the shipped tables, and refuse a missing score table', async () => {
    const shipped = await loadMappings();
    const raw = { ...shipped } as Record<keyof Mappings, unknown>;
    expect(checkTables(raw).ok).toBe(true);
    const result = checkTables({ ...raw, score: undefined });
    expect(result.ok).toBe(false);
    if (!result.ok) expect(result.problems.map((p) => p.file)).toEqual([SCORE]);
  });
});

describe('a broken sessions-to-normalized.yaml stops the load, naming file and entry', () => {
  it('a session field path that is not a session body field', async () => {
    const dir = await brokenCopy({
      [SESSIONS]: replaceOnce('ids.hint: loginHint', 'ids.hint: login_hint'),
    });
    const error = await loadError(dir);
    expectProblem(error, dir, SESSIONS, 'session.fields.ids.hint');
    expect(error.message).toContain('"login_hint" is not a known field of the session body');
  });

  it('one path of a fallback list that is not a session body field', async () => {
    const dir = await brokenCopy({
      [SESSIONS]: replaceOnce(
        'ids.customerId: [identityId, customerId]',
        'ids.customerId: [identityId, customerID]',
      ),
    });
    const error = await loadError(dir);
    expectProblem(error, dir, SESSIONS, 'session.fields.ids.customerId');
    expect(error.message).toContain('customerID');
  });

  it('an onboarding field path that is not an onboarding body field', async () => {
    const dir = await brokenCopy({
      [SESSIONS]: replaceOnce(
        'ids.externalCustomerId: externalId',
        'ids.externalCustomerId: extId',
      ),
    });
    const error = await loadError(dir);
    expectProblem(error, dir, SESSIONS, 'onboarding.fields.ids.externalCustomerId');
    expect(error.message).toContain('onboarding body');
  });

  it('a session field written to a normalized field that does not exist', async () => {
    const dir = await brokenCopy({
      [SESSIONS]: replaceOnce('ids.hint: loginHint', 'ids.loginHint: loginHint'),
    });
    expectProblem(await loadError(dir), dir, SESSIONS, 'session.fields.ids.loginHint');
  });

  it('a kind mismatch: the error text into a number', async () => {
    const dir = await brokenCopy({
      [SESSIONS]: replaceOnce('error.name: error.name', 'overallScore: error.name'),
    });
    const error = await loadError(dir);
    expectProblem(error, dir, SESSIONS, 'session.fields.overallScore');
    expect(error.message).toMatch(/number/);
  });

  it('"score" used for a session event', async () => {
    const dir = await brokenCopy({
      [SESSIONS]: replaceOnce('SESSION_SUCCEEDED: PASS', 'SESSION_SUCCEEDED: score'),
    });
    const error = await loadError(dir);
    expectProblem(error, dir, SESSIONS, 'session.events');
    expect(error.message).toContain('"score" is for onboarding statuses');
  });

  it('"score" used for an unknown session event', async () => {
    const dir = await brokenCopy({
      [SESSIONS]: replaceOnce('unknownEvent: none', 'unknownEvent: score'),
    });
    expectProblem(await loadError(dir), dir, SESSIONS, 'session.events');
  });

  it('a meaning that is not PASS, FAIL, score or none', async () => {
    const dir = await brokenCopy({
      [SESSIONS]: replaceOnce('SESSION_FAILED: FAIL', 'SESSION_FAILED: REJECT'),
    });
    expectProblem(await loadError(dir), dir, SESSIONS, 'session.events.SESSION_FAILED');
  });

  it('an event name that is not upper case', async () => {
    const dir = await brokenCopy({
      [SESSIONS]: replaceOnce('SESSION_FAILED: FAIL', 'Session Failed: FAIL'),
    });
    expectProblem(await loadError(dir), dir, SESSIONS, 'session.events.Session Failed');
  });

  it('an unknown reason code for a failure without a reason', async () => {
    const dir = await brokenCopy({
      [SESSIONS]: replaceOnce('failureWithoutReason: UNKNOWN_ERROR', 'failureWithoutReason: NOPE'),
    });
    expectProblem(await loadError(dir), dir, SESSIONS, 'failureWithoutReason');
  });
});

describe('a broken score-to-normalized.yaml stops the load, naming file and entry', () => {
  it('a fields entry from a path that is not in the score answer', async () => {
    const dir = await brokenCopy({
      [SCORE]: replaceOnce(
        'recognition.confidence: { from: authentication.overall.value, scale: percent }',
        'recognition.confidence: { from: authentication.overall.score, scale: percent }',
      ),
    });
    const error = await loadError(dir);
    expectProblem(error, dir, SCORE, 'fields.recognition.confidence.from');
    expect(error.message).toContain(
      '"authentication.overall.score" is not a field of the score answer',
    );
  });

  it('a fields entry to a normalized field that does not exist', async () => {
    const dir = await brokenCopy({
      [SCORE]: replaceOnce(
        'overallScore: { from: authentication.overall.value, scale: percent }',
        'score: { from: authentication.overall.value, scale: percent }',
      ),
    });
    expectProblem(await loadError(dir), dir, SCORE, 'fields.score');
  });

  it('scale on a field that is not a number', async () => {
    const dir = await brokenCopy({
      [SCORE]: replaceOnce(
        'ids.customerId: { from: authentication.identityId }',
        'ids.customerId: { from: authentication.identityId, scale: percent }',
      ),
    });
    const error = await loadError(dir);
    expectProblem(error, dir, SCORE, 'fields.ids.customerId.scale');
    expect(error.message).toContain('ids.customerId is not a number');
  });

  it('an unknown scale', async () => {
    const dir = await brokenCopy({
      [SCORE]: replaceOnce(
        'overallScore: { from: authentication.overall.value, scale: percent }',
        'overallScore: { from: authentication.overall.value, scale: permille }',
      ),
    });
    expectProblem(await loadError(dir), dir, SCORE, 'fields.overallScore.scale');
  });

  it('a statuses entry missing a documented status (MANUAL_PENDING)', async () => {
    const dir = await brokenCopy({
      [SCORE]: replaceFirst('      MANUAL_PENDING: null\n', ''),
    });
    const error = await loadError(dir);
    expectProblem(error, dir, SCORE, 'statuses.0.values.MANUAL_PENDING');
  });

  it('a statuses entry missing a documented status says "missing", not zod\'s "Invalid input"', async () => {
    const dir = await brokenCopy({ [SCORE]: replaceFirst('      MANUAL_PENDING: null\n', '') });
    const error = await loadError(dir);
    expect(error.message).toMatch(/statuses\.0\.values\.MANUAL_PENDING: missing/);
  });

  it('a statuses entry may decide an undocumented status too (Incode adds statuses)', async () => {
    const dir = await brokenCopy({
      [SCORE]: replaceFirst(
        '      MANUAL_PENDING: null\n',
        '      MANUAL_PENDING: null\n      MAYBE: PASS\n',
      ),
    });
    // An ONBOARDING_FINISHED whose score says MAYBE: the shipped tables give it no outcome (an
    // undocumented status gives no value); the table that decides MAYBE makes it a PASS.
    const maybe = Score.parse({
      ...(readFixtureJson('incode/score-face-authentication.json') as object),
      overall: { value: '90.0', status: 'MAYBE' },
    });
    const finished = (mappings: Mappings) =>
      interpret('onboarding-status', onboardingBody('ONBOARDING_FINISHED'), mappings, META, maybe);
    expect(finished(await loadMappings())).toMatchObject({ outcome: 'no-result' });
    const decided = finished(await loadMappings(dir));
    expect(decided.outcome).toBe('result');
    if (decided.outcome === 'result') expect(decided.normalized.status).toBe('PASS');
  });

  it('a statuses.to: status with the value "MAYBE"', async () => {
    const dir = await brokenCopy({
      [SCORE]: replaceFirst('      WARN: FAIL\n', '      WARN: MAYBE\n'),
    });
    const error = await loadError(dir);
    expectProblem(error, dir, SCORE, 'statuses.0.values.WARN');
    expect(error.message).toContain('status is PASS, FAIL or null');
  });

  it('a statuses value of the wrong kind for its field', async () => {
    const dir = await brokenCopy({
      [SCORE]: replaceOnce('      FAIL: true\n', '      FAIL: "yes"\n'),
    });
    const error = await loadError(dir);
    expectProblem(error, dir, SCORE, 'statuses.1.values.FAIL');
    expect(error.message).toContain('spoof.attempt holds a boolean');
  });

  it('a statuses entry from a path that is not in the score answer', async () => {
    const dir = await brokenCopy({
      [SCORE]: replaceOnce('- from: liveness.overall.status', '- from: liveness.status'),
    });
    expectProblem(await loadError(dir), dir, SCORE, 'statuses.1.from');
  });

  it('a statuses entry to a normalized field that does not exist', async () => {
    const dir = await brokenCopy({ [SCORE]: replaceOnce('to: spoof.attempt', 'to: spoofAttempt') });
    expectProblem(await loadError(dir), dir, SCORE, 'statuses.1.to');
  });

  it('a failure reason read from a path that is not in the score answer', async () => {
    const dir = await brokenCopy({
      [SCORE]: replaceOnce(
        '{ when: liveness.overall.status, is: FAIL, reason: SPOOF_DETECTED }',
        '{ when: liveness.result, is: FAIL, reason: SPOOF_DETECTED }',
      ),
    });
    expectProblem(await loadError(dir), dir, SCORE, 'failureReasons.0.when');
  });

  it('a failure reason that is not a reason code', async () => {
    const dir = await brokenCopy({
      [SCORE]: replaceOnce('reason: SPOOF_DETECTED }', 'reason: SPOOFED }'),
    });
    expectProblem(await loadError(dir), dir, SCORE, 'failureReasons.0.reason');
  });

  it('every problem of both files at once, one line each', async () => {
    const dir = await brokenCopy({
      [SESSIONS]: replaceOnce('ids.hint: loginHint', 'ids.hint: login_hint'),
      [SCORE]: replaceFirst('      WARN: FAIL\n', '      WARN: MAYBE\n'),
    });
    const error = await loadError(dir);
    expectProblem(error, dir, SESSIONS, 'session.fields.ids.hint');
    expectProblem(error, dir, SCORE, 'statuses.0.values.WARN');
    expect(error.message.split('\n')).toHaveLength(2);
  });
});
