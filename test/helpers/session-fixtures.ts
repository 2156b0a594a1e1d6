import { Score } from '../../src/incode/score-schema.js';
import type { OnboardingStatusBody } from '../../src/intake/onboarding-schema.js';
import { parseWebhook } from '../../src/intake/parse-webhook.js';
import type { SessionBody } from '../../src/intake/session-schema.js';
import { readFixtureBytes, readFixtureJson } from './fixtures.js';

// The fixtures of the Flows/Workflows session webhooks, the onboarding status webhook and
// Incode's score answer (test/fixtures/session, onboarding, incode), with what each means.

/** What a session or onboarding event means for the callback (mappings/sessions-to-normalized.yaml). */
export type Meaning = 'PASS' | 'FAIL' | 'none' | 'score';

export interface SessionCase {
  /** File name in test/fixtures/session/ without `.json`. */
  file: string;
  /** The event name as sessionEventName() spells it. */
  eventName: string | null;
  meaning: Meaning;
  interviewId: string;
  customerId: string;
}

export const SESSION_CASES: SessionCase[] = [
  {
    file: 'session-started',
    eventName: 'SESSION_STARTED',
    meaning: 'none',
    interviewId: '6489a1c3f2b0e40012a7c0de',
    customerId: '6489a0b2f2b0e40012a7b111',
  },
  {
    file: 'session-progress',
    eventName: 'SESSION_PROGRESS',
    meaning: 'none',
    interviewId: '6489a1c3f2b0e40012a7c0de',
    customerId: '6489a0b2f2b0e40012a7b111',
  },
  {
    file: 'session-succeeded',
    eventName: 'SESSION_SUCCEEDED',
    meaning: 'PASS',
    interviewId: '6489a1c3f2b0e40012a7c0de',
    customerId: '6489a0b2f2b0e40012a7b111',
  },
  {
    file: 'session-failed',
    eventName: 'SESSION_FAILED',
    meaning: 'FAIL',
    interviewId: '6489a1c3f2b0e40012a7c0e1',
    customerId: '6489a0b2f2b0e40012a7b222',
  },
  {
    file: 'session-failed-without-error',
    eventName: 'SESSION_FAILED',
    meaning: 'FAIL',
    interviewId: '6489a1c3f2b0e40012a7c0e2',
    customerId: '6489a0b2f2b0e40012a7b333',
  },
  {
    file: 'session-pending-review',
    eventName: 'SESSION_PENDING_REVIEW',
    meaning: 'none',
    interviewId: '6489a1c3f2b0e40012a7c0de',
    customerId: '6489a0b2f2b0e40012a7b111',
  },
  {
    file: 'identity-enrolled',
    eventName: 'IDENTITY_ENROLLED',
    meaning: 'none',
    interviewId: '6489a1c3f2b0e40012a7c0df',
    customerId: '6489a0b2f2b0e40012a7b444',
  },
  {
    file: 'event-in-event-field',
    eventName: 'SESSION_SUCCEEDED',
    meaning: 'PASS',
    interviewId: '6489a1c3f2b0e40012a7c0e3',
    customerId: '6489a0b2f2b0e40012a7b555',
  },
  {
    file: 'no-event-name',
    eventName: null,
    meaning: 'none',
    interviewId: '6489a1c3f2b0e40012a7c0e4',
    customerId: '6489a0b2f2b0e40012a7b666',
  },
];

/** The onboarding statuses Incode documents, and what each means. */
export const ONBOARDING_STATUSES: [status: string, meaning: Meaning][] = [
  ['ID_VALIDATION_FINISHED', 'none'],
  ['FACE_VALIDATION_FINISHED', 'none'],
  ['POST_PROCESSING_FINISHED', 'none'],
  ['GOVERNMENT_VALIDATION_FINISHED', 'none'],
  ['ONBOARDING_FINISHED', 'score'],
  ['MANUAL_REVIEW_APPROVED', 'score'],
  ['MANUAL_REVIEW_REJECTED', 'score'],
];

export const ONBOARDING_INTERVIEW_ID = '6489b7d2f2b0e40012a7d0aa';
export const ONBOARDING_EXTERNAL_ID = 'crm-008842';

/** `ONBOARDING_FINISHED` -> `onboarding/onboarding-finished.json`. */
export const onboardingFile = (status: string): string =>
  `onboarding/${status.toLowerCase().replaceAll('_', '-')}.json`;

export const sessionFile = (name: string): string => `session/${name}.json`;

/** A session fixture parsed as the service parses it. */
export function sessionBody(name: string): SessionBody {
  const parsed = parseWebhook('session', readFixtureBytes(sessionFile(name)));
  if (!parsed.ok) throw new Error(`session/${name}.json: ${parsed.message}`);
  return parsed.body as SessionBody;
}

/** An onboarding fixture parsed as the service parses it. */
export function onboardingBody(status: string): OnboardingStatusBody {
  const parsed = parseWebhook('onboarding-status', readFixtureBytes(onboardingFile(status)));
  if (!parsed.ok) throw new Error(`${onboardingFile(status)}: ${parsed.message}`);
  return parsed.body as OnboardingStatusBody;
}

/** A score answer in test/fixtures/incode/, parsed as the Incode client parses it. */
export const score = (name: string): Score => Score.parse(readFixtureJson(`incode/${name}.json`));
