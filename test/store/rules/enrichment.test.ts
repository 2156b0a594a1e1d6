import { describe, expect, it } from 'vitest';
import type { EnrichmentCompletion } from '../../../src/store/accept-types.js';
import {
  decideCompletion,
  supersedeLookup,
  type WaitingEvent,
} from '../../../src/store/rules/enrichment.js';
import type { LoginCandidate } from '../../../src/store/rules/login.js';
import { newEvent, T0 } from '../../helpers/new-event.js';

const event = newEvent({ id: 'w1', source: 'workflows', interviewId: 'i1' });
const result: EnrichmentCompletion = {
  state: 'scored',
  normalized: event.normalized as NonNullable<typeof event.normalized>,
  forward: { format: 'legacy', body: new Uint8Array() },
  legacyFields: [],
  error: null,
  called: true,
  pairing: { windowMs: 60_000, comparison: { compared: [{ field: 'status' }], ignored: [] } },
  supersededBy: { interviewId: 'i1', routes: ['/webhooks/workflows/session'] },
};
const dead: EnrichmentCompletion = {
  state: 'unavailable',
  status: 'dead',
  note: 'no score came',
  error: 'HTTP 503',
  called: false,
};
const waiting = (over: Partial<WaitingEvent> = {}): WaitingEvent => ({
  id: 'w1',
  shadowed: false,
  fallbackAt: null,
  receivedAt: T0,
  pairedWith: null,
  ...over,
});
const legacy = (over: Partial<LoginCandidate> = {}): LoginCandidate => ({
  id: 'l1',
  source: 'legacy',
  customerId: 'customer-a',
  interviewId: 'i1',
  receivedAt: T0 + 1000,
  status: 'delivered',
  fate: 'forwarded',
  normalized: null,
  ...over,
});

describe('how a wait for the score ends', () => {
  it('a result is forwarded; one waiting for its login keeps waiting; one shadowed stays shadowed', () => {
    expect(decideCompletion(waiting(), result, undefined)).toEqual({
      kind: 'result',
      status: 'pending',
      forward: true,
      fallbackAt: null,
      pair: null,
    });
    expect(
      decideCompletion(waiting({ shadowed: true, fallbackAt: T0 + 10 }), result, undefined),
    ).toMatchObject({ status: 'shadowed', forward: false, fallbackAt: T0 + 10 });
    const other = legacy();
    expect(
      decideCompletion(waiting({ shadowed: true, pairedWith: other }), result, undefined),
    ).toMatchObject({
      status: 'shadowed',
      forward: false,
      pair: { kind: 'compare', counterpart: other },
    });
  });

  it('unmatched until now: the ids the score completed find its login, and the rules of an arrival apply', () => {
    // The legacy report was forwarded meanwhile: this one, held for its score, is never sent.
    expect(decideCompletion(waiting(), result, undefined, [legacy()], 60_000)).toMatchObject({
      kind: 'result',
      status: 'shadowed',
      forward: false,
      pair: { kind: 'new', action: null },
    });
    // The legacy report waits: this one goes, and ends its wait.
    const legacyWaiting = legacy({ status: 'shadowed', fate: 'waiting' });
    expect(decideCompletion(waiting(), result, undefined, [legacyWaiting], 60_000)).toMatchObject({
      status: 'pending',
      forward: true,
      pair: { kind: 'new', action: 'settle' },
    });
    // Both wait (the mode changed between them): the legacy one, first, goes now.
    expect(
      decideCompletion(
        waiting({ shadowed: true, fallbackAt: T0 + 10 }),
        result,
        undefined,
        [legacyWaiting],
        60_000,
      ),
    ).toMatchObject({ status: 'shadowed', forward: false, pair: { action: 'enqueue' } });
  });

  it('a result the callback got meanwhile from another webhook is superseded', () => {
    expect(supersedeLookup(result)).toEqual(result.supersededBy);
    const decision = decideCompletion(waiting(), result, { id: 's1', route: '/r' });
    expect(decision).toMatchObject({ kind: 'superseded' });
    expect(decision.kind === 'superseded' && decision.note).toContain('event s1 (/r)');
  });

  it('no outcome: dead with the note as its last error; a shadowed one stays shadowed with the note', () => {
    expect(supersedeLookup(dead)).toBeNull();
    expect(decideCompletion(waiting(), dead, undefined)).toEqual({
      kind: 'ended',
      status: 'dead',
      note: null,
      lastError: 'no score came',
      release: null,
    });
    expect(
      decideCompletion(waiting({ shadowed: true, pairedWith: legacy() }), dead, undefined),
    ).toEqual({
      kind: 'ended',
      status: 'shadowed',
      note: 'no score came',
      lastError: null,
      release: null,
    });
    // Waiting for its login and never scored: the login's only report, dead and visible.
    expect(
      decideCompletion(waiting({ shadowed: true, fallbackAt: T0 + 10 }), dead, undefined),
    ).toMatchObject({ status: 'dead', lastError: 'no score came' });
  });

  it("no outcome for a report that was to be sent: its login's shadowed report is sent instead", () => {
    const shadowedLegacy = legacy({ status: 'shadowed', fate: 'shadowed' });
    expect(
      decideCompletion(waiting({ pairedWith: shadowedLegacy }), dead, undefined),
    ).toMatchObject({
      kind: 'ended',
      status: 'dead',
      release: { id: 'l1', action: 'enqueue' },
    });
  });
});
