import { describe, expect, it } from 'vitest';
import { parseWebhook } from '../../src/intake/parse-webhook.js';
import { type SessionBody, sessionEventName } from '../../src/intake/session-schema.js';
import { readFixtureBytes, readFixtureJson } from '../helpers/fixtures.js';
import {
  ONBOARDING_STATUSES,
  onboardingFile,
  SESSION_CASES,
  sessionFile,
} from '../helpers/session-fixtures.js';

const bytes = (value: unknown) => new TextEncoder().encode(JSON.stringify(value));

function rejected(outcome: ReturnType<typeof parseWebhook>) {
  if (outcome.ok) throw new Error('expected the body to be rejected');
  return outcome;
}

describe('session webhook bodies', () => {
  it.each(SESSION_CASES.map((c) => c.file))('the %s fixture parses, exactly as sent', (file) => {
    const outcome = parseWebhook('session', readFixtureBytes(sessionFile(file)));
    expect(outcome.ok).toBe(true);
    if (outcome.ok) expect(outcome.body).toStrictEqual(readFixtureJson(sessionFile(file)));
  });

  it('require interviewId: 422 naming the body and the field', () => {
    const body = readFixtureJson(sessionFile('session-succeeded')) as Record<string, unknown>;
    delete body.interviewId;
    const outcome = rejected(parseWebhook('session', bytes(body)));
    expect(outcome.status).toBe(422);
    expect(outcome.code).toBe('invalid_payload');
    expect(outcome.message).toContain('a Flows/Workflows session webhook body');
    expect(outcome.message).toContain('interviewId');
    expect(outcome.issues?.map((i) => i.path)).toEqual(['interviewId']);
  });

  it('refuse an interviewId that is not a string', () => {
    const outcome = rejected(parseWebhook('session', bytes({ interviewId: 42 })));
    expect(outcome.status).toBe(422);
    expect(outcome.issues?.map((i) => i.path)).toEqual(['interviewId']);
  });

  it('refuse a body that is not an object', () => {
    const outcome = rejected(parseWebhook('session', bytes(['SESSION_SUCCEEDED'])));
    expect(outcome.status).toBe(422);
    expect(outcome.message).toContain('a Flows/Workflows session webhook body');
  });

  it('need nothing but interviewId', () => {
    const minimal = { interviewId: '6489a1c3f2b0e40012a7c0de' };
    const outcome = parseWebhook('session', bytes(minimal));
    expect(outcome).toEqual({ ok: true, body: minimal });
  });

  it('take null for every optional field', () => {
    const body = {
      interviewId: '6489a1c3f2b0e40012a7c0de',
      eventType: null,
      event: null,
      identityId: null,
      customerId: null,
      loginHint: null,
      externalCustomerId: null,
      error: null,
    };
    expect(parseWebhook('session', bytes(body)).ok).toBe(true);
  });

  it('keep unknown fields, nested ones too', () => {
    const body = {
      ...(readFixtureJson(sessionFile('session-progress')) as Record<string, unknown>),
      metadata: { channel: 'web', tags: ['vip'] },
      error: { name: 'X', message: 'y', detail: { retryable: false } },
    };
    const outcome = parseWebhook('session', bytes(body));
    expect(outcome.ok).toBe(true);
    if (!outcome.ok) return;
    expect(outcome.body).toStrictEqual(body);
    const session = outcome.body as SessionBody & Record<string, unknown>;
    expect(session.flowId).toBe('6480f0e1a2b3c4d5e6f70809');
    expect(session.clientId).toBe('acme-bank');
    expect(session.step).toEqual({ index: 1, of: 2 });
    expect(session.metadata).toEqual({ channel: 'web', tags: ['vip'] });
  });
});

