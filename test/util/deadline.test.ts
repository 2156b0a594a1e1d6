import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { deadline } from '../../src/util/deadline.js';

describe('deadline', () => {
  beforeEach(() => {
    vi.useFakeTimers();
  });
  afterEach(() => {
    vi.useRealTimers();
  });

  it('aborts with a TimeoutError when the time runs out', () => {
    const call = deadline(1000);
    vi.advanceTimersByTime(999);
    expect(call.signal.aborted).toBe(false);
    vi.advanceTimersByTime(1);
    expect(call.signal.aborted).toBe(true);
    expect(call.timedOut).toBe(true);
    expect((call.signal.reason as Error).name).toBe('TimeoutError');
  });

  it('aborts when the parent does, without calling it a timeout', () => {
    const parent = new AbortController();
    const call = deadline(1000, parent.signal);
    parent.abort(new Error('stopping'));
    expect(call.signal.aborted).toBe(true);
    expect(call.timedOut).toBe(false);
    expect((call.signal.reason as Error).message).toBe('stopping');
  });

  it('starts aborted under a parent that already is', () => {
    const parent = new AbortController();
    parent.abort();
    expect(deadline(1000, parent.signal).signal.aborted).toBe(true);
  });

  it('leaves nothing behind once released: no timer, no listener on the parent', () => {
    const parent = new AbortController();
    const listeners = vi.spyOn(parent.signal, 'removeEventListener');
    const calls = Array.from({ length: 100 }, () => deadline(10_000, parent.signal));
    expect(vi.getTimerCount()).toBe(100);
    for (const call of calls) call.release();
    expect(vi.getTimerCount()).toBe(0);
    expect(listeners).toHaveBeenCalledTimes(100);
    parent.abort();
    expect(calls.some((call) => call.signal.aborted)).toBe(false);
  });
});
