import { describe, expect, it } from 'vitest';
import {
  counterpartQuery,
  fateOf,
  isSameLogin,
  type LoginIds,
  pickCounterpart,
} from '../../../src/store/rules/login.js';
import type { EventStatus } from '../../../src/store/store.js';

const T0 = Date.parse('2026-11-25T12:00:00.000Z');
const SECOND = 1000;
const WINDOW = 300 * SECOND;

type Report = LoginIds & { id: string };

/** A report: ids starting with `l` are legacy, the others Workflows. */
const at = (
  id: string,
  offsetMs: number,
  customerId: string | null = 'c1',
  interviewId: string | null = null,
): Report => ({
  id,
  source: id.startsWith('l') ? 'legacy' : 'workflows',
  customerId,
  interviewId,
  receivedAt: T0 + offsetMs,
});

describe('isSameLogin: the one rule for "the same login"', () => {
  it.each<[string, Report, Report, boolean]>([
    ['same customer, same moment, no interview', at('l', 0), at('w', 0), true],
    ['same customer, well inside the window', at('l', 0), at('w', 30 * SECOND), true],
    ['the Workflows report arrived first', at('l', 30 * SECOND), at('w', 0), true],
    ['exactly at the window boundary (inside)', at('l', 0), at('w', WINDOW), true],
    ['one millisecond outside the window', at('l', 0), at('w', WINDOW + 1), false],
    ['two reports of one source are never one login', at('l1', 0), at('l2', 0), false],
    ['different customers', at('l', 0, 'c1'), at('w', 0, 'c2'), false],
    ['same interview, same customer', at('l', 0, 'c1', 'i1'), at('w', 0, 'c1', 'i1'), true],
    [
      'same interview, the Workflows one names no customer',
      at('l', 0, 'c1', 'i1'),
      at('w', 0, null, 'i1'),
      true,
    ],
    [
      'same interview but two different customers',
      at('l', 0, 'c1', 'i1'),
      at('w', 0, 'c2', 'i1'),
      false,
    ],
    [
      'both carry an interview and they differ',
      at('l', 0, 'c1', 'i1'),
      at('w', 0, 'c1', 'i2'),
      false,
    ],
    [
      'the legacy report carries no interview: the customer decides',
      at('l', 0, 'c1', null),
      at('w', 0, 'c1', 'i2'),
      true,
    ],
    [
      'the Workflows report carries no interview',
      at('l', 0, 'c1', 'i1'),
      at('w', 0, 'c1', null),
      true,
    ],
    [
      'no interview on the legacy side, no customer on the other: nothing shared',
      at('l', 0, 'c1', null),
      at('w', 0, null, 'i1'),
      false,
    ],
    ['neither carries anything', at('l', 0, null, null), at('w', 0, null, null), false],
    [
      'same interview but outside the window',
      at('l', 0, 'c1', 'i1'),
      at('w', WINDOW + 1, 'c1', 'i1'),
      false,
    ],
  ])('%s -> %s', (_name, a, b, expected) => {
    expect(isSameLogin(a, b, WINDOW)).toBe(expected);
    // The relation is symmetric.
    expect(isSameLogin(b, a, WINDOW)).toBe(expected);
  });

  it('a window of zero matches only reports received at the same millisecond', () => {
    expect(isSameLogin(at('l', 0), at('w', 0), 0)).toBe(true);
    expect(isSameLogin(at('l', 0), at('w', 1), 0)).toBe(false);
  });

  it('the stores look where the rule can match: the other source, the window, the customer or the interview', () => {
    expect(counterpartQuery(at('l', 0, 'c1', 'i1'), WINDOW)).toEqual({
      source: 'workflows',
      customerId: 'c1',
      interviewId: 'i1',
      from: T0 - WINDOW,
      to: T0 + WINDOW,
    });
    expect(counterpartQuery(at('w', 0, null, 'i1'), WINDOW).source).toBe('legacy');
  });
});

