import { describe, expect, it } from 'vitest';
import { Score } from '../../src/incode/score-schema.js';
import { FaceAuthenticationBody } from '../../src/intake/face-authentication-schema.js';
import type { OnboardingStatusBody } from '../../src/intake/onboarding-schema.js';
import type { SessionBody } from '../../src/intake/session-schema.js';
import {
  type Interpretation,
  interpret,
  scaled,
  withScore,
} from '../../src/normalize/interpret.js';
import { loadMappings } from '../../src/normalize/load-mappings.js';
import { NormalizedResult } from '../../src/normalize/normalized-schema.js';
import { renderLegacy } from '../../src/normalize/to-legacy.js';
import { META, readFixtureJson } from '../helpers/fixtures.js';
import {
  ONBOARDING_EXTERNAL_ID,
  ONBOARDING_INTERVIEW_ID,
  ONBOARDING_STATUSES,
  onboardingBody,
  SESSION_CASES,
  score,
  sessionBody,
} from '../helpers/session-fixtures.js';

const mappings = await loadMappings();

const session = (name: string, s?: Score) =>
  interpret('session', sessionBody(name), mappings, META, s);
const onboarding = (status: string, s?: Score) =>
  interpret('onboarding-status', onboardingBody(status), mappings, META, s);
const faceAuthentication = (name: string, s?: Score) =>
  interpret(
    'face-authentication',
    FaceAuthenticationBody.parse(readFixtureJson(`workflows/${name}.json`)),
    mappings,
    META,
    s,
  );

/** The normalized result of an interpretation that has one, checked against its schema. */
function resultOf(read: Interpretation): NormalizedResult {
  if (read.outcome !== 'result') throw new Error(`expected a result, got ${read.outcome}`);
  return NormalizedResult.parse(read.normalized);
}

/** The parts of score-face-authentication.json the tests change. */
interface EditableScore {
  authentication: { overall: { value: unknown; status: string } };
  liveness: { overall: { value: unknown; status: string } };
  overall: { value: unknown; status: string };
}

/** score-face-authentication.json, changed by `edit`, parsed as the Incode client parses it. */
function editedScore(edit: (score: EditableScore) => void): Score {
  const base = readFixtureJson('incode/score-face-authentication.json') as EditableScore;
  edit(base);
  return Score.parse(base);
}

/** A score answer with some values replaced. */
const scoreWith = (values: { authentication?: string | null; liveness?: string | null }) =>
  editedScore((s) => {
    if ('authentication' in values) s.authentication.overall.value = values.authentication;
    if ('liveness' in values) s.liveness.overall.value = values.liveness;
  });

