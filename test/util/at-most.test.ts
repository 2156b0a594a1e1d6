import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { atMost } from '../../src/util/at-most.js';

describe('atMost', () => {
  beforeEach(() => {
    vi.useFakeTimers();
  });
  afterEach(() => {
    vi.useRealTimers();
  });

  it('resolves true as soon as the work settles, and leaves no timer', async () => {
    let finish!: () => void;
    const waiting = atMost(new Promise<void>((resolve) => (finish = resolve)), 1000);
    finish();
    await expect(waiting).resolves.toBe(true);
    expect(vi.getTimerCount()).toBe(0);
  });

  it('resolves true when the work fails: the failure is its owner to report', async () => {
    await expect(atMost(Promise.reject(new Error('no')), 1000)).resolves.toBe(true);
  });

  it('resolves false when the time is over first', async () => {
    const waiting = atMost(new Promise(() => {}), 1000);
    await vi.advanceTimersByTimeAsync(999);
    expect(vi.getTimerCount()).toBe(1);
    await vi.advanceTimersByTimeAsync(1);
    await expect(waiting).resolves.toBe(false);
  });
});
