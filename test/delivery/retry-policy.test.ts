import { describe, expect, it } from 'vitest';
import {
  decide,
  JITTER,
  MAX_RETRY_AFTER_MS,
  PERMANENT_ATTEMPTS,
} from '../../src/delivery/retry-policy.js';

// N delays between attempts: N + 1 attempts, the first at once; after the last, dead.
const SCHEDULE = [10_000, 60_000, 300_000] as const;
const HOUR = 60 * 60 * 1000;

type Outcome = Parameters<typeof decide>[0];
const answered = (statusCode: number, retryAfterMs: number | null = null): Outcome => ({
  ok: statusCode >= 200 && statusCode < 300,
  statusCode,
  retryAfterMs,
});
const noAnswer: Outcome = { ok: false, statusCode: null, retryAfterMs: null };

describe('decide: what happens after one delivery attempt', () => {
  it('the policy constants are the ones the issue states', () => {
    expect(JITTER).toBe(0.2);
    expect(MAX_RETRY_AFTER_MS).toBe(HOUR);
  });

  it.each([
    ['200', answered(200), 1],
    ['204', answered(204), 1],
    ['299 on the last attempt', answered(299), SCHEDULE.length + 1],
  ])('a 2xx ends delivery: %s', (_name, outcome, attempt) => {
    expect(decide(outcome, attempt, SCHEDULE, 0.5)).toEqual({ kind: 'delivered' });
  });

  it.each([1, 2, SCHEDULE.length, SCHEDULE.length + 1])(
    '410 Gone makes the event dead at once (attempt %i), even with attempts left',
    (attempt) => {
      const verdict = decide(answered(410), attempt, SCHEDULE, 0.5);
      expect(verdict.kind).toBe('dead');
      expect(verdict).toMatchObject({ why: expect.stringContaining('410') });
    },
  );

  it('410 is dead even when it carries a long Retry-After', () => {
    expect(decide(answered(410, 30_000), 1, SCHEDULE, 0.5).kind).toBe('dead');
  });

  it.each([
    // attempt, expected verdict kind: N delays -> attempts 1..N retry, attempt N + 1 is the last.
    [1, 'retry'],
    [2, 'retry'],
    [3, 'retry'],
    [4, 'dead'],
    [5, 'dead'],
  ] as const)('with 3 delays (4 attempts) a failed attempt %i means %s', (attempt, kind) => {
    expect(decide(answered(500), attempt, SCHEDULE, 0.5).kind).toBe(kind);
  });

  it('the delay after attempt k is the k-th delay of the schedule', () => {
    SCHEDULE.forEach((delay, index) => {
      expect(decide(answered(500), index + 1, SCHEDULE, 0.5)).toEqual({
        kind: 'retry',
        delayMs: delay,
      });
    });
  });

  it('a one-delay schedule gives exactly two attempts', () => {
    expect(decide(noAnswer, 1, [5_000], 0.5)).toEqual({ kind: 'retry', delayMs: 5_000 });
    expect(decide(noAnswer, 2, [5_000], 0.5).kind).toBe('dead');
  });

  it('an empty schedule gives a single attempt', () => {
    expect(decide(answered(500), 1, [], 0.5).kind).toBe('dead');
  });

  it.each([
    ['random 0 gives 0.8 x the delay', 0, 8_000],
    ['random 0.5 gives the delay itself', 0.5, 10_000],
    ['random 0.25 gives 0.9 x the delay', 0.25, 9_000],
    ['random 0.75 gives 1.1 x the delay', 0.75, 11_000],
    ['random just under 1 gives 1.2 x the delay', 0.999_999_9, 12_000],
  ])('jitter of ±20%%: %s', (_name, random, expected) => {
    expect(decide(answered(503), 1, [10_000], random)).toEqual({
      kind: 'retry',
      delayMs: expected,
    });
  });

  it('jitter stays within ±20% for any random value', () => {
    const delay = 120_000;
    for (let i = 0; i < 1000; i++) {
      const random = i / 1000;
      const verdict = decide(noAnswer, 1, [delay], random);
      if (verdict.kind !== 'retry') throw new Error(`expected a retry, got ${verdict.kind}`);
      expect(verdict.delayMs).toBeGreaterThanOrEqual(delay * 0.8);
      expect(verdict.delayMs).toBeLessThanOrEqual(delay * 1.2);
      expect(Number.isInteger(verdict.delayMs)).toBe(true);
    }
  });

  it.each([
    ['429 with a Retry-After longer than the delay waits for it', answered(429, 45_000), 45_000],
    ['503 with a Retry-After longer than the delay waits for it', answered(503, 45_000), 45_000],
    ['a Retry-After over an hour is capped at an hour', answered(429, 5 * HOUR), HOUR],
    ['a Retry-After of exactly an hour is kept', answered(503, HOUR), HOUR],
    ['a shorter Retry-After does not shorten the delay', answered(429, 1_000), 10_000],
    ['a Retry-After of 0 does not shorten the delay', answered(503, 0), 10_000],
    ['no Retry-After: the jittered delay', answered(503), 10_000],
  ])('%s', (_name, outcome, expected) => {
    expect(decide(outcome, 1, [10_000, 60_000], 0.5)).toEqual({
      kind: 'retry',
      delayMs: expected,
    });
  });

  it('a capped Retry-After does not shorten a scheduled delay longer than an hour', () => {
    expect(decide(answered(429, 10 * HOUR), 1, [6 * HOUR], 0.5)).toEqual({
      kind: 'retry',
      delayMs: 6 * HOUR,
    });
  });

  it('a Retry-After does not bring back attempts once the schedule is used up', () => {
    expect(decide(answered(429, 30_000), SCHEDULE.length + 1, SCHEDULE, 0.5).kind).toBe('dead');
  });

  it.each([
    ['301', answered(301)],
    ['302', answered(302)],
    ['304', answered(304)],
    ['400', answered(400)],
    ['404', answered(404)],
    ['429', answered(429)],
    ['500', answered(500)],
    ['502', answered(502)],
    ['503', answered(503)],
    ['504', answered(504)],
    ['a timeout or refused connection (no status code)', noAnswer],
  ])('%s is retried on the schedule', (_name, outcome) => {
    expect(decide(outcome, 2, SCHEDULE, 0.5)).toEqual({ kind: 'retry', delayMs: 60_000 });
  });

  it.each([400, 404, 405, 413, 415, 422])(
    'a permanent refusal (%i) is retried twice, then dead at its third attempt',
    (status) => {
      expect(PERMANENT_ATTEMPTS).toBe(3);
      expect(decide(answered(status), 1, SCHEDULE, 0.5).kind).toBe('retry');
      expect(decide(answered(status), 2, SCHEDULE, 0.5).kind).toBe('retry');
      const verdict = decide(answered(status, 1_000), 3, SCHEDULE, 0.5);
      expect(verdict).toEqual({
        kind: 'dead',
        why: `the callback refused it 3 times (HTTP ${status}): a permanent refusal`,
      });
    },
  );

  it.each([401, 403, 408, 409, 425, 429, 500, 503])(
    '%i is not a permanent refusal: retried until the schedule is used up',
    (status) => {
      expect(decide(answered(status), 3, SCHEDULE, 0.5)).toEqual({
        kind: 'retry',
        delayMs: 300_000,
      });
    },
  );
});