describe('session events', () => {
  it.each(SESSION_CASES)('$file: $meaning, event $eventName, its ids', (c) => {
    const read = session(c.file);
    expect(read.eventName).toBe(c.eventName);
    expect(read.ids).toEqual({ customerId: c.customerId, interviewId: c.interviewId });
    if (c.meaning === 'none') {
      expect(read.outcome).toBe('no-result');
      if (read.outcome !== 'no-result') return;
      expect(read.note).toContain(c.eventName ?? 'names no event type');
      expect(read.note).toContain('not forwarded');
      return;
    }
    const normalized = resultOf(read);
    expect(read.outcome === 'result' && read.scorable).toBe(true);
    expect(normalized.status).toBe(c.meaning);
    expect(normalized.source).toBe('workflows');
    expect(normalized.trigger).toEqual({ webhook: 'session', event: c.eventName });
    expect(normalized.ids.customerId).toBe(c.customerId);
    expect(normalized.ids.interviewId).toBe(c.interviewId);
    expect(normalized.enrichment).toEqual({ state: 'none', scoreStatus: null });
  });

  it('SESSION_SUCCEEDED: a PASS without a number, its hint and unknown fields kept', () => {
    const normalized = resultOf(session('session-succeeded'));
    expect(normalized).toMatchObject({
      status: 'PASS',
      reason: null,
      ids: {
        customerId: '6489a0b2f2b0e40012a7b111',
        interviewId: '6489a1c3f2b0e40012a7c0de',
        hint: 'maria.lopez@example.com',
        externalCustomerId: null,
        transactionId: null,
      },
      error: { code: null, name: null, message: null },
      faceMatch: null,
      spoof: { attempt: null, confidence: null },
      recognition: { confidence: null, candidates: null },
      overallScore: null,
    });
    expect(normalized.unknownFields).toEqual({
      flowId: '6480f0e1a2b3c4d5e6f70809',
      clientId: 'acme-bank',
      timestamp: '2026-11-25T11:59:32.005Z',
    });
  });

  it('an event named in `event` ("Session Succeeded") is a PASS like eventType SESSION_SUCCEEDED', () => {
    const normalized = resultOf(session('event-in-event-field'));
    expect(normalized.status).toBe('PASS');
    expect(normalized.trigger.event).toBe('SESSION_SUCCEEDED');
    // `event` is the event name, not an unknown field.
    expect(normalized.unknownFields).not.toHaveProperty('event');
  });

  it('customerId is read when identityId is missing', () => {
    const body = { ...sessionBody('session-succeeded'), identityId: null, customerId: 'c-42' };
    const read = interpret('session', body as SessionBody, mappings, META);
    expect(read.ids.customerId).toBe('c-42');
    expect(resultOf(read).ids.customerId).toBe('c-42');
  });

  it('an undocumented event name says nothing: no-result naming it', () => {
    const body = { ...sessionBody('session-succeeded'), eventType: 'Session Archived' };
    const read = interpret('session', body as SessionBody, mappings, META);
    expect(read.outcome).toBe('no-result');
    expect(read.eventName).toBe('SESSION_ARCHIVED');
    if (read.outcome === 'no-result') expect(read.note).toContain('SESSION_ARCHIVED');
  });

  it.each([['__proto__'], ['constructor'], ['to-string']])(
    'an event named %s is an unknown event',
    (eventType) => {
      const body = { ...sessionBody('session-succeeded'), eventType };
      expect(interpret('session', body as SessionBody, mappings, META).outcome).toBe('no-result');
    },
  );

  it('an event with no result ignores a score', () => {
    const read = session('session-started', score('score-face-authentication'));
    expect(read.outcome).toBe('no-result');
  });

  it('SESSION_FAILED with error.name: the reason through workflows-to-normalized', () => {
    const normalized = resultOf(session('session-failed'));
    expect(normalized.status).toBe('FAIL');
    expect(normalized.reason).toBe('USER_IS_NOT_RECOGNIZED');
    expect(normalized.error).toEqual({
      code: null,
      name: 'USER_IS_NOT_RECOGNIZED',
      message: 'User is not recognized',
    });
    expect(normalized.ids.hint).toBe('+525512345678');
  });

  it('SESSION_FAILED with SPOOF_DETECTED sets the spoof attempt, as the Face Authentication webhook does', () => {
    const body = {
      ...sessionBody('session-failed'),
      error: { name: 'SPOOF_DETECTED', message: 'Spoof attempt detected' },
    };
    const normalized = resultOf(interpret('session', body as SessionBody, mappings, META));
    expect(normalized.reason).toBe('SPOOF_DETECTED');
    expect(normalized.spoof.attempt).toBe(true);
  });

  it('SESSION_FAILED with an undocumented error.name: UNKNOWN_ERROR, the name kept', () => {
    const body = { ...sessionBody('session-failed'), error: { name: 'NEW_THING', message: 'x' } };
    const normalized = resultOf(interpret('session', body as SessionBody, mappings, META));
    expect(normalized.reason).toBe('UNKNOWN_ERROR');
    expect(normalized.error.name).toBe('NEW_THING');
  });

  it('SESSION_FAILED without an error: UNKNOWN_ERROR', () => {
    const normalized = resultOf(session('session-failed-without-error'));
    expect(normalized.status).toBe('FAIL');
    expect(normalized.reason).toBe('UNKNOWN_ERROR');
    expect(normalized.error).toEqual({ code: null, name: null, message: null });
  });

  it('SESSION_FAILED without an error, scored with a failed liveness: SPOOF_DETECTED', () => {
    const normalized = resultOf(
      session('session-failed-without-error', score('score-liveness-fail')),
    );
    expect(normalized.reason).toBe('SPOOF_DETECTED');
    expect(normalized.spoof).toEqual({ attempt: true, confidence: 0.965 });
    expect(normalized.enrichment).toEqual({ state: 'scored', scoreStatus: 'FAIL' });
  });

  it('SESSION_FAILED without an error, scored with a failed authentication: USER_IS_NOT_RECOGNIZED', () => {
    const normalized = resultOf(
      session('session-failed-without-error', score('score-authentication-fail')),
    );
    expect(normalized.reason).toBe('USER_IS_NOT_RECOGNIZED');
    expect(normalized.recognition.confidence).toBe(0.124);
    expect(normalized.spoof).toEqual({ attempt: false, confidence: 0 });
  });

  it('SESSION_FAILED with an error keeps its own reason whatever the score says', () => {
    const normalized = resultOf(session('session-failed', score('score-liveness-fail')));
    expect(normalized.reason).toBe('USER_IS_NOT_RECOGNIZED');
    expect(normalized.spoof.attempt).toBe(true);
  });
});

