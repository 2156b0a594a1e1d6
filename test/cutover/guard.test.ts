import { describe, expect, it } from 'vitest';
import {
  factsOf,
  type GuardSettings,
  nextAction,
  populationAlarm,
  populationFacts,
} from '../../src/cutover/guard.js';
import { planFrom } from '../../src/cutover/plan.js';
import { type CutoverState, planState, resume, shareState } from '../../src/cutover/state.js';
import type { ComparedEvent, StoredPair } from '../../src/store/figure-types.js';
import { bucketOf } from '../../src/store/rules/bucket.js';
import { passRate } from '../../src/util/pass-rate.js';

const MINUTE = 60_000;
const HOUR = 60 * MINUTE;
const DAY = 24 * HOUR;
const START = Date.parse('2026-12-01T00:00:00Z');
const SETTINGS: GuardSettings = {
  minPairs: 3,
  minAgreement: 0.99,
  counts: 'reason',
  windowMs: HOUR,
  compareWindowMs: 5 * MINUTE,
};

/** Customer ids whose bucket is below 10% (moved at every step of the plan) and above 90%. */
const ids = Array.from({ length: 2000 }, (_, i) => `customer-${i}`);
const MOVED = ids.filter((id) => bucketOf(id) < 1000);
const UNMOVED = ids.filter((id) => bucketOf(id) >= 9000);

let serial = 0;
function pair(customerId: string, at: number, agrees = true): StoredPair {
  serial++;
  const event = (source: 'legacy' | 'workflows', receivedAt: number): ComparedEvent => ({
    eventId: `${source}-${serial}`,
    source,
    receivedAt,
    status: source === 'workflows' && !agrees ? 'FAIL' : 'PASS',
    reason: null,
    customerId,
    interviewId: `i-${serial}`,
    delivery: source === 'workflows' ? 'delivered' : 'shadowed',
    deliveredAt: null,
    legacyFields: [],
    paired: true,
    enrichment: null,
  });
  return {
    legacy: event('legacy', at - 1000),
    workflows: event('workflows', at),
    forwarded: 'legacy',
    statusAgrees: agrees,
    reasonAgrees: agrees,
    kind: agrees ? null : 'status: legacy PASS, workflows FAIL',
    differences: [],
  };
}

const plan = (text: string, at = START) => {
  const resolved = planFrom(text, at);
  if ('error' in resolved) throw new Error(resolved.error);
  return planState(text, resolved.steps, 0, at, 'switch');
};

/** What the service does at each look: the facts of the stored pairs, then nextAction. */
function look(state: CutoverState, pairs: StoredPair[], now: number) {
  return nextAction(state, factsOf(pairs, state, SETTINGS, now), SETTINGS, now);
}

