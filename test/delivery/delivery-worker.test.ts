import { afterEach, describe, expect, it } from 'vitest';
import { createCallbackClient } from '../../src/delivery/callback-client.js';
import { createDeliveryWorker } from '../../src/delivery/delivery-worker.js';
import { JITTER } from '../../src/delivery/retry-policy.js';
import { createLogger } from '../../src/ops/logger.js';
import { createMetrics } from '../../src/ops/metrics.js';
import type { EventSummary } from '../../src/store/admin-types.js';
import { openStore } from '../../src/store/open-store.js';
import type { Store } from '../../src/store/store.js';
import {
  type CallbackServer,
  type Responder,
  startCallbackServer,
} from '../helpers/callback-server.js';
import { type ManualClock, manualClock } from '../helpers/manual-clock.js';
import { newEvent, T0 } from '../helpers/new-event.js';
import { until } from '../helpers/until.js';

// The delivery worker's retry schedule on a clock moved by hand: minutes between attempts pass
// at once, and each step is checked in what the store holds. The callback is a real server on
// loopback; only the time is the test's.

const WINDOW = 3_600_000;
const MINUTE = 60_000;

const cleanups: (() => unknown)[] = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

interface Rig {
  store: Store;
  clock: ManualClock;
  callback: CallbackServer;
  /** Outbox reads so far: a poll that has run is one more. */
  claims: () => number;
  event: (id: string) => Promise<EventSummary>;
}

async function setUp(
  respond: Responder,
  retryScheduleMs: number[],
  pollIntervalMs = 500,
  /** Wraps store methods before the worker starts (to watch or to slow them). */
  prepare: (store: Store) => void = () => {},
): Promise<Rig> {
  const callback = await startCallbackServer(respond);
  cleanups.push(() => callback.close());
  const store = await openStore({ kind: 'sqlite', path: ':memory:' });
  let claims = 0;
  const claimDue = store.claimDue.bind(store);
  store.claimDue = async (...args) => {
    const items = await claimDue(...args);
    claims++;
    return items;
  };
  prepare(store);
  const clock = manualClock(T0);
  const worker = createDeliveryWorker({
    store,
    client: createCallbackClient({
      url: callback.url,
      timeoutMs: 2_000,
      headers: {},
      connections: 2,
    }),
    retryScheduleMs,
    concurrency: 2,
    leaseMs: 32_000,
    attemptMs: 2_000,
    pollIntervalMs,
    logger: createLogger({ level: 'silent' }),
    metrics: createMetrics(store),
    clock,
  });
  cleanups.push(() => store.close());
  cleanups.push(() => worker.stop(1_000));
  const event = async (id: string) => {
    const { items } = await store.listEvents({ limit: 10 });
    const found = items.find((e) => e.id === id);
    if (!found) throw new Error(`no event ${id}`);
    return found;
  };
  await store.accept(newEvent({ id: 'e1', receivedAt: T0 }), WINDOW);
  await worker.start();
  return { store, clock, callback, claims: () => claims, event };
}

/** Moves the clock on and waits for the poll it brings to have read the outbox. */
async function pollAfter(rig: Rig, ms: number): Promise<void> {
  const before = rig.claims();
  rig.clock.advance(ms);
  await until('a poll', () => rig.claims() > before);
}

const within = (delayMs: number, from: number) => [
  from + Math.round(delayMs * (1 - JITTER)),
  from + Math.round(delayMs * (1 + JITTER)),
];