describe('onboarding statuses', () => {
  it.each(ONBOARDING_STATUSES)('%s: %s', (status, meaning) => {
    const read = onboarding(status);
    expect(read.eventName).toBe(status);
    expect(read.ids).toEqual({ customerId: null, interviewId: ONBOARDING_INTERVIEW_ID });
    if (meaning === 'none') {
      expect(read.outcome).toBe('no-result');
      if (read.outcome === 'no-result') {
        expect(read.note).toContain(status);
        expect(read.note).toContain('not forwarded');
      }
    } else {
      expect(read.outcome).toBe('needs-score');
    }
  });

  it('an undocumented status says nothing', () => {
    const body = { ...onboardingBody('ONBOARDING_FINISHED'), onboardingStatus: 'KYC_DONE' };
    const read = interpret('onboarding-status', body as OnboardingStatusBody, mappings, META);
    expect(read.outcome).toBe('no-result');
    expect(read.eventName).toBe('KYC_DONE');
  });

  it.each([['__proto__'], ['constructor'], ['toString'], ['hasOwnProperty']])(
    'an onboardingStatus named %s is an unknown status, not a property of the table',
    (status) => {
      const body = { ...onboardingBody('ONBOARDING_FINISHED'), onboardingStatus: status };
      const read = interpret('onboarding-status', body as OnboardingStatusBody, mappings, META);
      expect(read.outcome).toBe('no-result');
    },
  );

  it('ONBOARDING_FINISHED scored OK: PASS, the numbers and the identity from the score', () => {
    const read = onboarding('ONBOARDING_FINISHED', score('score-face-authentication'));
    const normalized = resultOf(read);
    expect(read.eventName).toBe('ONBOARDING_FINISHED');
    expect(normalized).toMatchObject({
      status: 'PASS',
      reason: null,
      ids: {
        customerId: '6655e5f1c0ffee0123456789',
        interviewId: ONBOARDING_INTERVIEW_ID,
        externalCustomerId: ONBOARDING_EXTERNAL_ID,
      },
      spoof: { attempt: false, confidence: 0 },
      recognition: { confidence: 0.892 },
      overallScore: 0.892,
      trigger: { webhook: 'onboarding-status', event: 'ONBOARDING_FINISHED' },
      enrichment: { state: 'scored', scoreStatus: 'OK' },
    });
  });

  it('ONBOARDING_FINISHED scored WARN: FAIL (Incode passes only OK)', () => {
    const normalized = resultOf(onboarding('ONBOARDING_FINISHED', score('score-warn')));
    expect(normalized.status).toBe('FAIL');
    expect(normalized.reason).toBe('UNKNOWN_ERROR');
    expect(normalized.recognition.confidence).toBe(0.713);
    expect(normalized.enrichment).toEqual({ state: 'scored', scoreStatus: 'WARN' });
  });

  it('ONBOARDING_FINISHED scored FAIL on liveness: FAIL, SPOOF_DETECTED', () => {
    const normalized = resultOf(onboarding('ONBOARDING_FINISHED', score('score-liveness-fail')));
    expect(normalized.status).toBe('FAIL');
    expect(normalized.reason).toBe('SPOOF_DETECTED');
    expect(normalized.spoof.attempt).toBe(true);
  });

  it('ONBOARDING_FINISHED scored FAIL on authentication: FAIL, USER_IS_NOT_RECOGNIZED', () => {
    const normalized = resultOf(
      onboarding('ONBOARDING_FINISHED', score('score-authentication-fail')),
    );
    expect(normalized.status).toBe('FAIL');
    expect(normalized.reason).toBe('USER_IS_NOT_RECOGNIZED');
  });

  it('ONBOARDING_FINISHED scored MANUAL_PENDING: no result, the note names the status', () => {
    const read = onboarding('ONBOARDING_FINISHED', score('score-manual-pending'));
    expect(read.outcome).toBe('no-result');
    if (read.outcome === 'no-result') expect(read.note).toContain('MANUAL_PENDING');
  });

  it.each([
    ['MANUAL_OK', 'PASS'],
    ['MANUAL_FAIL', 'FAIL'],
  ])('ONBOARDING_FINISHED scored %s: %s', (status, expected) => {
    const s = editedScore((edited) => {
      edited.overall.status = status;
    });
    expect(resultOf(onboarding('ONBOARDING_FINISHED', s)).status).toBe(expected);
  });

  it.each([['UNKNOWN'], ['MANUAL'], ['SOMETHING_NEW']])(
    'ONBOARDING_FINISHED scored %s: no result',
    (status) => {
      const s = editedScore((edited) => {
        edited.overall.status = status;
      });
      expect(onboarding('ONBOARDING_FINISHED', s).outcome).toBe('no-result');
    },
  );

  it('ONBOARDING_FINISHED with a score that has no overall: no result', () => {
    const read = onboarding('ONBOARDING_FINISHED', Score.parse({}));
    expect(read.outcome).toBe('no-result');
    if (read.outcome === 'no-result') expect(read.note).toContain('no face authentication');
  });

  it('ONBOARDING_FINISHED with a score without an authentication part: no result, even if overall says OK', () => {
    const read = onboarding(
      'ONBOARDING_FINISHED',
      Score.parse({ overall: { value: '94', status: 'OK' } }),
    );
    expect(read.outcome).toBe('no-result');
  });

  it.each(ONBOARDING_STATUSES.filter(([, meaning]) => meaning === 'none'))(
    '%s ignores a score',
    (status) => {
      expect(onboarding(status, score('score-face-authentication')).outcome).toBe('no-result');
    },
  );

  it('keeps clientId and flowId for the callback, as the session and Face Authentication webhooks do', () => {
    const normalized = resultOf(
      onboarding('ONBOARDING_FINISHED', score('score-face-authentication')),
    );
    expect(normalized.unknownFields).toEqual({
      clientId: 'acme-bank',
      flowId: '6480f0e1a2b3c4d5e6f70811',
    });
  });
});

