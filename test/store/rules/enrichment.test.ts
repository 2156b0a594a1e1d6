import { describe, expect, it } from 'vitest';
import { decideCompletion, supersedeLookup } from '../../../src/store/rules/enrichment.js';
import type { EnrichmentCompletion } from '../../../src/store/store.js';
import { newEvent } from '../../helpers/new-event.js';

const event = newEvent({ id: 'w1', source: 'workflows', interviewId: 'i1' });
const result: EnrichmentCompletion = {
  state: 'scored',
  normalized: event.normalized as NonNullable<typeof event.normalized>,
  forward: { format: 'legacy', body: new Uint8Array() },
  legacyFields: [],
  error: null,
  called: true,
  pairing: { windowMs: 1, comparison: { compared: [{ field: 'status' }], ignored: [] } },
  supersededBy: { interviewId: 'i1', routes: ['/webhooks/workflows/session'] },
};
const dead: EnrichmentCompletion = {
  state: 'unavailable',
  status: 'dead',
  note: 'no score came',
  error: 'HTTP 503',
  called: false,
};

describe('how a wait for the score ends', () => {
  it('a result is forwarded and paired; a shadowed one stays shadowed, not forwarded', () => {
    expect(decideCompletion(false, result, undefined)).toEqual({
      kind: 'result',
      status: 'pending',
      forward: true,
      pair: true,
    });
    expect(decideCompletion(true, result, undefined)).toMatchObject({
      status: 'shadowed',
      forward: false,
    });
  });

  it('a result the callback got meanwhile from another webhook is superseded', () => {
    expect(supersedeLookup(result)).toEqual(result.supersededBy);
    const decision = decideCompletion(false, result, { id: 's1', route: '/r' });
    expect(decision).toMatchObject({ kind: 'superseded' });
    expect(decision.kind === 'superseded' && decision.note).toContain('event s1 (/r)');
  });

  it('no outcome: dead with the note as its last error; a shadowed one stays shadowed with the note', () => {
    expect(supersedeLookup(dead)).toBeNull();
    expect(decideCompletion(false, dead, undefined)).toEqual({
      kind: 'ended',
      status: 'dead',
      note: null,
      lastError: 'no score came',
    });
    expect(decideCompletion(true, dead, undefined)).toEqual({
      kind: 'ended',
      status: 'shadowed',
      note: 'no score came',
      lastError: null,
    });
  });
});
