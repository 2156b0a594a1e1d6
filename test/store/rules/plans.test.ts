import { describe, expect, it } from 'vitest';
import type { EnrichmentCompletion } from '../../../src/store/accept-types.js';
import { asksLine, planAccept } from '../../../src/store/rules/accept-plan.js';
import { decideArrival } from '../../../src/store/rules/arrival.js';
import { bucketOf } from '../../../src/store/rules/bucket.js';
import {
  completionQuery,
  decideAndPlanCompletion,
  planCompletion,
} from '../../../src/store/rules/completion-plan.js';
import type { CompletionDecision } from '../../../src/store/rules/enrichment.js';
import type { LoginCandidate } from '../../../src/store/rules/login.js';
import {
  planRequeue,
  REPLAY_BATCH,
  replayGoesOn,
  replayOutcome,
} from '../../../src/store/rules/replay.js';
import { newEvent, T0 } from '../../helpers/new-event.js';

const lease = { leaseUntil: T0 + 60_000 };
const waitingLegacy: LoginCandidate = {
  id: 'l1',
  source: 'legacy',
  customerId: 'customer-a',
  interviewId: null,
  receivedAt: T0 - 1000,
  status: 'shadowed',
  fate: 'waiting',
  normalized: null,
};

describe('the plan of an accept', () => {
  it('a forwarded event: its row, an outbox entry due at arrival, leased when its line is empty', () => {
    const event = { ...newEvent({ id: 'e1' }), fastPath: lease };
    const arrival = decideArrival(event, undefined, []);
    expect(asksLine(event, arrival)).toBe(true);
    const plan = planAccept(event, arrival, false);
    expect(plan.row).toMatchObject({
      id: 'e1',
      status: 'pending',
      customerId: 'customer-a',
      shadowed: false,
      forwardBody: null, // the raw body itself: not stored twice
      bucket: bucketOf('customer-a'),
      legacyFields: '[]',
    });
    expect(plan.outbox).toEqual({
      body: event.rawBody,
      held: false,
      nextAttemptAt: T0,
      orderKey: 'customer-a',
      leaseUntil: lease.leaseUntil,
    });
    expect(plan.pair).toBeNull();
    expect(plan.counterpart).toBeNull();
    expect(plan.result).toMatchObject({
      eventId: 'e1',
      duplicate: false,
      status: 'pending',
      fresh: { eventId: 'e1', attempts: 0, leaseUntil: lease.leaseUntil },
    });
  });

  it('an earlier entry of its customer in line: no lease, no fresh answer', () => {
    const event = { ...newEvent({ id: 'e1' }), fastPath: lease };
    const plan = planAccept(event, decideArrival(event, undefined, []), true);
    expect(plan.outbox?.leaseUntil).toBeNull();
    expect(plan.result.fresh).toBeUndefined();
  });

  it('a shadowed event: no outbox entry, the line is not asked', () => {
    const event = {
      ...newEvent({ id: 'w1', source: 'workflows', shadowed: true }),
      fastPath: lease,
    };
    const arrival = decideArrival(event, undefined, []);
    expect(asksLine(event, arrival)).toBe(false);
    const plan = planAccept(event, arrival, false);
    expect(plan.row).toMatchObject({ status: 'shadowed', shadowed: true });
    expect(plan.row.fallbackAt).toBeGreaterThan(T0);
    expect(plan.outbox).toBeNull();
  });

  it("its login's other report waiting: paired after the outbox entry, the wait settled", () => {
    const event = newEvent({ id: 'w1', source: 'workflows' });
    const plan = planAccept(event, decideArrival(event, undefined, [waitingLegacy]), false);
    expect(plan.outbox).not.toBeNull();
    expect(plan.pair).toMatchObject({ legacyId: 'l1', workflowsId: 'w1', forwarded: 'workflows' });
    expect(plan.counterpart).toEqual({ id: 'l1', action: 'settle', at: T0 });
    expect(plan.result.counterpartEnqueued).toBeUndefined();
  });

  it('the other report released into line: said in the answer, so the worker is woken', () => {
    const event = { ...newEvent({ id: 'w1', source: 'workflows' }), mode: { prefer: null } };
    const plan = planAccept(event, decideArrival(event, undefined, [waitingLegacy]), false);
    expect(plan.counterpart?.action).toBe('enqueue');
    expect(plan.result.counterpartEnqueued).toBe(true);
    expect(plan.outbox).toBeNull();
  });

  it('waiting for its score: the entry is held', () => {
    const event = {
      ...newEvent({ id: 'w1', source: 'workflows' }),
      enrich: { deadline: T0 + 5000 },
    };
    const plan = planAccept(event, decideArrival(event, undefined, []), false);
    expect(plan.row).toMatchObject({
      status: 'enriching',
      enrichDeadline: T0 + 5000,
      enrichWait: 5000,
    });
    expect(plan.outbox).toMatchObject({ held: true, leaseUntil: null });
  });
});