describe('withScore', () => {
  const passed = () => resultOf(session('session-succeeded'));

  it('without a score returns the result as it was', () => {
    const normalized = passed();
    expect(withScore(normalized, undefined, mappings)).toBe(normalized);
  });

  it('scales Incode 0..100 strings to 0..1: "89.2" -> 0.892, liveness "100.0" -> spoof 0', () => {
    const normalized = withScore(passed(), score('score-face-authentication'), mappings);
    expect(normalized.recognition.confidence).toBe(0.892);
    expect(normalized.overallScore).toBe(0.892);
    expect(normalized.spoof).toEqual({ attempt: false, confidence: 0 });
    expect(normalized.enrichment).toEqual({ state: 'scored', scoreStatus: 'OK' });
    expect(NormalizedResult.safeParse(normalized).success).toBe(true);
  });

  it('liveness "3.5" -> spoof.confidence 0.965, liveness FAIL -> spoof.attempt true', () => {
    const normalized = withScore(passed(), score('score-liveness-fail'), mappings);
    expect(normalized.spoof).toEqual({ attempt: true, confidence: 0.965 });
    expect(normalized.recognition.confidence).toBe(0.91);
    expect(normalized.enrichment.scoreStatus).toBe('FAIL');
  });

  it('does not change the result it was given', () => {
    const normalized = passed();
    const before = structuredClone(normalized);
    withScore(normalized, score('score-face-authentication'), mappings);
    expect(normalized).toStrictEqual(before);
  });

  it('keeps what the event already says: the customer it named', () => {
    const normalized = withScore(passed(), score('score-face-authentication'), mappings);
    // The score names 6655e5f1c0ffee0123456789; the session named its own identity.
    expect(normalized.ids.customerId).toBe('6489a0b2f2b0e40012a7b111');
  });

  it('keeps what the event already says: a spoof attempt', () => {
    const spoof = resultOf(
      interpret(
        'session',
        {
          ...sessionBody('session-failed'),
          error: { name: 'SPOOF_DETECTED', message: 'Spoof attempt detected' },
        } as SessionBody,
        mappings,
        META,
      ),
    );
    const normalized = withScore(spoof, score('score-face-authentication'), mappings);
    expect(normalized.spoof.attempt).toBe(true);
    expect(normalized.spoof.confidence).toBe(0);
  });

  it('fills the customer from the score when the event named none', () => {
    const body = { ...sessionBody('session-succeeded'), identityId: null };
    const normalized = resultOf(
      interpret('session', body as SessionBody, mappings, META, score('score-face-authentication')),
    );
    expect(normalized.ids.customerId).toBe('6655e5f1c0ffee0123456789');
  });

  it('a score without an authentication part gives no recognition numbers', () => {
    const normalized = withScore(passed(), score('score-without-authentication'), mappings);
    expect(normalized.recognition.confidence).toBeNull();
    expect(normalized.overallScore).toBeNull();
    expect(normalized.spoof).toEqual({ attempt: false, confidence: 0.01 });
    expect(normalized.ids.customerId).toBe('6489a0b2f2b0e40012a7b111');
    expect(normalized.enrichment).toEqual({ state: 'scored', scoreStatus: 'OK' });
  });

  it('an empty score invents nothing', () => {
    const normalized = withScore(passed(), Score.parse({}), mappings);
    expect(normalized.recognition.confidence).toBeNull();
    expect(normalized.overallScore).toBeNull();
    expect(normalized.spoof).toEqual({ attempt: null, confidence: null });
    expect(normalized.enrichment).toEqual({ state: 'scored', scoreStatus: null });
  });

  it.each([['abc'], ['150'], [''], ['  '], ['-1'], ['100.1'], ['NaN'], ['Infinity'], [null]])(
    'a score value of %o leaves the numbers null',
    (value) => {
      const normalized = withScore(
        passed(),
        scoreWith({ authentication: value, liveness: value }),
        mappings,
      );
      expect(normalized.recognition.confidence).toBeNull();
      expect(normalized.overallScore).toBeNull();
      expect(normalized.spoof.confidence).toBeNull();
      // The statuses still count.
      expect(normalized.spoof.attempt).toBe(false);
    },
  );

  it('a score sent as a JSON number counts like its string', () => {
    const s = editedScore((edited) => {
      edited.authentication.overall.value = 89.2;
    });
    const normalized = withScore(passed(), s, mappings);
    expect(normalized.recognition.confidence).toBe(0.892);
  });

  it.each([
    ['0', 0, 1],
    ['0.0', 0, 1],
    ['50', 0.5, 0.5],
    ['99.9', 0.999, 0.001],
    ['100', 1, 0],
  ])('"%s": recognition %d, spoof %d', (value, recognition, spoof) => {
    const normalized = withScore(
      passed(),
      scoreWith({ authentication: value, liveness: value }),
      mappings,
    );
    expect(normalized.recognition.confidence).toBe(recognition);
    expect(normalized.spoof.confidence).toBe(spoof);
  });
});

