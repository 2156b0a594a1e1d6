import type { Score } from '../incode/score-schema.js';
import { completion as completionOf } from '../ingest/completion.js';
import type { Mappings } from '../normalize/tables.js';
import type { Logger } from '../ops/logger.js';
import type { Metrics } from '../ops/metrics.js';
import type { EnrichmentCompletion, EnrichmentItem, ForwardFormat } from '../store/accept-types.js';
import type { Store } from '../store/store.js';
import { type Clock, systemClock } from '../util/clock.js';
import { createPollLoop } from '../util/poll-loop.js';

/** Where scores come from: the Incode API client (src/incode/incode-client.ts). */
export interface ScoreSource {
  getScore(
    interviewId: string,
  ): Promise<{ ok: true; score: Score } | { ok: false; retryable: boolean; error: string }>;
  /** Abandons calls under way (they end as retryable failures). */
  close?(): Promise<void>;
}

export interface EnrichWorkerOptions {
  store: Store;
  scores: ScoreSource;
  mappings: Mappings;
  forwardFormat: ForwardFormat;
  /** COMPARE_WINDOW: an event paired at arrival has its differences computed again. */
  compareWindowMs: number;
  /** Calls to the Incode API at once. */
  concurrency?: number;
  /** First delay before asking again; it doubles up to `maxRetryDelayMs`. */
  retryBaseMs?: number;
  maxRetryDelayMs?: number;
  /** Longer than one call can take (INCODE_TIMEOUT_MS, twice with a login). */
  leaseMs: number;
  pollIntervalMs?: number;
  logger: Logger;
  metrics: Metrics;
  /**
   * Called after each completion, which may have put the event, or its login's other report it
   * released, in the outbox (wakes the delivery worker).
   */
  onForward: () => void;
  /** The time, and its timers (the poll, a retry due before the next poll); the system's by default. */
  clock?: Clock;
  /** Called when an event became dead here (no score, and no outcome without one): alerts. */
  onDead?: (eventId: string, why: string) => void;
}

export interface EnrichWorker {
  start(): Promise<void>;
  wake(): void;
  /** Stops claiming and waits up to `graceMs` for calls in flight; the rest are asked again after the next start. */
  stop(graceMs: number): Promise<void>;
}

/**
 * Completes Workflows results with their score from GET /omni/get/score before they are
 * forwarded. While Incode's API does not answer, the event waits (status enriching), asked
 * again with a doubling delay; when ENRICH_MAX_WAIT is over, or Incode answers an error that
 * will not change (404, a rejected key), it is forwarded without the numbers, never with
 * invented ones.
 */
export function createEnrichWorker(options: EnrichWorkerOptions): EnrichWorker {
  const { store, scores, logger, metrics } = options;
  const rules = {
    mappings: options.mappings,
    forwardFormat: options.forwardFormat,
    compareWindowMs: options.compareWindowMs,
  };
  const concurrency = options.concurrency ?? 4;
  const retryBaseMs = options.retryBaseMs ?? 5_000;
  const maxRetryDelayMs = options.maxRetryDelayMs ?? 300_000;
  const pollIntervalMs = options.pollIntervalMs ?? 1_000;
  const clock = options.clock ?? systemClock;
  const loop = createPollLoop({
    turn,
    intervalMs: pollIntervalMs,
    clock,
    onError: (error) =>
      logger.error({ err: error }, 'enrichment: cannot read the waiting events; trying again'),
  });

  /** One turn of the loop: waiting events for every free slot. */
  async function turn(): Promise<void> {
    while (loop.running && loop.inFlight < concurrency) {
      const items = await store.claimEnrichment(
        clock.now(),
        concurrency - loop.inFlight,
        options.leaseMs,
      );
      if (items.length === 0) break;
      for (const item of items) loop.track(enrich(item), () => void loop.poll());
    }
  }

  async function enrich(item: EnrichmentItem): Promise<void> {
    try {
      if (clock.now() >= item.deadline) {
        const last = item.lastError ? `; the last answer: ${item.lastError}` : '';
        await finish(item, undefined, `no score within ENRICH_MAX_WAIT${last}`, false);
        return;
      }
      if (item.interviewId === null) {
        const why = 'the event names no interviewId to ask the score for';
        await finish(item, undefined, why, false);
        return;
      }
      const outcome = await scores.getScore(item.interviewId);
      if (outcome.ok) {
        await finish(item, outcome.score, null, true);
        return;
      }
      const delay = Math.min(retryBaseMs * 2 ** item.attempts, maxRetryDelayMs);
      const retryAt = Math.min(
        item.deadline,
        clock.now() + Math.round(delay * (0.8 + Math.random() * 0.4)),
      );
      if (!outcome.retryable) {
        await finish(item, undefined, outcome.error, true);
        return;
      }
      await store.retryEnrichment(item.eventId, outcome.error, retryAt);
      metrics.enrichment.inc({ outcome: 'retry' });
      logger.warn(
        { eventId: item.eventId, error: outcome.error, retryAt: new Date(retryAt).toISOString() },
        'enrichment: no score yet; will ask again',
      );
      if (retryAt - clock.now() < pollIntervalMs) loop.pollIn(Math.max(0, retryAt - clock.now()));
    } catch (error) {
      // The outcome could not be stored: the lease runs out and the event is asked for again.
      logger.error({ err: error, eventId: item.eventId }, 'enrichment: cannot record the outcome');
    }
  }

  /** Ends the wait: forwards the result, with the score's numbers or (score undefined) without. */
  async function finish(
    item: EnrichmentItem,
    score: Score | undefined,
    error: string | null,
    called: boolean,
  ) {
    let completion: EnrichmentCompletion;
    try {
      completion = completionOf(item, score, error, called, rules);
    } catch (cause) {
      // The stored body no longer maps (the tables changed since it arrived): it would fail
      // the same way every time, holding its customer's later events. Dead, to be looked at.
      logger.error({ err: cause, eventId: item.eventId }, 'enrichment: the event cannot be mapped');
      const note = `the event cannot be mapped any more: ${(cause as Error).message}`;
      const state = score ? 'scored' : 'unavailable';
      completion = { state, status: 'dead', note, error, called };
    }
    const status = await store.completeEnrichment(item.eventId, completion, clock.now());
    if (status === null) return;
    const state = completion.state;
    metrics.enrichment.inc({ outcome: state });
    // Forwarded, or ended without a result: then its login's other report, if it waited for
    // this one, was released into the outbox in the same transaction. Either way, wake the
    // delivery worker rather than leave it to the next poll.
    options.onForward();
    const log = { eventId: item.eventId, status, error: error ?? undefined };
    if (state === 'scored') {
      logger.info(log, 'enrichment: scored');
    } else if (status === 'pending') {
      logger.warn(log, 'enrichment: no score; forwarding without the numbers');
    } else if (status === 'dead') {
      logger.error(log, 'enrichment: no score, and the event has no outcome without one');
      options.onDead?.(item.eventId, 'note' in completion ? completion.note : 'no score came');
    } else {
      logger.warn(log, 'enrichment: no score');
    }
  }

  return {
    async start() {
      loop.start();
    },
    wake() {
      loop.wake();
    },
    async stop(graceMs) {
      loop.stop();
      await loop.drained(graceMs);
      // Calls still open are abandoned; their events are asked for again after the next start.
      await scores.close?.();
      await loop.drained(1_000);
    },
  };
}