describe('pickCounterpart', () => {
  it.each<[string, Report, Report[], string | undefined]>([
    ['no candidates', at('l', 0), [], undefined],
    ['the only candidate inside the window', at('l', 0), [at('w1', 10 * SECOND)], 'w1'],
    ['the only candidate is outside the window', at('l', 0), [at('w1', WINDOW + 1)], undefined],
    [
      'the nearest in time wins, before or after',
      at('l', 0),
      [at('w1', 200 * SECOND), at('w2', -50 * SECOND), at('w3', 100 * SECOND)],
      'w2',
    ],
    [
      'reports of other customers are never picked, however near',
      at('l', 0, 'c1'),
      [at('w1', 1, 'c2'), at('w2', 120 * SECOND, 'c1')],
      'w2',
    ],
    [
      'an interview match beats a nearer candidate without an interview',
      at('l', 0, 'c1', 'i1'),
      [at('w1', 5 * SECOND, 'c1', null), at('w2', 250 * SECOND, 'c1', 'i1')],
      'w2',
    ],
    [
      'a different interview is never picked, even the nearest',
      at('l', 0, 'c1', 'i1'),
      [at('w1', 1 * SECOND, 'c1', 'i2'), at('w2', 200 * SECOND, 'c1', null)],
      'w2',
    ],
    [
      'a Workflows report naming no customer is found by its interview',
      at('l', 0, 'c1', 'i1'),
      [at('w1', 2 * SECOND, null, 'i1')],
      'w1',
    ],
    [
      'at equal distance, the candidate listed first (the earlier arrival)',
      at('l', 0),
      [at('w1', -60 * SECOND), at('w2', 60 * SECOND)],
      'w1',
    ],
  ])('%s', (_name, event, candidates, expected) => {
    expect(pickCounterpart(event, candidates, WINDOW)?.id).toBe(expected);
  });

  /** As a store does it: each arrival takes the picked candidate out of the unmatched ones. */
  function matchInArrivalOrder(arrivals: Report[]): [string, string][] {
    const unmatched: Report[] = [];
    const pairs: [string, string][] = [];
    for (const event of arrivals) {
      const match = pickCounterpart(event, unmatched, WINDOW);
      if (match) {
        unmatched.splice(unmatched.indexOf(match), 1);
        pairs.push(event.source === 'legacy' ? [event.id, match.id] : [match.id, event.id]);
      } else unmatched.push(event);
    }
    return pairs;
  }

  it.each<[string, Report[], [string, string][]]>([
    [
      'attempts a minute apart, each reported by both sources within seconds',
      [at('l1', 0), at('w1', 3 * SECOND), at('l2', 60 * SECOND), at('w2', 62 * SECOND)],
      [
        ['l1', 'w1'],
        ['l2', 'w2'],
      ],
    ],
    [
      'with interviews on both sides, late Workflows reports still find their own attempt',
      [
        at('l1', 0, 'c1', 'i1'),
        at('l2', 60 * SECOND, 'c1', 'i2'),
        at('w1', 61 * SECOND, 'c1', 'i1'),
        at('w2', 62 * SECOND, 'c1', 'i2'),
      ],
      [
        ['l1', 'w1'],
        ['l2', 'w2'],
      ],
    ],
    [
      'three legacy attempts and two Workflows ones: one legacy attempt stays a login of its own',
      [
        at('l1', 0),
        at('w1', 1 * SECOND),
        at('l2', 60 * SECOND),
        at('w2', 61 * SECOND),
        at('l3', 120 * SECOND),
      ],
      [
        ['l1', 'w1'],
        ['l2', 'w2'],
      ],
    ],
  ])('several attempts of one customer: %s', (_name, arrivals, expected) => {
    const pairs = matchInArrivalOrder(arrivals);
    expect(pairs).toEqual(expected);
    expect(new Set(pairs.flat()).size).toBe(pairs.flat().length);
  });
});

describe('fateOf: what a stored report is to the callback', () => {
  it.each<[EventStatus, boolean, number | null, ReturnType<typeof fateOf>]>([
    ['pending', false, null, 'forwarded'],
    ['delivered', true, null, 'forwarded'],
    ['dead', false, null, 'forwarded'],
    ['shadowed', true, T0, 'waiting'],
    ['shadowed', true, null, 'shadowed'],
    ['enriching', false, null, 'forwarded'],
    ['enriching', true, T0, 'waiting'],
    ['enriching', true, null, 'shadowed'],
    ['informational', false, null, null],
    ['superseded', false, null, null],
  ])('%s, shadowed on arrival %s, fallback %s: %s', (status, shadowed, fallbackAt, fate) => {
    expect(fateOf({ status, shadowed, fallbackAt })).toBe(fate);
  });
});
