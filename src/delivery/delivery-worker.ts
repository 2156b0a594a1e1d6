import type { Logger } from '../ops/logger.js';
import type { Metrics } from '../ops/metrics.js';
import type { AttemptRecord, OutboxItem, ReleasedHold } from '../store/delivery-types.js';
import type { Store } from '../store/store.js';
import { type Clock, systemClock } from '../util/clock.js';
import { createPollLoop } from '../util/poll-loop.js';
import type { CallbackClient, DeliveryOutcome } from './callback-client.js';
import { decide } from './retry-policy.js';

export interface DeliveryWorkerOptions {
  store: Store;
  client: CallbackClient;
  /** Delays between attempts: N delays, N + 1 attempts, then the event is dead. */
  retryScheduleMs: readonly number[];
  concurrency: number;
  /** How long a claimed entry stays leased; longer than one attempt can take. */
  leaseMs: number;
  /** How often the outbox is read when nothing wakes the worker. */
  pollIntervalMs?: number;
  /** The longest one attempt takes (CALLBACK_TIMEOUT_MS): a fresh event is sent only with this much of its lease left. */
  attemptMs?: number;
  /** Fresh events held in memory at most, waiting for a free connection (the fast path). */
  maxFresh?: number;
  logger: Logger;
  metrics: Metrics;
  /** The time, and its timers (the poll, a retry due before the next poll); the system's by default. */
  clock?: Clock;
  /**
   * ORDER_HOLD_MAX: an event the callback refuses holds its customer's later events this long
   * from its first failure at most (the store steps it out of the line, releaseHolds).
   */
  orderHoldMaxMs?: number;
  /** Told what operators are alerted about (src/alerts/). */
  observer?: DeliveryObserver;
}

/** What the delivery worker tells the alerts (src/alerts/), and nothing it waits for. */
export interface DeliveryObserver {
  /** Each attempt's outcome (not one cut short by a stop). */
  attempted(outcome: DeliveryOutcome): void;
  /** An event became dead here. */
  dead(event: { eventId: string; source: string; why: string; lastAnswer: string }): void;
  /** Events that stopped holding their customer's line here (at most once each, any store). */
  released(holds: readonly ReleasedHold[]): void;
}

export interface DeliveryWorker {
  start(): Promise<void>;
  /** Reads the outbox now (called when an event is accepted that did not take the fast path). */
  wake(): void;
  /**
   * The fast path, asked before an accept: the lease to store a fresh event's outbox entry with,
   * or null when the worker cannot take more from memory now (stopped, or its queue is full).
   */
  offer(now: number): { leaseUntil: number } | null;
  /** A fresh event, committed and leased to this worker: sent now, or as soon as a slot frees. */
  deliverFresh(item: OutboxItem & { leaseUntil: number }): void;
  /**
   * Stops claiming; waits up to `graceMs` for deliveries in flight, then aborts the rest,
   * which stay leased and are sent again after the next start.
   */
  stop(graceMs: number): Promise<void>;
  readonly running: boolean;
}

/**
 * Entries of one customer's line sent in a row by one slot at most (Store.claimNext after each
 * delivery); then the slot is given up, so a hot line does not keep it from fresh events and
 * the other lines' heads.
 */
export const LINE_RUN = 32;

