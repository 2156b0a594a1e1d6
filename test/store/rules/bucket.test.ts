import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { ALL, bucketOf, isMoved } from '../../../src/store/rules/bucket.js';

describe('bucketing by customer id', () => {
  it('pins the share boundary: a customer in bucket 0 moves at the smallest share, one in 9999 only at all', () => {
    expect(bucketOf('customer-6905')).toBe(0);
    expect(isMoved('customer-6905', 0)).toBe(false);
    expect(isMoved('customer-6905', 1)).toBe(true);
    expect(bucketOf('customer-14571')).toBe(9999);
    expect(isMoved('customer-14571', 9999)).toBe(false);
    expect(isMoved('customer-14571', ALL)).toBe(true);
  });

  it('is stable: the same id always gets the same bucket, inside 0..9999', () => {
    fc.assert(
      fc.property(fc.string({ minLength: 1, maxLength: 64 }), (id) => {
        const bucket = bucketOf(id);
        expect(bucket).toBe(bucketOf(id));
        expect(Number.isInteger(bucket) && bucket >= 0 && bucket < ALL).toBe(true);
      }),
      { numRuns: 2000 },
    );
  });

  it('is monotone: raising the share only adds customers, lowering it only removes them', () => {
    fc.assert(
      fc.property(
        fc.uniqueArray(fc.uuid(), { minLength: 50, maxLength: 300 }),
        fc.integer({ min: 0, max: ALL }),
        fc.integer({ min: 0, max: ALL }),
        (ids, a, b) => {
          const [low, high] = a <= b ? [a, b] : [b, a];
          const movedLow = ids.filter((id) => isMoved(id, low));
          const movedHigh = new Set(ids.filter((id) => isMoved(id, high)));
          for (const id of movedLow) expect(movedHigh.has(id)).toBe(true);
          expect(ids.filter((id) => isMoved(id, 0))).toEqual([]);
          expect(ids.filter((id) => isMoved(id, ALL))).toEqual(ids);
        },
      ),
      { numRuns: 300 },
    );
  });

  it('moves about the share asked for', () => {
    const ids = Array.from({ length: 20_000 }, (_, i) => `customer-${i}`);
    for (const percent of [1, 10, 50, 90]) {
      const moved = ids.filter((id) => isMoved(id, percent * 100)).length / ids.length;
      expect(Math.abs(moved - percent / 100)).toBeLessThan(0.01);
    }
  });
});
