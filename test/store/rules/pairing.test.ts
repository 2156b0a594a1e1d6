import { describe, expect, it } from 'vitest';
import {
  emptyResult,
  type NormalizedResult,
  type Source,
} from '../../../src/normalize/normalized-schema.js';
import { bucketOf } from '../../../src/store/rules/bucket.js';
import type { LoginCandidate } from '../../../src/store/rules/login.js';
import { newPair } from '../../../src/store/rules/pairing.js';

const T0 = Date.parse('2026-11-25T12:00:00.000Z');
const SECOND = 1000;
const rule = { comparison: { compared: [{ field: 'status' }], ignored: [] } };

const result = (source: Source, eventId: string, status: NormalizedResult['status']) => {
  const r = emptyResult({ eventId, receivedAt: new Date(T0).toISOString(), source, status });
  r.ids.customerId = 'c1';
  return r;
};
const candidate = (
  id: string,
  offsetMs: number,
  normalized: NormalizedResult | null,
  customerId: string | null = 'c1',
): LoginCandidate => ({
  id,
  source: 'legacy',
  customerId,
  interviewId: null,
  receivedAt: T0 + offsetMs,
  status: 'pending',
  fate: 'forwarded',
  normalized,
});

describe('newPair: the two reports of one login', () => {
  it('legacy and Workflows sides, complete when the later came, begun when the first came, compared', () => {
    const event = {
      id: 'w',
      source: 'workflows' as const,
      receivedAt: T0,
      customerId: 'c1',
      normalized: result('workflows', 'w', 'FAIL'),
    };
    const pair = newPair(
      event,
      candidate('l', 10 * SECOND, result('legacy', 'l', 'PASS')),
      rule,
      'legacy',
    );
    expect(pair).toEqual({
      legacyId: 'l',
      workflowsId: 'w',
      pairedAt: T0 + 10 * SECOND,
      firstAt: T0,
      forwarded: 'legacy',
      comparison: {
        statusAgrees: false,
        reasonAgrees: false,
        kind: 'status: legacy PASS, workflows FAIL',
        differences: JSON.stringify([{ field: 'status', legacy: 'PASS', workflows: 'FAIL' }]),
      },
      bucket: bucketOf('c1'),
    });
  });

  it('one still waiting for its score: paired now, compared once scored', () => {
    const event = {
      id: 'w',
      source: 'workflows' as const,
      receivedAt: T0,
      customerId: null,
      normalized: null,
    };
    const pair = newPair(
      event,
      candidate('l', -SECOND, result('legacy', 'l', 'PASS')),
      rule,
      'legacy',
    );
    expect(pair.comparison).toBeNull();
    // The customer comes from the legacy report when the Workflows one names none.
    expect(pair.bucket).toBe(bucketOf('c1'));
    expect(pair.firstAt).toBe(T0 - SECOND);
  });
});
