import { afterEach, describe, expect, it, vi } from 'vitest';
import { createLogger } from '../../src/ops/logger.js';
import { createRejectionLog } from '../../src/ops/rejection-log.js';

// Rejected requests through the real logger (pino, as the service builds it) writing to a
// captured stream: a flood writes its first line, then one line per interval with the count.

function captured() {
  const lines: Record<string, unknown>[] = [];
  const logger = createLogger({
    level: 'info',
    destination: {
      write(line: string) {
        lines.push(JSON.parse(line) as Record<string, unknown>);
      },
    },
  });
  return { logger, lines };
}

afterEach(() => {
  vi.useRealTimers();
});

const fields = (route: string, code: string, reason = 'wrong key') => ({
  route,
  status: 401,
  code,
  reason,
});

describe('the rejection log', () => {
  it('a flood of one kind: its first line, then one line per interval with the count', () => {
    vi.useFakeTimers();
    const { logger, lines } = captured();
    const log = createRejectionLog({ logger, intervalMs: 1_000 });
    for (let i = 0; i < 20_000; i++) {
      log.warn('/w unauthorized', fields('/w', 'unauthorized', `reason ${i}`), 'webhook: rejected');
    }
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatchObject({
      level: 'warn',
      msg: 'webhook: rejected',
      route: '/w',
      code: 'unauthorized',
      reason: 'reason 0',
    });
    vi.advanceTimersByTime(1_000);
    expect(lines).toHaveLength(2);
    expect(lines[1]).toMatchObject({
      level: 'warn',
      msg: 'webhook: rejected (19999 more like it, not logged one by one)',
      route: '/w',
      status: 401,
      code: 'unauthorized',
      repeated: 19_999,
      intervalMs: 1_000,
    });
    // The flood goes on: one line per interval, each with that interval's count.
    for (let i = 0; i < 500; i++) log.warn('/w unauthorized', fields('/w', 'unauthorized'), 'x');
    vi.advanceTimersByTime(1_000);
    expect(lines).toHaveLength(3);
    expect(lines[2]).toMatchObject({ repeated: 500 });
    // A quiet interval: no line, and the kind is forgotten; its next one is logged in full.
    vi.advanceTimersByTime(5_000);
    expect(lines).toHaveLength(3);
    log.warn(
      '/w unauthorized',
      fields('/w', 'unauthorized', 'after the quiet'),
      'webhook: rejected',
    );
    expect(lines).toHaveLength(4);
    expect(lines[3]).toMatchObject({ msg: 'webhook: rejected', reason: 'after the quiet' });
    log.close();
  });

  it('each kind (route and code) has its own first line and count; close writes the counts due', () => {
    const { logger, lines } = captured();
    const log = createRejectionLog({ logger, intervalMs: 60_000 });
    for (const [route, code] of [
      ['/a', 'unauthorized'],
      ['/a', 'invalid_json'],
      ['/b', 'unauthorized'],
    ] as const) {
      for (let i = 0; i < 3; i++) log.warn(`${route} ${code}`, fields(route, code), 'rejected');
    }
    log.warn('/c unauthorized', fields('/c', 'unauthorized'), 'rejected');
    expect(lines.map((l) => [l.route, l.code, l.repeated])).toEqual([
      ['/a', 'unauthorized', undefined],
      ['/a', 'invalid_json', undefined],
      ['/b', 'unauthorized', undefined],
      ['/c', 'unauthorized', undefined],
    ]);
    log.close();
    expect(lines.slice(4).map((l) => [l.route, l.code, l.repeated])).toEqual([
      ['/a', 'unauthorized', 2],
      ['/a', 'invalid_json', 2],
      ['/b', 'unauthorized', 2],
    ]);
  });
});