describe('a plan', () => {
  it('takes its first step at once, the next ones only when due, green, with enough pairs', () => {
    let state = plan('1%,10%@2d,100%@7d');
    expect(state).toMatchObject({ share: 100, plan: { step: 0 }, lastGood: 0 });
    const moved = MOVED.filter((id) => bucketOf(id) < 100);
    expect(moved.length).toBeGreaterThan(2);
    const pairs = moved.slice(0, 3).map((id, i) => pair(id, START + HOUR + i));

    // Enough pairs, not due yet.
    expect(look(state, pairs, START + DAY)).toEqual({
      action: 'wait',
      reason: 'the step to 10% is not due before 2026-12-03T00:00:00.000Z',
    });
    // Due, too few pairs.
    expect(look(state, pairs.slice(0, 2), START + 2 * DAY)).toEqual({
      action: 'wait',
      reason:
        '2 of 3 pairs (COMPARE_MIN_PAIRS) among moved customers since 2026-12-01T00:00:00.000Z',
    });
    // Pairs of customers the share does not move do not count.
    const others = UNMOVED.slice(0, 5).map((id, i) => pair(id, START + HOUR + i));
    expect(look(state, [...pairs.slice(0, 2), ...others], START + 2 * DAY)).toMatchObject({
      action: 'wait',
    });
    // Due and enough: the step is taken, and the share it leaves is the last good one.
    const step = look(state, pairs, START + 2 * DAY);
    expect(step).toMatchObject({
      action: 'advance',
      next: {
        share: 1000,
        lastGood: 100,
        previous: 100,
        since: START + 2 * DAY,
        plan: { step: 1 },
      },
    });
    state = step.action === 'advance' ? step.next : state;
    // The pairs before the step do not count for the next one.
    expect(look(state, pairs, START + 8 * DAY)).toMatchObject({
      action: 'wait',
      reason: expect.stringMatching(/^0 of 3 pairs/),
    });
  });

  it('waits while agreement since the last step is below COMPARE_MIN_AGREEMENT, even with the window green', () => {
    const state = plan('10%,50%@1d');
    // 100 pairs, 1 disagreeing a day ago: outside the guard's hour, inside the step.
    const pairs = [
      pair(MOVED[0] as string, START + HOUR, false),
      ...Array.from({ length: 60 }, (_, i) =>
        pair(MOVED[i % MOVED.length] as string, START + 2 * HOUR + i),
      ),
    ];
    expect(look(state, pairs, START + DAY + 3 * HOUR)).toEqual({
      action: 'wait',
      reason:
        'agreement 98.4% among moved customers since the last step is below COMPARE_MIN_AGREEMENT=0.99',
    });
  });
});

