import { describe, expect, it } from 'vitest';
import { bucketOf } from '../../../src/cutover/bucket.js';
import {
  emptyResult,
  type NormalizedResult,
  type Source,
} from '../../../src/normalize/normalized-schema.js';
import type { PairingRule } from '../../../src/store/rules/pair-diff.js';
import {
  isCounterpart,
  newPair,
  type PairingCandidate,
  pickCounterpart,
} from '../../../src/store/rules/pairing.js';

const T0 = Date.parse('2026-11-25T12:00:00.000Z');
const SECOND = 1000;
const WINDOW = 300 * SECOND;

const at = (
  id: string,
  offsetMs: number,
  customerId: string | null = 'c1',
  interviewId: string | null = null,
): PairingCandidate => ({ id, customerId, interviewId, receivedAt: T0 + offsetMs });

describe('isCounterpart', () => {
  it.each<[string, PairingCandidate, PairingCandidate, boolean]>([
    ['same customer, same moment', at('l', 0), at('w', 0), true],
    ['same customer, well inside the window', at('l', 0), at('w', 30 * SECOND), true],
    ['the counterpart arrived first', at('l', 30 * SECOND), at('w', 0), true],
    ['exactly at the window boundary (inside)', at('l', 0), at('w', WINDOW), true],
    ['exactly at the boundary, before', at('l', WINDOW), at('w', 0), true],
    ['one millisecond outside the window', at('l', 0), at('w', WINDOW + 1), false],
    ['one millisecond outside, before', at('l', WINDOW + 1), at('w', 0), false],
    ['the first has no customer', at('l', 0, null), at('w', 0), false],
    ['the second has no customer', at('l', 0), at('w', 0, null), false],
    ['neither has a customer', at('l', 0, null), at('w', 0, null), false],
    ['different customers', at('l', 0, 'c1'), at('w', 0, 'c2'), false],
    ['same interview', at('l', 0, 'c1', 'i1'), at('w', 0, 'c1', 'i1'), true],
    [
      'both carry an interview and they differ',
      at('l', 0, 'c1', 'i1'),
      at('w', 0, 'c1', 'i2'),
      false,
    ],
    ['the first carries no interview', at('l', 0, 'c1', null), at('w', 0, 'c1', 'i2'), true],
    ['the second carries no interview', at('l', 0, 'c1', 'i1'), at('w', 0, 'c1', null), true],
    ['neither carries an interview', at('l', 0, 'c1', null), at('w', 0, 'c1', null), true],
    [
      'same interview but outside the window',
      at('l', 0, 'c1', 'i1'),
      at('w', WINDOW + 1, 'c1', 'i1'),
      false,
    ],
  ])('%s -> %s', (_name, a, b, expected) => {
    expect(isCounterpart(a, b, WINDOW)).toBe(expected);
    // The relation is symmetric.
    expect(isCounterpart(b, a, WINDOW)).toBe(expected);
  });

  it('a window of zero pairs only events received at the same millisecond', () => {
    expect(isCounterpart(at('l', 0), at('w', 0), 0)).toBe(true);
    expect(isCounterpart(at('l', 0), at('w', 1), 0)).toBe(false);
  });
});

describe('pickCounterpart', () => {
  it.each<[string, PairingCandidate, PairingCandidate[], string | undefined]>([
    ['no candidates', at('l', 0), [], undefined],
    ['the only candidate inside the window', at('l', 0), [at('w1', 10 * SECOND)], 'w1'],
    ['the only candidate is outside the window', at('l', 0), [at('w1', WINDOW + 1)], undefined],
    ['a candidate exactly at the boundary', at('l', 0), [at('w1', -WINDOW)], 'w1'],
    [
      'the nearest in time wins, before or after',
      at('l', 0),
      [at('w1', 200 * SECOND), at('w2', -50 * SECOND), at('w3', 100 * SECOND)],
      'w2',
    ],
    [
      'candidates of other customers are not counterparts, however near',
      at('l', 0, 'c1'),
      [at('w1', 1, 'c2'), at('w2', 120 * SECOND, 'c1'), at('w3', 0, null)],
      'w2',
    ],
    [
      'an interview match beats a nearer candidate without an interview',
      at('l', 0, 'c1', 'i1'),
      [at('w1', 5 * SECOND, 'c1', null), at('w2', 250 * SECOND, 'c1', 'i1')],
      'w2',
    ],
    [
      'a different interview is no counterpart, even the nearest',
      at('l', 0, 'c1', 'i1'),
      [at('w1', 1 * SECOND, 'c1', 'i2'), at('w2', 200 * SECOND, 'c1', null)],
      'w2',
    ],
    [
      'between interview matches, the nearest wins',
      at('l', 0, 'c1', 'i1'),
      [at('w1', 200 * SECOND, 'c1', 'i1'), at('w2', -20 * SECOND, 'c1', 'i1')],
      'w2',
    ],
    [
      'an event without an interview takes the nearest, whatever the candidates carry',
      at('l', 0, 'c1', null),
      [at('w1', 90 * SECOND, 'c1', 'i1'), at('w2', 30 * SECOND, 'c1', 'i2')],
      'w2',
    ],
    [
      'at equal distance, the candidate listed first (the earlier arrival)',
      at('l', 0),
      [at('w1', -60 * SECOND), at('w2', 60 * SECOND)],
      'w1',
    ],
    ['an event without a customer pairs with nothing', at('l', 0, null), [at('w1', 0)], undefined],
  ])('%s', (_name, event, candidates, expected) => {
    expect(pickCounterpart(event, candidates, WINDOW)?.id).toBe(expected);
  });

  it('returns the candidate object itself, with its own fields', () => {
    const candidates = [{ ...at('w1', 10), normalized: '{"x":1}' }];
    expect(pickCounterpart(at('l', 0), candidates, WINDOW)).toBe(candidates[0]);
  });
});

