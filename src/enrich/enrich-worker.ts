import { prepareForward } from '../delivery/forward-decision.js';
import type { Score } from '../incode/score-schema.js';
import { parseWebhook } from '../intake/parse-webhook.js';
import { SOURCE_OF, WEBHOOK_ROUTES } from '../intake/webhook-kinds.js';
import { interpret } from '../normalize/interpret.js';
import type { Mappings } from '../normalize/tables.js';
import type { Logger } from '../ops/logger.js';
import type { Metrics } from '../ops/metrics.js';
import type { PairingRule } from '../store/rules/pair-diff.js';
import { supersededBy } from '../store/rules/supersede.js';
import type { EnrichmentCompletion, EnrichmentItem, ForwardFormat, Store } from '../store/store.js';

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
  /** Called when an event was put in the outbox (wakes the delivery worker). */
  onForward: () => void;
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
  const { store, scores, mappings, logger, metrics } = options;
  const concurrency = options.concurrency ?? 4;
  const retryBaseMs = options.retryBaseMs ?? 5_000;
  const maxRetryDelayMs = options.maxRetryDelayMs ?? 300_000;
  const pollIntervalMs = options.pollIntervalMs ?? 1_000;
  const pairing: PairingRule = {
    windowMs: options.compareWindowMs,
    comparison: mappings.comparison,
  };
  let running = false;
  let pumping = false;
  let again = false;
  let inFlight = 0;
  let timer: NodeJS.Timeout | undefined;
  const idle: (() => void)[] = [];

  async function pump(): Promise<void> {
    if (!running) return;
    if (pumping) {
      again = true;
      return;
    }
    pumping = true;
    clearTimeout(timer);
    try {
      do {
        again = false;
        while (running && inFlight < concurrency) {
          const items = await store.claimEnrichment(
            Date.now(),
            concurrency - inFlight,
            options.leaseMs,
          );
          if (items.length === 0) break;
          for (const item of items) {
            inFlight++;
            void enrich(item).finally(() => {
              inFlight--;
              if (inFlight === 0) for (const resolve of idle.splice(0)) resolve();
              void pump();
            });
          }
        }
      } while (again && running);
    } catch (error) {
      logger.error({ err: error }, 'enrichment: cannot read the waiting events; trying again');
    } finally {
      pumping = false;
      if (running) timer = setTimeout(pump, pollIntervalMs);
    }
  }

  async function enrich(item: EnrichmentItem): Promise<void> {
    try {
      if (Date.now() >= item.deadline) {
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
        Date.now() + Math.round(delay * (0.8 + Math.random() * 0.4)),
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
      if (retryAt - Date.now() < pollIntervalMs) {
        setTimeout(pump, Math.max(0, retryAt - Date.now())).unref();
      }
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
      completion = complete(item, score, error, called);
    } catch (cause) {
      // The stored body no longer maps (the tables changed since it arrived): it would fail
      // the same way every time, holding its customer's later events. Dead, to be looked at.
      logger.error({ err: cause, eventId: item.eventId }, 'enrichment: the event cannot be mapped');
      const note = `the event cannot be mapped any more: ${(cause as Error).message}`;
      const state = score ? 'scored' : 'unavailable';
      completion = { state, status: 'dead', note, error, called };
    }
    const status = await store.completeEnrichment(item.eventId, completion, Date.now());
    if (status === null) return;
    const state = completion.state;
    metrics.enrichment.inc({ outcome: state });
    if (status === 'pending') options.onForward();
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

  function complete(
    item: EnrichmentItem,
    score: Score | undefined,
    error: string | null,
    called: boolean,
  ): EnrichmentCompletion {
    const state = score ? 'scored' : 'unavailable';
    const kind = WEBHOOK_ROUTES[item.route as keyof typeof WEBHOOK_ROUTES];
    const parsed = kind ? parseWebhook(kind, item.rawBody) : undefined;
    if (!kind || !parsed?.ok) {
      // Stored bodies passed these checks when they arrived; a change of schema could break that.
      return {
        state,
        status: 'dead',
        note: `the stored body can no longer be read: ${parsed && !parsed.ok ? parsed.message : item.route}`,
        error,
        called,
      };
    }
    const meta = { eventId: item.eventId, receivedAt: new Date(item.receivedAt).toISOString() };
    const read = interpret(kind, parsed.body, mappings, meta, score);
    if (read.outcome === 'no-result')
      return { state, status: 'informational', note: read.note, error, called };
    if (read.outcome === 'needs-score') {
      return {
        state,
        status: 'dead',
        note: `no outcome to forward: ${read.eventName} carries none, and no score came (${error}); replay it to ask again`,
        error,
        called,
      };
    }
    const normalized = read.normalized;
    if (!score) normalized.enrichment = { state: 'unavailable', scoreStatus: null };
    return {
      state,
      normalized,
      ...prepareForward(
        SOURCE_OF[kind],
        item.rawBody,
        parsed.body,
        normalized,
        options.forwardFormat,
        mappings,
      ),
      error,
      called,
      pairing,
      supersededBy: supersededBy(kind, normalized.ids.interviewId),
    };
  }

  return {
    async start() {
      running = true;
      void pump();
    },
    wake() {
      if (running) setImmediate(pump);
    },
    async stop(graceMs) {
      running = false;
      clearTimeout(timer);
      if (inFlight > 0) {
        await Promise.race([
          new Promise<void>((resolve) => idle.push(resolve)),
          new Promise<void>((resolve) => setTimeout(resolve, graceMs).unref()),
        ]);
      }
      // Calls still open are abandoned; their events are asked for again after the next start.
      await scores.close?.();
      if (inFlight > 0) {
        await Promise.race([
          new Promise<void>((resolve) => idle.push(resolve)),
          new Promise<void>((resolve) => setTimeout(resolve, 1_000).unref()),
        ]);
      }
    },
  };
}