describe('the guard', () => {
  const at50 = () => {
    const state = plan('10%,50%@1d,100%@2d');
    const taken = look(
      state,
      MOVED.slice(0, 3).map((id, i) => pair(id, START + HOUR + i)),
      START + DAY,
    );
    if (taken.action !== 'advance') throw new Error('no step');
    return taken.next;
  };

  it('rolls a disagreeing share back to the last good step and pauses, naming the pairs', () => {
    const state = at50();
    const now = START + DAY + 10 * MINUTE;
    const bad = [
      pair(MOVED[0] as string, now - MINUTE, false),
      pair(MOVED[1] as string, now, false),
      pair(MOVED[2] as string, now, false),
    ];
    const action = look(state, bad, now);
    expect(action).toMatchObject({
      action: 'rollback',
      reason:
        'agreement 0.0% over 3 pairs of moved customers in the guard window, below COMPARE_MIN_AGREEMENT=0.99',
      pairIds: bad.map((p) => `${p.legacy.eventId}/${p.workflows.eventId}`),
      next: {
        share: 1000,
        previous: 5000,
        lastGood: 0,
        since: now,
        plan: { step: 0 },
        paused: { at: now, from: 5000, to: 1000 },
      },
    });
    if (action.action !== 'rollback') return;
    // Paused: due steps and agreeing pairs do not move it on; the old pairs do not roll back again.
    const good = MOVED.slice(0, 10).map((id, i) => pair(id, now + HOUR + i));
    expect(look(action.next, [...bad, ...good], now + 3 * DAY)).toMatchObject({
      action: 'wait',
      reason: expect.stringMatching(/^paused by the guard at .* \(50% back to 10%\)/),
    });
    // An operator resumes: pairs are counted anew, and the step to 50% is taken again.
    const resumed = resume(action.next, now + 3 * DAY);
    expect(look(resumed, [...bad, ...good], now + 3 * DAY)).toMatchObject({ action: 'wait' });
    const fresh = MOVED.slice(0, 3).map((id, i) => pair(id, now + 3 * DAY + MINUTE + i));
    expect(look(resumed, fresh, now + 3 * DAY + 2 * MINUTE)).toMatchObject({
      action: 'advance',
      next: { share: 5000, lastGood: 1000 },
    });
  });

  it('keeps its window across a step of the plan: a disagreement just before the step still counts', () => {
    const state = plan('10%,50%@1d');
    const before = START + DAY - 10 * MINUTE;
    const pairs = [
      ...MOVED.slice(0, 3).map((id, i) => pair(id, START + HOUR + i)),
      pair(MOVED[3] as string, before, false),
    ];
    // One disagreement in the window: green (one pair in it, too few to judge agreement); but
    // 75% over the step is below 99%: the plan waits.
    expect(look(state, pairs, START + DAY)).toMatchObject({
      action: 'wait',
      reason: expect.stringMatching(/^agreement 75.0% among moved customers since the last step/),
    });
    const lenient = { ...SETTINGS, minAgreement: 0.5 };
    const step = nextAction(
      state,
      factsOf(pairs, state, lenient, START + DAY),
      lenient,
      START + DAY,
    );
    expect(step).toMatchObject({ action: 'advance', next: { share: 5000, guardFrom: START } });
    if (step.action !== 'advance') return;
    // Three disagreements after the step: 3 agreeing of 7 in the window, below 50%, because the
    // one just before the step counts (without it: 3 of 6, not below).
    const after = [
      ...pairs,
      ...MOVED.slice(4, 7).map((id) => pair(id, START + DAY + MINUTE, false)),
    ];
    expect(
      nextAction(
        step.next,
        factsOf(after, step.next, lenient, START + DAY + 2 * MINUTE),
        lenient,
        START + DAY + 2 * MINUTE,
      ),
    ).toMatchObject({
      action: 'rollback',
      next: { share: 1000, paused: { from: 5000, to: 1000 } },
    });
  });

  it('rolls back on agreement below COMPARE_MIN_AGREEMENT once the window holds COMPARE_MIN_PAIRS', () => {
    const state = at50();
    const now = START + DAY + 30 * MINUTE;
    const pairs = [
      pair(MOVED[0] as string, now - 3 * MINUTE, false),
      pair(MOVED[1] as string, now - 2 * MINUTE),
    ];
    // One disagreement in two pairs: too few pairs to judge agreement (COMPARE_MIN_PAIRS=3).
    expect(look(state, pairs, now)).toMatchObject({ action: 'wait' });
    pairs.push(pair(MOVED[2] as string, now - MINUTE));
    expect(look(state, pairs, now)).toMatchObject({
      action: 'rollback',
      reason:
        'agreement 66.7% over 3 pairs of moved customers in the guard window, below COMPARE_MIN_AGREEMENT=0.99',
    });
  });

  it('forgets disagreements older than its window, and ignores customers not moved', () => {
    const state = at50();
    const now = START + DAY + 3 * HOUR;
    const old = [
      pair(MOVED[0] as string, START + DAY + MINUTE, false),
      pair(MOVED[1] as string, START + DAY + 2 * MINUTE, false),
    ];
    expect(look(state, old, now)).toMatchObject({ action: 'wait' });
    const unmoved = UNMOVED.slice(0, 5).map((id, i) => pair(id, now - i, false));
    expect(look(state, unmoved, now)).toMatchObject({ action: 'wait' });
  });

  it('rolls the first step back to 0%, and a share set by hand to the share before it', () => {
    const first = plan('10%,50%@1d');
    const now = START + MINUTE;
    const bad = MOVED.slice(0, 3).map((id) => pair(id, now, false));
    expect(look(first, bad, now)).toMatchObject({
      action: 'rollback',
      next: { share: 0, plan: { step: -1 }, paused: { from: 1000, to: 0 } },
    });
    const byHand = shareState(5000, 1000, START, 'switch');
    expect(look(byHand, bad, now)).toMatchObject({
      action: 'rollback',
      next: { share: 1000, lastGood: 0, plan: null, paused: { from: 5000, to: 1000 } },
    });
  });

  it('gives the same answer for the same state, pairs and time (two instances agree)', () => {
    const state = at50();
    const now = START + DAY + 10 * MINUTE;
    const bad = MOVED.slice(0, 2).map((id) => pair(id, now, false));
    expect(look(state, bad, now)).toEqual(look(structuredClone(state), structuredClone(bad), now));
  });

  it('a rate over a minimum sample, not a count: many disagreements among many pairs under the threshold roll back, agreement exactly at it does not', () => {
    const state = at50();
    const now = START + DAY + 30 * MINUTE;
    const settings = { ...SETTINGS, minPairs: 10, minAgreement: 0.9 };
    const ten = (agreeing: number) =>
      MOVED.slice(0, 10).map((id, i) => pair(id, now - i * 1000, i < agreeing));
    const at = (pairs: StoredPair[]) =>
      nextAction(state, factsOf(pairs, state, settings, now), settings, now);
    // 9 of 10 agree: exactly COMPARE_MIN_AGREEMENT, green.
    expect(at(ten(9)).action).not.toBe('rollback');
    // 8 of 10: below it, red.
    expect(at(ten(8))).toMatchObject({ action: 'rollback' });
    // Two disagreeing pairs among only 5: too few to judge, green.
    expect(
      at(
        ten(9)
          .slice(0, 5)
          .map((p) => ({ ...p })),
      ),
    ).toMatchObject({ action: 'wait' });
  });

  it('FORWARD_SOURCE_GUARD_COUNTS=status: pairs that differ only in their reason agree', () => {
    const state = at50();
    const now = START + DAY + 30 * MINUTE;
    const reasonOnly = MOVED.slice(0, 3).map((id, i) => ({
      ...pair(id, now - i, true),
      reasonAgrees: false,
      kind: 'reason: legacy SPOOF_DETECTED, workflows FACE_TOO_DARK',
    }));
    expect(look(state, reasonOnly, now)).toMatchObject({ action: 'rollback' });
    const statusOnly = { ...SETTINGS, counts: 'status' as const };
    expect(
      nextAction(state, factsOf(reasonOnly, state, statusOnly, now), statusOnly, now).action,
    ).not.toBe('rollback');
  });
});