/** Sends outbox entries to the callback, at least once each, retrying on the schedule. */
export function createDeliveryWorker(options: DeliveryWorkerOptions): DeliveryWorker {
  const { store, client, retryScheduleMs, concurrency, leaseMs, logger, metrics } = options;
  const pollIntervalMs = options.pollIntervalMs ?? 500;
  const attemptMs = options.attemptMs ?? leaseMs / 2;
  const maxFresh = options.maxFresh ?? 1024;
  const clock = options.clock ?? systemClock;
  const orderHoldMaxMs = options.orderHoldMaxMs ?? 180_000;
  const observer = options.observer;
  /** Fresh events waiting for a slot, oldest first; each is leased to this worker. */
  const fresh: (OutboxItem & { leaseUntil: number })[] = [];
  /** The outbox may hold due entries (something was enqueued without the fast path). */
  let backlog = true;
  let stopping: Promise<void> | undefined;
  /**
   * The events this worker is sending, until their result is written. A claim can return one
   * of them: when the result's write outlasts the lease (a database that hung for longer), a
   * poll re-leases the entry to this same instance. It is not sent again: the result on its way
   * is this instance's to write (the lease names it), and it settles the entry. Before, the
   * event reached the callback twice, and the second result was refused as a lease taken over.
   */
  const sending = new Set<string>();
  /** Entries of `sending` a claim leased again meanwhile (giveBackIfReclaimed). */
  const reclaimed = new Set<string>();
  let lastFallbackCheck = 0;
  /** Aborted when a stop's grace period is over. */
  const abandon = new AbortController();
  const loop = createPollLoop({
    turn,
    intervalMs: pollIntervalMs,
    clock,
    onError: (error) =>
      logger.error({ err: error }, 'delivery: cannot read the outbox; trying again'),
  });

  /** One turn of the loop: the due fallbacks, then due entries for every free slot. */
  async function turn(): Promise<void> {
    // Reports whose wait for their login's other report is over (SHADOW_FALLBACK_AFTER) are
    // forwarded alone: the login was reported by one source only.
    if (clock.now() - lastFallbackCheck >= pollIntervalMs) {
      lastFallbackCheck = clock.now();
      const forwarded = await store.forwardFallbacks(clock.now());
      if (forwarded.length > 0) {
        metrics.shadowFallbacks.inc(forwarded.length);
        logger.info(
          { events: forwarded },
          'delivery: no report of the same login came from the preferred source; forwarding these alone',
        );
      }
      // ORDER_HOLD_MAX: events the callback keeps refusing let their customers' later ones go.
      const released = await store.releaseHolds(clock.now());
      if (released.length > 0) {
        observer?.released(released);
        for (const hold of released.filter((h) => h.waiting > 0)) {
          logger.warn(
            { eventId: hold.eventId, customerId: hold.customerId, waiting: hold.waiting },
            "delivery: the callback refused this event for ORDER_HOLD_MAX; its customer's later events go ahead, it keeps its own retry schedule",
          );
        }
      }
    }
    while (loop.running && loop.inFlight < concurrency) {
      const wanted = concurrency - loop.inFlight;
      const items = await store.claimDue(clock.now(), wanted, leaseMs);
      if (items.length < wanted) backlog = false;
      if (items.length === 0) break;
      const claimed = items.filter((item) => {
        if (!sending.has(item.eventId)) return true;
        reclaimed.add(item.eventId);
        return false;
      });
      for (const item of claimed) start(item);
      // Fewer than asked for: nothing else is due now. Only entries already being sent came
      // back: none other is due now.
      if (items.length < wanted || claimed.length === 0) break;
    }
  }

  /**
   * Sends one entry in a slot of its own, then the entries of its customer's line behind it, one
   * after the other as each is delivered (Store.claimNext: the line follows itself instead of
   * waiting for a poll per entry), at most LINE_RUN in a row; when it ends, the slot takes the
   * next fresh event or refills from the outbox.
   */
  function start(item: OutboxItem): void {
    let rest: (OutboxItem & { leaseUntil: number }) | null = null;
    const line = sendLine(item).then((next) => {
      rest = next;
    });
    loop.track(line, function settled() {
      if (rest !== null) {
        // A hot line gave its slot up with its next entry leased (so no claim takes it): the
        // other lines' heads are claimed first, then it waits with the fresh events.
        const next: OutboxItem & { leaseUntil: number } = rest;
        void loop.poll().finally(() => {
          if (!loop.running) return;
          fresh.push(next);
          nextFresh();
        });
        return;
      }
      if (nextFresh()) return;
      // Refill from the outbox once half the slots are free, and only when it may hold due
      // entries: one claim (one transaction) for several entries, none for fresh events.
      if (backlog && loop.inFlight <= concurrency >> 1) void loop.poll();
    });
  }

  /**
   * One slot's run along a line: the entry, then the next of its line while each is delivered.
   * After LINE_RUN in a row, returns the line's next entry, leased and not sent, for the slot to
   * take up again after the other lines.
   */
  async function sendLine(
    first: OutboxItem,
  ): Promise<(OutboxItem & { leaseUntil: number }) | null> {
    let item: OutboxItem | null = first;
    for (let run = 1; item !== null; run++) {
      sending.add(item.eventId);
      let delivered: boolean;
      try {
        delivered = await deliver(item);
      } finally {
        sending.delete(item.eventId);
        giveBackIfReclaimed(item.eventId);
      }
      if (!delivered || !loop.running) return null;
      const after: string = item.eventId;
      const at = clock.now();
      try {
        item = await store.claimNext(after, at, leaseMs);
      } catch (error) {
        backlog = true;
        logger.error(
          { err: error },
          'delivery: cannot claim the next entry of a line; a poll will',
        );
        return null;
      }
      // Being sent by this worker already (a lease re-taken after a slow write): not twice.
      if (item !== null && sending.has(item.eventId)) {
        reclaimed.add(item.eventId);
        return null;
      }
      if (item !== null && run >= LINE_RUN) return { ...item, leaseUntil: at + leaseMs };
    }
    return null;
  }

  /**
   * An entry a claim leased again while this worker was still sending it (its result written,
   * or its lease run out, before the send ended) is not sent twice at once, and not left either:
   * once the send ends, its new lease is given back, and a poll sends it if it is still due (a
   * delivered entry is gone by then, and the give-back finds nothing). Kept, the lease held the
   * entry, and its customer's line behind it, until it ran out (CALLBACK_TIMEOUT_MS + 30 s).
   */
  function giveBackIfReclaimed(eventId: string): void {
    if (!reclaimed.delete(eventId)) return;
    backlog = true;
    store
      .releaseFresh([eventId])
      .then(() => loop.poll())
      .catch((error: unknown) =>
        logger.error(
          { err: error, eventId },
          'delivery: cannot give back an entry claimed during its own send; its lease runs out',
        ),
      );
  }

  /** Starts the oldest fresh event that still has time on its lease; says whether it did. */
  function nextFresh(): boolean {
    const stale: string[] = [];
    let started = false;
    while (loop.running && loop.inFlight < concurrency && fresh.length > 0) {
      const item = fresh.shift() as OutboxItem & { leaseUntil: number };
      // Too little of its lease left for an attempt: given back, for a poll to claim.
      if (item.leaseUntil - clock.now() <= attemptMs + 1_000) {
        stale.push(item.eventId);
        continue;
      }
      start(item);
      started = true;
      break;
    }
    if (stale.length > 0) {
      backlog = true;
      store
        .releaseFresh(stale)
        .then(() => loop.poll())
        .catch((error: unknown) =>
          logger.error(
            { err: error },
            'delivery: cannot give back fresh entries; their lease runs out',
          ),
        );
    }
    return started;
  }

  /** One attempt and its result stored; says whether the event was delivered (and stored so). */
  async function deliver(item: OutboxItem): Promise<boolean> {
    const at = clock.now();
    const started = performance.now();
    const outcome = await client.send(item, abandon.signal);
    if (outcome.abandoned) {
      // Aborted by a stop: not an attempt. The entry stays leased and is due at the next start.
      logger.info({ eventId: item.eventId }, 'delivery: handed back at stop');
      return false;
    }
    const durationMs = Math.round(performance.now() - started);
    metrics.deliveryDuration.observe(durationMs / 1000);
    observer?.attempted(outcome);
    const attempt: AttemptRecord = {
      at,
      durationMs,
      statusCode: outcome.statusCode,
      error: outcome.error,
    };
    const attemptNumber = item.attempts + 1;
    const log = {
      eventId: item.eventId,
      source: item.source,
      attempt: attemptNumber,
      statusCode: outcome.statusCode,
      durationMs,
    };
    try {
      const verdict = decide(outcome, attemptNumber, retryScheduleMs, Math.random());
      if (verdict.kind === 'delivered') {
        await store.recordDelivered(item.eventId, attempt);
        metrics.deliveryAttempts.inc({ source: item.source, outcome: 'delivered' });
        logger.debug(log, 'delivery: delivered');
        return true;
      }
      if (verdict.kind === 'dead') {
        await store.recordFailed(item.eventId, attempt, 'dead');
        metrics.deliveryAttempts.inc({ source: item.source, outcome: 'dead' });
        metrics.deadEvents.inc({ source: item.source });
        observer?.dead({
          eventId: item.eventId,
          source: item.source,
          why: verdict.why,
          lastAnswer:
            outcome.statusCode === null
              ? (outcome.error ?? 'no answer')
              : `HTTP ${outcome.statusCode}`,
        });
        logger.error(
          { ...log, error: outcome.error, why: verdict.why },
          'delivery: the event is dead; replay it with POST /admin/events/:id/replay',
        );
      } else {
        const retryAt = clock.now() + verdict.delayMs;
        // The hold runs from the round's first failure: the store keeps the first one it got.
        await store.recordFailed(item.eventId, attempt, {
          retryAt,
          holdUntil: at + orderHoldMaxMs,
        });
        // A retry due before the next poll gets a timer of its own; later ones wait for a poll.
        if (verdict.delayMs < pollIntervalMs) loop.pollIn(verdict.delayMs);
        metrics.deliveryAttempts.inc({ source: item.source, outcome: 'failed' });
        logger.warn(
          { ...log, error: outcome.error, retryAt: new Date(retryAt).toISOString() },
          'delivery: failed; will retry',
        );
      }
    } catch (error) {
      // The outcome could not be stored: the lease runs out and the entry is sent again
      // with the same event id (at least once, never lost). The PostgreSQL store also keeps it
      // and writes it before its next claim once the database is back.
      logger.error({ err: error, eventId: item.eventId }, 'delivery: cannot record the outcome');
    }
    return false;
  }

  return {
    get running() {
      return loop.running;
    },
    async start() {
      const released = await store.releaseLeases();
      if (released > 0)
        logger.warn(
          { released },
          'delivery: entries left in flight by a previous run are due again',
        );
      // Stopped while it was starting (a stop during the wait for the store): it stays stopped.
      loop.start();
    },
    wake() {
      backlog = true;
      loop.wake();
    },
    offer(now) {
      if (!loop.running || fresh.length >= maxFresh) return null;
      return { leaseUntil: now + leaseMs };
    },
    deliverFresh(item) {
      // Accepted while stopping: it stays leased in the outbox, due again at the next start.
      if (!loop.running) return;
      fresh.push(item);
      nextFresh();
    },
    stop(graceMs) {
      stopping ??= (async () => {
        loop.stop();
        // Fresh events not started stay leased in the outbox: due again at the next start.
        fresh.length = 0;
        await loop.drained(graceMs);
        abandon.abort();
        await loop.drained();
        await client.close();
      })();
      return stopping;
    },
  };
}