describe('the delivery worker on its retry schedule (a clock moved by hand)', () => {
  it('retries a 503 after each delay of the schedule, not before, and the event is dead after the last', async () => {
    const rig = await setUp(() => ({ status: 503 }), [MINUTE, 5 * MINUTE]);
    await until(
      'the first attempt is recorded',
      async () => (await rig.event('e1')).attempts === 1,
    );
    const first = await rig.event('e1');
    expect(first).toMatchObject({ status: 'pending', lastError: 'HTTP 503' });
    const [earliest, latest] = within(MINUTE, T0);
    const retryAt = Date.parse(first.nextAttemptAt as string);
    expect(retryAt).toBeGreaterThanOrEqual(earliest as number);
    expect(retryAt).toBeLessThanOrEqual(latest as number);

    // Just before the retry is due, a poll reads the outbox and sends nothing.
    await pollAfter(rig, retryAt - 1 - T0);
    expect(await rig.event('e1')).toMatchObject({ status: 'pending', attempts: 1 });
    expect(rig.callback.calls).toHaveLength(1);

    // When it is due, the next poll sends it.
    rig.clock.advance(1_000);
    await until('the second attempt', async () => (await rig.event('e1')).attempts === 2);
    const second = await rig.event('e1');
    // Sent when the poll read it, at the clock's time now: the next delay counts from there.
    const [soonest, latest5] = within(5 * MINUTE, rig.clock.now());
    const next = Date.parse(second.nextAttemptAt as string);
    expect(next).toBeGreaterThanOrEqual(soonest as number);
    expect(next).toBeLessThanOrEqual(latest5 as number);

    // After the last delay the last attempt fails, and the event is dead.
    rig.clock.advance(7 * MINUTE);
    await until('the event is dead', async () => (await rig.event('e1')).status === 'dead');
    expect(await rig.event('e1')).toMatchObject({ attempts: 3, lastError: 'HTTP 503' });
    expect(rig.callback.calls.map((c) => c.headers['x-faceauth-event-id'])).toEqual([
      'e1',
      'e1',
      'e1',
    ]);
  });

  it('a retry due before the next poll gets a timer of its own', async () => {
    const rig = await setUp(
      (_call, index) => ({ status: index === 0 ? 503 : 200 }),
      [100],
      10 * MINUTE,
    );
    await until(
      'the first attempt is recorded',
      async () => (await rig.event('e1')).attempts === 1,
    );
    // The poll comes in 10 minutes; the retry is due in about 100 ms, on a timer of its own.
    await until('the retry timer', () => rig.clock.pending().some((at) => at < T0 + MINUTE));
    rig.clock.advance(200);
    await until('delivered', async () => (await rig.event('e1')).status === 'delivered');
    expect(await rig.event('e1')).toMatchObject({ attempts: 2, lastError: null });
    expect(rig.clock.now()).toBeLessThan(T0 + MINUTE);
  });

  it('waits as long as a Retry-After asks, beyond the schedule', async () => {
    const rig = await setUp(
      (_call, index) =>
        index === 0 ? { status: 503, headers: { 'retry-after': '900' } } : { status: 200 },
      [MINUTE],
    );
    await until(
      'the first attempt is recorded',
      async () => (await rig.event('e1')).attempts === 1,
    );
    expect(Date.parse((await rig.event('e1')).nextAttemptAt as string)).toBe(T0 + 900_000);
    await pollAfter(rig, 899_000);
    expect(await rig.event('e1')).toMatchObject({ status: 'pending', attempts: 1 });
    rig.clock.advance(1_000);
    await until('delivered', async () => (await rig.event('e1')).status === 'delivered');
  });
});

describe('an entry a poll claims again while its own send is still ending', () => {
  it('is given back when the send ends, and sent by the next poll: its new lease does not hold it', async () => {
    // The first attempt is refused; its result is written, and then its write is slow to come
    // back (a batched write on a loaded machine): a poll in between finds the retry due and
    // leases it again while the worker still counts it as being sent.
    let failedWritten = false;
    let claimedAgain = false;
    let answer = () => {};
    const answered = new Promise<void>((resolve) => {
      answer = resolve;
    });
    const rig = await setUp(
      (_call, index) => ({ status: index === 0 ? 503 : 200 }),
      [MINUTE],
      500,
      (store) => {
        const recordFailed = store.recordFailed.bind(store);
        store.recordFailed = async (...args) => {
          await recordFailed(...args);
          failedWritten = true;
          await answered;
        };
        const claimDue = store.claimDue.bind(store);
        store.claimDue = async (...args) => {
          const items = await claimDue(...args);
          if (failedWritten && items.some((item) => item.eventId === 'e1')) claimedAgain = true;
          return items;
        };
      },
    );
    await until('the refused attempt written', () => failedWritten);
    // The retry is due (a minute, give or take the jitter): a poll leases it again.
    rig.clock.advance(2 * MINUTE);
    await until('a poll to claim e1 again during its send', () => claimedAgain);
    answer();
    // The clock does not move again, so the new lease (32 s) never runs out: only the give-back
    // lets a poll send it.
    await until('the second attempt', () => rig.callback.calls.length === 2);
    await until('e1 delivered', async () => (await rig.event('e1')).status === 'delivered');
    expect(rig.callback.calls).toHaveLength(2);
  });
});
