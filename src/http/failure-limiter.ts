/**
 * Slows down repeated failures from one address: after `max` failures within `windowMs`, the
 * address is refused until the window has passed. Bounded: it remembers at most `capacity`
 * addresses, forgetting the oldest first.
 */
export function createFailureLimiter(options: { max: number; windowMs: number; capacity: number }) {
  const failures = new Map<string, number[]>();
  const recent = (address: string, now: number) =>
    (failures.get(address) ?? []).filter((at) => now - at < options.windowMs);

  return {
    /** Milliseconds until the address may try again; 0 when it may now. */
    retryAfterMs(address: string, now: number): number {
      const times = recent(address, now);
      if (times.length < options.max) return 0;
      return options.windowMs - (now - (times[0] as number));
    },
    fail(address: string, now: number): void {
      const times = recent(address, now);
      times.push(now);
      failures.delete(address);
      failures.set(address, times.slice(-options.max));
      if (failures.size > options.capacity) {
        const oldest = failures.keys().next().value;
        if (oldest !== undefined) failures.delete(oldest);
      }
    },
    succeed(address: string): void {
      failures.delete(address);
    },
  };
}

export type FailureLimiter = ReturnType<typeof createFailureLimiter>;