describe('sessionEventName', () => {
  const name = (fields: Record<string, unknown>) =>
    sessionEventName({ interviewId: 'i', ...fields } as SessionBody);

  it.each(SESSION_CASES)('reads $eventName from the $file fixture', (c) => {
    const outcome = parseWebhook('session', readFixtureBytes(sessionFile(c.file)));
    if (!outcome.ok) throw new Error(outcome.message);
    expect(sessionEventName(outcome.body as SessionBody)).toBe(c.eventName);
  });

  it.each([
    [{ eventType: 'SESSION_SUCCEEDED' }, 'SESSION_SUCCEEDED'],
    [{ event: 'SESSION_SUCCEEDED' }, 'SESSION_SUCCEEDED'],
    [{ event: 'Session Succeeded' }, 'SESSION_SUCCEEDED'],
    [{ eventType: 'session-succeeded' }, 'SESSION_SUCCEEDED'],
    [{ eventType: 'session_succeeded' }, 'SESSION_SUCCEEDED'],
    [{ eventType: '  Session   Pending - Review ' }, 'SESSION_PENDING_REVIEW'],
    [{ eventType: 'Identity Enrolled' }, 'IDENTITY_ENROLLED'],
    [{ eventType: 'session\tfailed' }, 'SESSION_FAILED'],
  ])('normalizes %o to %s', (fields, expected) => {
    expect(name(fields)).toBe(expected);
  });

  it('prefers eventType to event', () => {
    expect(name({ eventType: 'SESSION_FAILED', event: 'Session Succeeded' })).toBe(
      'SESSION_FAILED',
    );
  });

  it('falls back to `event` when eventType is blank', () => {
    expect(name({ eventType: '', event: 'Session Succeeded' })).toBe('SESSION_SUCCEEDED');
  });

  it.each([
    [{}],
    [{ eventType: null }],
    [{ eventType: '' }],
    [{ event: '   ' }],
    [{ eventType: null, event: null }],
  ])('is null when the body names no event: %o', (fields) => {
    expect(name(fields)).toBeNull();
  });
});

describe('onboarding status webhook bodies', () => {
  it.each(ONBOARDING_STATUSES.map(([status]) => status))(
    'the %s fixture parses, exactly as sent',
    (status) => {
      const file = onboardingFile(status);
      const outcome = parseWebhook('onboarding-status', readFixtureBytes(file));
      expect(outcome.ok).toBe(true);
      if (!outcome.ok) return;
      expect(outcome.body).toStrictEqual(readFixtureJson(file));
      expect(outcome.body).toMatchObject({
        onboardingStatus: status,
        externalId: 'crm-008842',
        clientId: 'acme-bank',
        flowId: '6480f0e1a2b3c4d5e6f70811',
      });
    },
  );

  it('require interviewId: 422 naming the body', () => {
    const outcome = rejected(
      parseWebhook('onboarding-status', bytes({ onboardingStatus: 'ONBOARDING_FINISHED' })),
    );
    expect(outcome.status).toBe(422);
    expect(outcome.code).toBe('invalid_payload');
    expect(outcome.message).toContain('an onboarding status webhook body');
    expect(outcome.issues?.map((i) => i.path)).toEqual(['interviewId']);
  });

  it.each([
    ['missing', {}],
    ['null', { onboardingStatus: null }],
    ['empty', { onboardingStatus: '' }],
    ['not a string', { onboardingStatus: 5 }],
  ])('require onboardingStatus (%s): 422', (_case, fields) => {
    const outcome = rejected(
      parseWebhook(
        'onboarding-status',
        bytes({ interviewId: '6489b7d2f2b0e40012a7d0aa', ...fields }),
      ),
    );
    expect(outcome.status).toBe(422);
    expect(outcome.message).toContain('an onboarding status webhook body');
    expect(outcome.message).toContain('onboardingStatus');
    expect(outcome.issues?.map((i) => i.path)).toEqual(['onboardingStatus']);
  });

  it('accept an undocumented status (its meaning is decided by the table)', () => {
    const body = { interviewId: '6489b7d2f2b0e40012a7d0aa', onboardingStatus: 'SOMETHING_NEW' };
    expect(parseWebhook('onboarding-status', bytes(body))).toEqual({ ok: true, body });
  });

  it('need neither externalId, clientId nor flowId, and take null for them', () => {
    const minimal = { interviewId: 'i', onboardingStatus: 'ONBOARDING_FINISHED' };
    expect(parseWebhook('onboarding-status', bytes(minimal)).ok).toBe(true);
    const nulls = { ...minimal, externalId: null, clientId: null, flowId: null };
    expect(parseWebhook('onboarding-status', bytes(nulls)).ok).toBe(true);
  });

  it('keep unknown fields', () => {
    const body = {
      ...(readFixtureJson(onboardingFile('ONBOARDING_FINISHED')) as Record<string, unknown>),
      timestamp: '2026-11-25T12:00:00Z',
      extra: { nested: [1, 2] },
    };
    expect(parseWebhook('onboarding-status', bytes(body))).toEqual({ ok: true, body });
  });
});