describe('the plan of a completion', () => {
  const event = newEvent({ id: 'w1', source: 'workflows' });
  const scored: EnrichmentCompletion = {
    state: 'scored',
    normalized: event.normalized as NonNullable<typeof event.normalized>,
    forward: { format: 'normalized', body: new Uint8Array([1, 2]) },
    legacyFields: ['x'],
    error: null,
    called: true,
    pairing: { windowMs: 60_000, comparison: { compared: [{ field: 'status' }], ignored: [] } },
  };
  const waiting = { id: 'w1', receivedAt: T0, fallbackAt: null, customerId: null };

  it('forwarded: the scored row, the held entry released with the body, no pair', () => {
    const decision: CompletionDecision = {
      kind: 'result',
      status: 'pending',
      forward: true,
      fallbackAt: null,
      pair: null,
    };
    const plan = planCompletion(waiting, scored, decision, T0 + 10);
    expect(plan.status).toBe('pending');
    expect(plan.row).toMatchObject({
      status: 'pending',
      resultStatus: 'PASS',
      forwardFormat: 'normalized',
      legacyFields: '["x"]',
      called: true,
      bucket: bucketOf('customer-a'),
    });
    expect(plan.outbox).toEqual({ kind: 'release', body: scored.forward.body, at: T0 + 10 });
    expect(plan.pair).toBeNull();
  });

  it('a new match: the pair inserted and the other report released, at the completion', () => {
    const decision: CompletionDecision = {
      kind: 'result',
      status: 'shadowed',
      forward: false,
      fallbackAt: null,
      pair: { kind: 'new', counterpart: waitingLegacy, action: 'enqueue' },
    };
    const plan = planCompletion(waiting, scored, decision, T0 + 10);
    expect(plan.outbox).toEqual({ kind: 'drop' });
    expect(plan.pair).toMatchObject({
      kind: 'insert',
      pair: { legacyId: 'l1', workflowsId: 'w1', forwarded: 'legacy' },
    });
    expect(plan.counterpart).toEqual({ id: 'l1', action: 'enqueue', at: T0 + 10 });
  });

  it('no score came: dead, the entry dropped, the shadowed other report released', () => {
    const dead: EnrichmentCompletion = {
      state: 'unavailable',
      status: 'dead',
      note: 'no score',
      error: 'HTTP 503',
      called: false,
    };
    const decision: CompletionDecision = {
      kind: 'ended',
      status: 'dead',
      note: null,
      lastError: 'no score',
      release: { id: 'l1', action: 'enqueue' },
    };
    const plan = planCompletion({ ...waiting, customerId: 'c9' }, dead, decision, T0 + 10);
    expect(plan.row).toMatchObject({
      status: 'dead',
      normalized: null,
      lastError: 'no score',
      called: false,
      bucket: bucketOf('c9'),
    });
    expect(plan.outbox).toEqual({ kind: 'drop' });
    expect(plan.counterpart).toEqual({ id: 'l1', action: 'enqueue', at: T0 + 10 });
  });

  it('superseded: its result kept, no fallback, the entry dropped', () => {
    const plan = planCompletion(
      { ...waiting, fallbackAt: T0 + 99 },
      scored,
      { kind: 'superseded', note: 'superseded by s1' },
      T0,
    );
    expect(plan.row).toMatchObject({
      status: 'superseded',
      fallbackAt: null,
      resultStatus: 'PASS',
    });
    expect(plan.outbox).toEqual({ kind: 'drop' });
  });
});

describe('the facts of a completion', () => {
  const event = newEvent({ id: 'w1', source: 'workflows', interviewId: 'i1' });
  const scored: EnrichmentCompletion = {
    state: 'scored',
    normalized: event.normalized as NonNullable<typeof event.normalized>,
    forward: { format: 'legacy', body: new Uint8Array([1]) },
    legacyFields: [],
    error: null,
    called: true,
    pairing: { windowMs: 60_000, comparison: { compared: [{ field: 'status' }], ignored: [] } },
  };
  const row = {
    id: 'w1',
    receivedAt: T0,
    fallbackAt: null,
    customerId: null,
    shadowed: true,
    pairedWith: null,
  };

  it('an unpaired event with a result reads the other source around its arrival; a paired one does not', () => {
    expect(completionQuery(row, scored)).toEqual({
      source: 'legacy',
      customerId: 'customer-a',
      interviewId: 'i1',
      from: T0 - 60_000,
      to: T0 + 60_000,
    });
    expect(completionQuery({ ...row, pairedWith: waitingLegacy }, scored)).toBeNull();
  });

  it('decided and planned from those facts: a waiting report of the other source makes a new pair', () => {
    const plan = decideAndPlanCompletion(row, scored, undefined, [waitingLegacy], T0 + 5);
    expect(plan.pair).toMatchObject({
      kind: 'insert',
      pair: { legacyId: 'l1', workflowsId: 'w1' },
    });
    expect(plan.counterpart).toEqual({ id: 'l1', action: 'enqueue', at: T0 + 5 });
    expect(plan.status).toBe('shadowed');
  });
});

describe('replays', () => {
  it('only delivered and dead events are replayed; the rest answer their status', () => {
    expect(replayOutcome('dead')).toBe('replay');
    expect(replayOutcome('delivered')).toBe('replay');
    expect(replayOutcome('pending')).toBe('pending');
    expect(replayOutcome('cancelled')).toBe('cancelled');
  });

  it('an event that never had a result waits for its score again; the others go in line', () => {
    expect(
      planRequeue([
        { id: 'a', needsScore: false },
        { id: 'b', needsScore: true },
        { id: 'c', needsScore: false },
      ]),
    ).toEqual({ reenrich: ['b'], enqueue: ['a', 'c'] });
  });

  it('a bulk replay reads the next batch only after a full one that replayed something', () => {
    expect(replayGoesOn(REPLAY_BATCH, REPLAY_BATCH)).toBe(true);
    expect(replayGoesOn(REPLAY_BATCH - 1, REPLAY_BATCH - 1)).toBe(false);
    expect(replayGoesOn(REPLAY_BATCH, 0)).toBe(false);
  });
});