describe('scaled', () => {
  it.each([
    ['89.2', 'percent', 0.892],
    ['100.0', 'inversePercent', 0],
    ['3.5', 'inversePercent', 0.965],
    [' 94.6 ', 'percent', 0.946],
    [12.4, 'percent', 0.124],
    ['abc', 'percent', null],
    ['', 'percent', null],
    ['150', 'percent', null],
    ['-0.5', 'percent', null],
    [true, 'percent', null],
    [null, 'inversePercent', null],
  ] as const)('%o as %s -> %o', (value, scale, expected) => {
    expect(scaled(value, scale)).toBe(expected);
  });

  it('passes a value through without a scale', () => {
    expect(scaled('6655e5f1c0ffee0123456789', undefined)).toBe('6655e5f1c0ffee0123456789');
  });

  it('a hexadecimal or binary string is not a score: "0x10", "0b11" -> null', () => {
    expect(scaled('0x10', 'percent')).toBeNull();
    expect(scaled('0b11', 'percent')).toBeNull();
  });
});

describe('the legacy body rendered from a Workflows result', () => {
  it('a scored Face Authentication PASS carries overallScore, recognitionConfidence.confidence and spoofConfidence', () => {
    const body = renderLegacy(
      resultOf(faceAuthentication('pass', score('score-face-authentication'))),
      mappings.toLegacy,
    );
    expect(body).toMatchObject({
      customerId: '67460a9995516d9a553aa95b',
      interviewId: '6650b2c7e4b0a1d2c3f4a500',
      overallStatus: 'PASS',
      faceMatch: true,
      spoofAttempt: false,
      spoofConfidence: 0,
      recognitionConfidence: { confidence: 0.892 },
      overallScore: 0.892,
    });
  });

  it('an unscored Face Authentication PASS carries none of the numbers', () => {
    const body = renderLegacy(resultOf(faceAuthentication('pass')), mappings.toLegacy);
    expect(body.overallStatus).toBe('PASS');
    expect(body).not.toHaveProperty('overallScore');
    expect(body).not.toHaveProperty('spoofConfidence');
    expect(body.recognitionConfidence).toEqual({});
  });

  it('a scored Face Authentication FAIL carries the real numbers instead of overallScore 0', () => {
    const body = renderLegacy(
      resultOf(
        faceAuthentication('fail-user-is-not-recognized', score('score-authentication-fail')),
      ),
      mappings.toLegacy,
    );
    expect(body).toMatchObject({
      overallStatus: 'FAIL',
      faceMatch: false,
      overallScore: 0.124,
      recognitionConfidence: { confidence: 0.124 },
      spoofConfidence: 0,
      errorCode: 4015,
    });
  });

  it('SESSION_SUCCEEDED unscored: the legacy 1:1 body, no number', () => {
    const body = renderLegacy(resultOf(session('session-succeeded')), mappings.toLegacy);
    expect(body).toEqual({
      customerId: '6489a0b2f2b0e40012a7b111',
      interviewId: '6489a1c3f2b0e40012a7c0de',
      faceMatch: true,
      spoofAttempt: false,
      hasFaceMask: false,
      hasLenses: false,
      recognitionConfidence: {},
      overallStatus: 'PASS',
      hint: 'maria.lopez@example.com',
      flowId: '6480f0e1a2b3c4d5e6f70809',
      clientId: 'acme-bank',
      timestamp: '2026-11-25T11:59:32.005Z',
    });
  });

  it('SESSION_SUCCEEDED scored: the numbers', () => {
    const body = renderLegacy(
      resultOf(session('session-succeeded', score('score-face-authentication'))),
      mappings.toLegacy,
    );
    expect(body).toMatchObject({
      customerId: '6489a0b2f2b0e40012a7b111',
      overallStatus: 'PASS',
      overallScore: 0.892,
      recognitionConfidence: { confidence: 0.892 },
      spoofConfidence: 0,
    });
  });

  it('SESSION_FAILED with USER_IS_NOT_RECOGNIZED: the legacy 4015 error, overallScore 0', () => {
    const body = renderLegacy(resultOf(session('session-failed')), mappings.toLegacy);
    expect(body).toMatchObject({
      customerId: '6489a0b2f2b0e40012a7b222',
      interviewId: '6489a1c3f2b0e40012a7c0e1',
      faceMatch: false,
      overallStatus: 'FAIL',
      overallScore: 0,
      error: 'User is not recognized',
      errorCode: 4015,
    });
    expect(body).not.toHaveProperty('spoofConfidence');
  });

  it('ONBOARDING_FINISHED scored OK: a legacy PASS with the numbers and the score identity', () => {
    const body = renderLegacy(
      resultOf(onboarding('ONBOARDING_FINISHED', score('score-face-authentication'))),
      mappings.toLegacy,
    );
    expect(body).toMatchObject({
      customerId: '6655e5f1c0ffee0123456789',
      interviewId: ONBOARDING_INTERVIEW_ID,
      faceMatch: true,
      overallStatus: 'PASS',
      overallScore: 0.892,
      spoofConfidence: 0,
      recognitionConfidence: { confidence: 0.892 },
      externalCustomerId: ONBOARDING_EXTERNAL_ID,
    });
  });
});

