import { describe, expect, it } from 'vitest';
import type { NewEvent } from '../../../src/store/accept-types.js';
import { decideArrival, fastPathLease } from '../../../src/store/rules/arrival.js';
import { newEvent, T0 } from '../../helpers/new-event.js';

const earlier = { id: 'f1', route: '/webhooks/workflows/face-authentication' };
const lease = { leaseUntil: T0 + 60_000 };

describe('what a new event becomes', () => {
  it('forwarded: pending, with an outbox entry due at once, unmatched without a stored report of its login', () => {
    const event = newEvent({ id: 'e1' });
    expect(decideArrival(event, undefined, [])).toMatchObject({
      status: 'pending',
      note: null,
      forwarded: true,
      held: false,
      shadowed: false,
      fallbackAt: null,
      enrich: null,
      match: null,
    });
  });

  it("the login's other report decides: forwarded already, this one is shadowed and paired with it", () => {
    const event = newEvent({ id: 'w1', source: 'workflows', receivedAt: T0 + 1000 });
    const other = {
      id: 'l1',
      source: 'legacy' as const,
      customerId: 'customer-a',
      interviewId: null,
      receivedAt: T0,
      status: 'delivered' as const,
      fate: 'forwarded' as const,
      normalized: null,
    };
    expect(decideArrival(event, undefined, [other])).toMatchObject({
      status: 'shadowed',
      forwarded: false,
      shadowed: true,
      fallbackAt: null,
      match: { counterpart: other, action: null },
    });
    // Waiting: the preferred report ends its wait; a report of no preference lets it go first.
    const waiting = { ...other, status: 'shadowed' as const, fate: 'waiting' as const };
    expect(decideArrival(event, undefined, [waiting]).match?.action).toBe('settle');
    const none = { ...event, mode: { prefer: null } };
    expect(decideArrival(none, undefined, [waiting])).toMatchObject({
      status: 'shadowed',
      match: { action: 'enqueue' },
    });
    const scoring = { ...waiting, status: 'enriching' as const };
    expect(decideArrival(none, undefined, [scoring]).match?.action).toBe('unshadow');
  });

  it('an earlier result of the interview makes it superseded, with a note naming it, uncompared', () => {
    const event: NewEvent = { ...newEvent({ id: 's1', shadowed: true, fallbackAt: T0 + 5 }) };
    const arrival = decideArrival(event, earlier, []);
    expect(arrival).toMatchObject({ status: 'superseded', forwarded: false, fallbackAt: null });
    expect(arrival.note).toContain('event f1 (/webhooks/workflows/face-authentication)');
  });

  it('informational keeps its note; a report of the source not preferred waits until its fallback time', () => {
    const info = decideArrival(
      { ...newEvent({ id: 'i1' }), notForwarded: { status: 'informational', note: 'started' } },
      undefined,
      [],
    );
    expect(info).toMatchObject({ status: 'informational', note: 'started', forwarded: false });
    const waiting = decideArrival(
      newEvent({ id: 'h1', preference: 'other', waitMs: 5 }),
      undefined,
      [],
    );
    expect(waiting).toMatchObject({ status: 'shadowed', forwarded: false, fallbackAt: T0 + 5 });
  });

  it('waiting for its score: enriching, its entry held, the wait measured from arrival', () => {
    const event: NewEvent = { ...newEvent({ id: 'w1' }), enrich: { deadline: T0 + 300 } };
    expect(decideArrival(event, undefined, [])).toMatchObject({
      status: 'enriching',
      forwarded: true,
      held: true,
      enrich: { deadline: T0 + 300, waitMs: 300, nextAt: T0 },
    });
    const waiting = decideArrival(
      { ...event, mode: { prefer: 'workflows' }, waitMs: 10 },
      undefined,
      [],
    );
    expect(waiting).toMatchObject({ status: 'enriching', forwarded: false, fallbackAt: T0 + 10 });
  });

  it('nothing to forward and no reason given is a bug, refused', () => {
    expect(() => decideArrival({ ...newEvent({ id: 'x' }), forward: null }, undefined, [])).toThrow(
      'nothing to forward',
    );
  });
});

describe('the fast path', () => {
  const pending = (event: NewEvent) => decideArrival(event, undefined, []);

  it('leases a pending event asked for it when nothing of its order key is in line', () => {
    const event = { ...newEvent({ id: 'e1' }), fastPath: lease };
    expect(fastPathLease(pending(event), event, () => false)).toEqual(lease);
    expect(fastPathLease(pending(event), event, () => true)).toBeNull();
  });

  it('never for an event not asked for it, or not pending (the line is not even looked at)', () => {
    const lookedAt: string[] = [];
    const inLine = () => {
      lookedAt.push('x');
      return false;
    };
    const plain = newEvent({ id: 'e1' });
    expect(fastPathLease(pending(plain), plain, inLine)).toBeNull();
    const waiting = { ...plain, fastPath: lease, enrich: { deadline: T0 + 1 } };
    expect(fastPathLease(pending(waiting), waiting, inLine)).toBeNull();
    expect(lookedAt).toEqual([]);
  });
});