describe('the guard over populations, where logins are reported by one webhook', () => {
  const rate = (pass: number, results: number) => passRate(pass, results);
  const settings = { ...SETTINGS, minPairs: 20 };

  it('red when the moved customers pass clearly fewer than before the share and than the others', () => {
    const facts = { moved: rate(20, 50), movedBefore: rate(45, 50), notMoved: rate(90, 100) };
    expect(populationAlarm(facts, settings)).toBe(
      'moved customers pass clearly fewer logins since the share moved them (40.0% of 50) than before it (90.0% of 50) and than the customers not moved (90.0% of 100)',
    );
  });

  it('green when only one comparison is lower (a bad hour for everyone), or the counts are too few', () => {
    expect(
      populationAlarm(
        { moved: rate(20, 50), movedBefore: rate(45, 50), notMoved: rate(45, 100) },
        settings,
      ),
    ).toBeNull();
    expect(
      populationAlarm(
        { moved: rate(2, 10), movedBefore: rate(45, 50), notMoved: rate(90, 100) },
        settings,
      ),
    ).toBeNull();
    expect(
      populationAlarm(
        { moved: rate(44, 50), movedBefore: rate(45, 50), notMoved: rate(90, 100) },
        settings,
      ),
    ).toBeNull();
  });

  it('rolls the share back with the populations as the reason', () => {
    const state = shareState(5000, 1000, START, 'switch');
    const populations = populationFacts({
      moved: { results: 50, pass: 20 },
      movedBefore: { results: 50, pass: 45 },
      notMoved: { results: 100, pass: 90 },
    });
    const none = { pairs: 0, agreeing: 0, agreement: null, disagreeing: 0, disagreeingIds: [] };
    expect(
      nextAction(state, { window: none, sinceStep: none, populations }, settings, START + HOUR),
    ).toMatchObject({
      action: 'rollback',
      reason: expect.stringMatching(/^moved customers pass clearly fewer logins/),
      next: { share: 1000 },
    });
  });
});