describe('Face Authentication attempts and the score', () => {
  const score = () => Score.parse(readFixtureJson('incode/score-face-authentication.json'));
  const attempt = (overallStatus: 'PASS' | 'FAIL', remaining: number | null) =>
    interpret(
      'face-authentication',
      FaceAuthenticationBody.parse({
        interviewId: 'interview-1',
        customerId: 'customer-1',
        overallStatus,
        ...(overallStatus === 'FAIL'
          ? { error: { name: 'USER_IS_NOT_RECOGNIZED', message: 'not recognized' } }
          : {}),
        ...(remaining === null ? {} : { attemptCounterState: { max: 3, remaining } }),
      }),
      mappings,
      META,
      score(),
    );

  it('a FAIL with attempts left is not scored: the session score belongs to a later attempt', () => {
    const read = attempt('FAIL', 2);
    expect(read).toMatchObject({ outcome: 'result', scorable: false });
    const result = resultOf(read);
    expect(result.overallScore).toBeNull();
    expect(result.recognition.confidence).toBeNull();
    expect(result.enrichment).toEqual({ state: 'none', scoreStatus: null });
  });

  it('the last FAIL, a FAIL without a counter, and a PASS are scored', () => {
    for (const read of [attempt('FAIL', 0), attempt('FAIL', null), attempt('PASS', 2)]) {
      expect(read).toMatchObject({ outcome: 'result', scorable: true });
      expect(resultOf(read).overallScore).toBe(0.892);
    }
  });
});