/**
 * What the store does: each event, as it arrives, pairs with the counterpart picked among the
 * other source's events that are not paired yet, so every event is in at most one pair.
 */
function pairInArrivalOrder(
  arrivals: (PairingCandidate & { source: 'legacy' | 'workflows' })[],
  windowMs: number,
): [string, string][] {
  const unpaired = { legacy: [] as PairingCandidate[], workflows: [] as PairingCandidate[] };
  const pairs: [string, string][] = [];
  for (const event of arrivals) {
    const other = event.source === 'legacy' ? 'workflows' : 'legacy';
    const match = pickCounterpart(event, unpaired[other], windowMs);
    if (match) {
      unpaired[other] = unpaired[other].filter((c) => c !== match);
      pairs.push(event.source === 'legacy' ? [event.id, match.id] : [match.id, event.id]);
    } else {
      unpaired[event.source].push(event);
    }
  }
  return pairs;
}

describe('several attempts of the same customer, paired in arrival order', () => {
  const legacy = (id: string, offset: number, interviewId: string | null = null) => ({
    ...at(id, offset, 'c1', interviewId),
    source: 'legacy' as const,
  });
  const workflows = (id: string, offset: number, interviewId: string | null = null) => ({
    ...at(id, offset, 'c1', interviewId),
    source: 'workflows' as const,
  });

  it.each<[string, Parameters<typeof pairInArrivalOrder>[0], [string, string][]]>([
    [
      'attempts a minute apart, each answered by both sources within seconds',
      [
        legacy('l1', 0),
        workflows('w1', 3 * SECOND),
        legacy('l2', 60 * SECOND),
        workflows('w2', 62 * SECOND),
      ],
      [
        ['l1', 'w1'],
        ['l2', 'w2'],
      ],
    ],
    [
      'the Workflows webhook first each time',
      [
        workflows('w1', 0),
        legacy('l1', 2 * SECOND),
        workflows('w2', 60 * SECOND),
        legacy('l2', 61 * SECOND),
      ],
      [
        ['l1', 'w1'],
        ['l2', 'w2'],
      ],
    ],
    [
      'two legacy attempts, then two Workflows attempts: the nearest at arrival, each once',
      [
        legacy('l1', 0),
        legacy('l2', 60 * SECOND),
        workflows('w1', 61 * SECOND),
        workflows('w2', 62 * SECOND),
      ],
      [
        ['l2', 'w1'],
        ['l1', 'w2'],
      ],
    ],
    [
      'with interviews on both sides, late Workflows webhooks still find their own attempt',
      [
        legacy('l1', 0, 'i1'),
        legacy('l2', 60 * SECOND, 'i2'),
        workflows('w1', 61 * SECOND, 'i1'),
        workflows('w2', 62 * SECOND, 'i2'),
      ],
      [
        ['l1', 'w1'],
        ['l2', 'w2'],
      ],
    ],
    [
      'three legacy attempts and two Workflows ones: one legacy attempt stays unpaired',
      [
        legacy('l1', 0),
        workflows('w1', 1 * SECOND),
        legacy('l2', 60 * SECOND),
        workflows('w2', 61 * SECOND),
        legacy('l3', 120 * SECOND),
      ],
      [
        ['l1', 'w1'],
        ['l2', 'w2'],
      ],
    ],
    [
      'an attempt outside the window of the other is not paired',
      [legacy('l1', 0), workflows('w1', WINDOW + 1), legacy('l2', WINDOW + 2 * SECOND)],
      [['l2', 'w1']],
    ],
  ])('%s', (_name, arrivals, expected) => {
    const pairs = pairInArrivalOrder(arrivals, WINDOW);
    expect(pairs).toEqual(expected);
    const ids = pairs.flat();
    expect(new Set(ids).size).toBe(ids.length);
  });
});

describe('newPair', () => {
  const rule = {
    windowMs: WINDOW,
    comparison: { compared: [{ field: 'status' }], ignored: [] },
  } as PairingRule;
  const result = (source: Source, eventId: string, status: NormalizedResult['status']) => {
    const r = emptyResult({ eventId, receivedAt: new Date(T0).toISOString(), source, status });
    r.ids.customerId = 'c1';
    return r;
  };
  const candidate = (id: string, offsetMs: number, status: NormalizedResult['status']) => ({
    id,
    customer_id: 'c1',
    interview_id: null,
    received_at: T0 + offsetMs,
    normalized: JSON.stringify(result('legacy', id, status)),
  });

  it('pairs with the nearest counterpart, legacy first, complete when the later event came, with the bucket', () => {
    // An enriched Workflows result pairs after its legacy counterpart arrived: it is the earlier.
    const event = {
      id: 'w',
      source: 'workflows' as const,
      receivedAt: T0,
      normalized: result('workflows', 'w', 'FAIL'),
    };
    const pair = newPair(
      event,
      'c1',
      [candidate('far', -200 * SECOND, 'PASS'), candidate('near', 10 * SECOND, 'PASS')],
      rule,
    );
    expect(pair).toMatchObject({
      legacyId: 'near',
      workflowsId: 'w',
      pairedAt: T0 + 10 * SECOND,
      statusAgrees: false,
      bucket: bucketOf('c1'),
    });
    expect(newPair(event, 'c1', [candidate('late', WINDOW + 1, 'PASS')], rule)).toBeNull();
  });
});
