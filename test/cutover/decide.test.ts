import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { ALL, bucketOf } from '../../src/cutover/bucket.js';
import {
  type EventFacts,
  findCounterpart,
  needsCounterpart,
  shadowedByShare,
} from '../../src/cutover/decide.js';
import { type CutoverState, shareState } from '../../src/cutover/state.js';
import type { ComparedEvent } from '../../src/store/store.js';

const WINDOW = 5 * 60_000;
const T0 = Date.parse('2026-12-01T00:00:00Z');

/** What the webhook route does: the bucket, or the counterpart where it must be asked. */
function decide(event: EventFacts, state: CutoverState, stored: ComparedEvent[]): boolean {
  const counterpart = needsCounterpart(event, state, WINDOW)
    ? findCounterpart(event, stored, WINDOW)
    : undefined;
  return shadowedByShare(event, state, counterpart);
}

function stored(event: EventFacts, id: string, shadowed: boolean): ComparedEvent {
  return {
    eventId: id,
    source: event.source,
    receivedAt: event.receivedAt,
    status: 'PASS',
    reason: null,
    customerId: event.customerId,
    interviewId: event.interviewId,
    delivery: shadowed ? 'shadowed' : 'pending',
    deliveredAt: null,
    legacyFields: [],
    paired: false,
    enrichment: null,
  };
}

/** One authentication: both events, in the order given, each decided under the share in force. */
function forwardedFor(
  auth: { customerId: string; workflowsNamesCustomer: boolean; legacyFirst: boolean },
  shares: { first: CutoverState; second: CutoverState },
  gapMs: number,
): number {
  const legacy: EventFacts = {
    source: 'legacy',
    customerId: auth.customerId,
    interviewId: `interview-${auth.customerId}`,
    receivedAt: 0,
  };
  const workflows: EventFacts = {
    source: 'workflows',
    customerId: auth.workflowsNamesCustomer ? auth.customerId : null,
    interviewId: `interview-${auth.customerId}`,
    receivedAt: 0,
  };
  const [a, b] = auth.legacyFirst ? [legacy, workflows] : [workflows, legacy];
  const first = { ...a, receivedAt: shares.first.since + 1000 };
  const second = { ...b, receivedAt: first.receivedAt + gapMs };
  const shadowedFirst = decide(first, shares.first, []);
  const shadowedSecond = decide(second, shares.second, [stored(first, 'e1', shadowedFirst)]);
  return [shadowedFirst, shadowedSecond].filter((s) => !s).length;
}

const moved = (share: number) => (id: string) => bucketOf(id) < share;

describe('one decision for both events of one authentication', () => {
  it('forwards exactly one of the two, in either order, with or without a customer id on the Workflows side', () => {
    fc.assert(
      fc.property(
        fc.uuid(),
        fc.boolean(),
        fc.boolean(),
        fc.integer({ min: 0, max: ALL }),
        fc.integer({ min: 0, max: WINDOW }),
        (customerId, workflowsNamesCustomer, legacyFirst, share, gap) => {
          const state = shareState(share, share, T0 - 3_600_000, 'switch');
          const count = forwardedFor(
            { customerId, workflowsNamesCustomer, legacyFirst },
            { first: state, second: state },
            gap,
          );
          expect(count).toBe(1);
        },
      ),
      { numRuns: 2000 },
    );
  });

  it('forwards exactly one even when the share changes between the two events', () => {
    fc.assert(
      fc.property(
        fc.uuid(),
        fc.boolean(),
        fc.boolean(),
        fc.integer({ min: 0, max: ALL }),
        fc.integer({ min: 0, max: ALL }),
        fc.integer({ min: 1, max: WINDOW - 1000 }),
        (customerId, workflowsNamesCustomer, legacyFirst, before, after, gap) => {
          const first = shareState(before, 0, T0, 'switch');
          // The change comes between the two events.
          const second = shareState(after, before, T0 + 1000 + Math.floor(gap / 2), 'switch');
          const count = forwardedFor(
            { customerId, workflowsNamesCustomer, legacyFirst },
            { first, second },
            gap,
          );
          expect(count).toBe(1);
        },
      ),
      { numRuns: 2000 },
    );
  });

  it('sends a moved customer to Workflows and the others to legacy when both name the customer', () => {
    const state = shareState(5000, 0, T0 - 3_600_000, 'switch');
    const ids = Array.from({ length: 200 }, (_, i) => `c-${i}`);
    for (const id of ids) {
      const event = (source: 'legacy' | 'workflows'): EventFacts => ({
        source,
        customerId: id,
        interviewId: `i-${id}`,
        receivedAt: T0,
      });
      expect(decide(event('workflows'), state, [])).toBe(!moved(5000)(id));
      expect(decide(event('legacy'), state, [])).toBe(moved(5000)(id));
    }
  });

  it('asks for the counterpart only where it can change the decision', () => {
    const state = shareState(1000, 0, T0, 'switch');
    const unmoved = Array.from({ length: 100 }, (_, i) => `c-${i}`).find(
      (id) => !moved(1000)(id),
    ) as string;
    const later = T0 + WINDOW + 1;
    const facts = (source: 'legacy' | 'workflows', customerId: string | null): EventFacts => ({
      source,
      customerId,
      interviewId: 'i',
      receivedAt: later,
    });
    expect(needsCounterpart(facts('legacy', unmoved), state, WINDOW)).toBe(false);
    expect(needsCounterpart(facts('workflows', unmoved), state, WINDOW)).toBe(false);
    expect(needsCounterpart(facts('workflows', null), state, WINDOW)).toBe(true);
    // Within COMPARE_WINDOW of a change, every event looks.
    expect(
      needsCounterpart({ ...facts('workflows', unmoved), receivedAt: T0 + 1 }, state, WINDOW),
    ).toBe(true);
  });

  it('passes over counterparts already paired, from the same source, or out of the window', () => {
    const event: EventFacts = {
      source: 'legacy',
      customerId: 'c',
      interviewId: 'i',
      receivedAt: T0,
    };
    const other = stored({ ...event, source: 'workflows' }, 'w', true);
    expect(findCounterpart(event, [other], WINDOW)).toEqual({ eventId: 'w', shadowed: true });
    expect(findCounterpart(event, [{ ...other, paired: true }], WINDOW)).toBeUndefined();
    expect(findCounterpart(event, [{ ...other, source: 'legacy' }], WINDOW)).toBeUndefined();
    expect(
      findCounterpart(event, [{ ...other, receivedAt: T0 - WINDOW - 1 }], WINDOW),
    ).toBeUndefined();
    expect(findCounterpart(event, [{ ...other, interviewId: 'other' }], WINDOW)).toBeUndefined();
    // One waiting for its score goes as decided when it arrived: forwarded once scored, or not.
    const waiting = { ...other, delivery: 'enriching' as const };
    expect(findCounterpart(event, [{ ...waiting, shadowed: true }], WINDOW)).toEqual({
      eventId: 'w',
      shadowed: true,
    });
    expect(findCounterpart(event, [{ ...waiting, shadowed: false }], WINDOW)).toEqual({
      eventId: 'w',
      shadowed: false,
    });
    // Without that decision it says nothing yet.
    expect(findCounterpart(event, [waiting], WINDOW)).toBeUndefined();
    expect(findCounterpart(event, [{ ...other, delivery: 'superseded' }], WINDOW)).toBeUndefined();
  });
});
