import { describe, expect, it } from 'vitest';
import { createPollLoop } from '../../src/util/poll-loop.js';
import { manualClock } from '../helpers/manual-clock.js';
import { until } from '../helpers/until.js';

// The loop both workers run, on a clock moved by hand: turns come every interval, when woken,
// or at a timer of their own, never two at once; a stop ends the turns and can wait for the
// work in flight.

const T0 = Date.parse('2026-11-25T12:00:00.000Z');

function setUp(turnWork: () => Promise<void> = async () => {}) {
  const clock = manualClock(T0);
  const turns: number[] = [];
  const errors: unknown[] = [];
  const loop = createPollLoop({
    clock,
    intervalMs: 500,
    onError: (error) => errors.push(error),
    turn: async () => {
      turns.push(clock.now());
      await turnWork();
    },
  });
  return { clock, loop, turns, errors };
}

describe('the poll loop', () => {
  it('turns at start, then once every interval of its clock, and not at all once stopped', async () => {
    const { clock, loop, turns } = setUp();
    loop.start();
    await until('the first turn rests', () => clock.pending().length === 1);
    expect(turns).toEqual([T0]);
    expect(clock.pending()).toEqual([T0 + 500]);
    clock.advance(500);
    await until('the second turn rests', () => clock.pending().length === 1);
    expect(turns).toEqual([T0, T0 + 500]);
    loop.stop();
    expect(clock.pending()).toEqual([]);
    expect(loop.running).toBe(false);
  });

  it('a wake during a turn runs one more turn right after it, never two at once', async () => {
    let release!: () => void;
    let inTurn = 0;
    let most = 0;
    const { clock, loop, turns } = setUp(async () => {
      inTurn++;
      most = Math.max(most, inTurn);
      if (turns.length === 1) await new Promise<void>((resolve) => (release = resolve));
      inTurn--;
    });
    loop.start();
    void loop.poll();
    void loop.poll();
    release();
    await until('the turns rest', () => clock.pending().length === 1);
    expect(turns).toHaveLength(2);
    expect(most).toBe(1);
  });

  it('a timer of its own brings a turn before the interval is over', async () => {
    const { clock, loop, turns } = setUp();
    loop.start();
    await until('the first turn rests', () => clock.pending().length === 1);
    loop.pollIn(100);
    clock.advance(100);
    await until('the second turn', () => turns.length === 2);
    expect(turns).toEqual([T0, T0 + 100]);
  });

  it('a failed turn is reported, and the next comes at the interval', async () => {
    const { clock, loop, turns, errors } = setUp(async () => {
      if (turns.length === 1) throw new Error('the store is away');
    });
    loop.start();
    await until('the failed turn rests', () => clock.pending().length === 1);
    expect(errors).toEqual([new Error('the store is away')]);
    clock.advance(500);
    await until('the next turn', () => turns.length === 2);
  });

  it('counts work in flight; drained waits for it, or for the grace to end', async () => {
    const { loop } = setUp();
    let finish!: () => void;
    const settled: string[] = [];
    loop.track(new Promise<void>((resolve) => (finish = resolve)), () => settled.push('done'));
    expect(loop.inFlight).toBe(1);
    expect(await loop.drained(10)).toBe(false);
    const drained = loop.drained();
    finish();
    expect(await drained).toBe(true);
    expect(loop.inFlight).toBe(0);
    expect(settled).toEqual(['done']);
  });

  it('a loop stopped before it starts stays stopped', async () => {
    const { clock, loop, turns } = setUp();
    loop.stop();
    loop.start();
    expect(loop.running).toBe(false);
    expect(turns).toEqual([]);
    expect(clock.pending()).toEqual([]);
  });
});
