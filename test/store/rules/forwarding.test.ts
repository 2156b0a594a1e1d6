import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { decideFate, type Preference } from '../../../src/store/rules/forwarding.js';
import type { Fate } from '../../../src/store/rules/login.js';

const WAIT = 10_000;

describe('decideFate: one callback per login', () => {
  it.each<[Preference, Fate | undefined, number, ReturnType<typeof decideFate>]>([
    // Alone so far.
    ['preferred', undefined, WAIT, { fate: 'forward', counterpart: null }],
    ['none', undefined, WAIT, { fate: 'forward', counterpart: null }],
    ['other', undefined, WAIT, { fate: 'wait', counterpart: null }],
    ['other', undefined, 0, { fate: 'forward', counterpart: null }],
    // The login reached the callback already: never twice.
    ['preferred', 'forwarded', WAIT, { fate: 'shadow', counterpart: null }],
    ['none', 'forwarded', WAIT, { fate: 'shadow', counterpart: null }],
    ['other', 'forwarded', WAIT, { fate: 'shadow', counterpart: null }],
    // The other report waits: the preferred one ends its wait, otherwise the first goes.
    ['preferred', 'waiting', WAIT, { fate: 'forward', counterpart: 'settle' }],
    ['none', 'waiting', WAIT, { fate: 'shadow', counterpart: 'release' }],
    ['other', 'waiting', WAIT, { fate: 'shadow', counterpart: 'release' }],
    // The other report will never be sent: this one is.
    ['preferred', 'shadowed', WAIT, { fate: 'forward', counterpart: null }],
    ['other', 'shadowed', WAIT, { fate: 'forward', counterpart: null }],
  ])('%s, the other report %s, wait %s', (preference, counterpart, wait, expected) => {
    expect(decideFate(preference, counterpart, wait)).toEqual(expected);
  });

  it('whatever the preferences and the order, exactly one of two reports of a login is sent', () => {
    const preference = fc.constantFrom<Preference>('preferred', 'other', 'none');
    fc.assert(
      fc.property(preference, preference, fc.boolean(), (first, second, fallbackFirst) => {
        // The first report arrives alone; its wait may run out before the second arrives.
        const a = decideFate(first, undefined, WAIT);
        let aFate: Fate = a.fate === 'forward' ? 'forwarded' : 'waiting';
        if (aFate === 'waiting' && fallbackFirst) aFate = 'forwarded';
        const b = decideFate(second, aFate, WAIT);
        let aSent = aFate === 'forwarded';
        if (b.counterpart === 'release') aSent = true;
        if (b.counterpart === 'settle') aSent = false;
        const bSent = b.fate === 'forward';
        // A report still waiting at the end is sent at its fallback time.
        const aWaits = aFate === 'waiting' && b.counterpart === null;
        expect(Number(aSent || aWaits) + Number(bSent)).toBe(1);
        // The preferred report is never made to wait.
        if (second === 'preferred') expect(b.fate).not.toBe('wait');
      }),
    );
  });
});
