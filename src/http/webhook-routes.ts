import { randomUUID } from 'node:crypto';
import { Hono } from 'hono';
import type { Config } from '../config/config.js';
import type { ForwardSourceSwitch } from '../cutover/switch.js';
import type { DeliveryWorker } from '../delivery/delivery-worker.js';
import { handOver, type Workers } from '../ingest/hand-over.js';
import { ingest } from '../ingest/ingest.js';
import type { IngestRules } from '../ingest/ingest-rules.js';
import { isJsonContentType, parseWebhook } from '../intake/parse-webhook.js';
import { WEBHOOK_ROUTES } from '../intake/webhook-kinds.js';
import { loggableEventName } from '../normalize/interpret.js';
import type { Mappings } from '../normalize/tables.js';
import type { Logger } from '../ops/logger.js';
import type { Metrics } from '../ops/metrics.js';
import type { RejectionLog } from '../ops/rejection-log.js';
import type { Store } from '../store/store.js';
import { codeOf } from '../util/errors.js';
import { acceptDeadline, UNAVAILABLE_RETRY_AFTER_S } from './accept-deadline.js';
import { HttpError } from './http-error.js';
import type { InboundAuth } from './inbound-auth.js';
import { type BodyBudget, readRequestBody } from './read-body.js';

export interface WebhookRoutesOptions {
  config: Pick<
    Config,
    | 'forwardFormat'
    | 'maxBodyBytes'
    | 'dedupWindowMs'
    | 'shadowFallbackAfterMs'
    | 'compareWindowMs'
    | 'acceptTimeoutMs'
  >;
  forwardSource: ForwardSourceSwitch;
  inboundAuth: InboundAuth;
  store: Store;
  mappings: Mappings;
  logger: Logger;
  /** Rejections are logged through it: the first of a kind, then a count per interval. */
  rejections: RejectionLog;
  metrics: Metrics;
  /** Called after an event to forward is stored without the fast path (wakes the delivery worker). */
  onAccepted: () => void;
  /** The delivery worker's fast path: events handed over from memory right after the commit. */
  fastPath?: Pick<DeliveryWorker, 'offer' | 'deliverFresh'>;
  /** Bodies read at once across every connection (MAX_BODIES_IN_FLIGHT); unbounded when left out. */
  bodies?: BodyBudget;
  /** Set when the Incode API is configured: events are completed with their score first. */
  enrichment?: { maxWaitMs: number } | undefined;
  /** Called after an event that waits for its score is stored (wakes the enrichment worker). */
  onEnrich?: () => void;
  /** Milliseconds since the epoch; tests pass their own. */
  clock?: () => number;
}

/**
 * The routes Incode calls. Checks run in docs/contract.md's order: credentials (401, headers
 * only), content type (415), size (413), parse (400), format (422); bad bodies (415, 400,
 * 422) are quarantined. The 200 is sent only once the event is stored.
 */
export function webhookRoutes(options: WebhookRoutesOptions): Hono {
  const { config, store, mappings, logger, metrics, onAccepted, forwardSource, inboundAuth } =
    options;
  const { enrichment } = options;
  const clock = options.clock ?? Date.now;
  const rules: IngestRules = {
    mappings,
    forwardFormat: config.forwardFormat,
    compareWindowMs: config.compareWindowMs,
    shadowFallbackAfterMs: config.shadowFallbackAfterMs,
    enrichment,
  };
  const workers: Workers = { fastPath: options.fastPath, onAccepted, onEnrich: options.onEnrich };
  const app = new Hono();

  for (const [route, kind] of Object.entries(WEBHOOK_ROUTES)) {
    app.post(route, async function receiveWebhook(c) {
      const receivedAt = clock();
      const count = (outcome: string) => metrics.webhooks.inc({ route, outcome });
      const reject = async (error: HttpError, body?: { bytes: Uint8Array; truncated: boolean }) => {
        count(error.code);
        options.rejections.warn(
          `${route} ${error.code}`,
          { route, status: error.status, code: error.code, reason: error.message },
          'webhook: rejected',
        );
        if (body) {
          await store
            .quarantine({
              id: randomUUID(),
              receivedAt,
              route,
              contentType: c.req.header('content-type') ?? null,
              httpStatus: error.status,
              code: error.code,
              message: error.message,
              issues: error.issues ?? null,
              body: body.bytes,
              truncated: body.truncated,
            })
            .catch((cause: unknown) =>
              logger.error({ err: cause, route }, 'webhook: cannot quarantine a rejected body'),
            );
        }
        return c.json(error.toBody(), error.status);
      };

      const denied = inboundAuth((name) => c.req.header(name), receivedAt);
      if (denied !== undefined) {
        metrics.unauthorized.inc({ route });
        return reject(new HttpError(401, 'unauthorized', denied));
      }
      const contentType = c.req.header('content-type');
      if (!isJsonContentType(contentType)) {
        const { bytes, tooLarge } = await readRequestBody(c, config.maxBodyBytes, options.bodies);
        return reject(
          new HttpError(
            415,
            'unsupported_media_type',
            `expected Content-Type: application/json, got ${contentType ? JSON.stringify(contentType) : 'none'}`,
          ),
          { bytes, truncated: tooLarge },
        );
      }
      const { bytes, tooLarge } = await readRequestBody(c, config.maxBodyBytes, options.bodies);
      if (tooLarge) {
        return reject(
          new HttpError(
            413,
            'payload_too_large',
            `the body is larger than ${config.maxBodyBytes} bytes (MAX_BODY_BYTES)`,
          ),
        );
      }
      const parsed = parseWebhook(kind, bytes);
      if (!parsed.ok) {
        return reject(new HttpError(parsed.status, parsed.code, parsed.message, parsed.issues), {
          bytes,
          truncated: false,
        });
      }

      const ingested = ingest(
        {
          kind,
          route,
          body: parsed.body,
          bytes,
          contentType: contentType ?? 'application/json',
          receivedAt,
          mode: forwardSource.mode(),
          fastPath: options.fastPath?.offer(receivedAt) ?? null,
        },
        rules,
      );
      if (!ingested.ok) {
        // A body that passed its schema but cannot be mapped: a gap in mappings/. Kept in
        // quarantine rather than retried by Incode into oblivion.
        logger.error({ err: ingested.cause, route }, 'webhook: a valid body could not be mapped');
        return reject(new HttpError(422, 'invalid_payload', ingested.message), {
          bytes,
          truncated: false,
        });
      }
      const { event } = ingested;
      let accepted: Awaited<ReturnType<Store['accept']>>;
      // ACCEPT_TIMEOUT: a store that hangs gets a 503 answered at the deadline (accept-deadline.ts).
      const deadline = acceptDeadline(config.acceptTimeoutMs);
      const storedLate = (late: Awaited<ReturnType<Store['accept']>>) => {
        // A COMMIT sent in time, answered past the deadline: the event is stored although the
        // webhook got 503. Incode's resend is answered as a duplicate; it is delivered from here.
        if (late.duplicate) return;
        logger.warn({ route, eventId: late.eventId }, 'webhook: stored after its 503 answer');
        handOver(late, workers);
      };
      try {
        const accepting = store.accept(event, config.dedupWindowMs, deadline.at);
        accepted = await deadline.race(accepting, storedLate);
      } catch (error) {
        if (codeOf(error) !== 'store_unavailable') throw error;
        count('unavailable');
        logger.error(
          { err: error, route },
          'webhook: cannot store the event; answered 503 so Incode retries',
        );
        const unavailable = new HttpError(
          503,
          'unavailable',
          'the event could not be stored; send it again later',
        );
        c.header('retry-after', String(UNAVAILABLE_RETRY_AFTER_S));
        return c.json(unavailable.toBody(), 503);
      }
      if (accepted.duplicate) {
        count('duplicate');
        logger.info(
          { route, eventId: accepted.eventId },
          'webhook: redelivery of a stored event; not forwarded again',
        );
        return c.json({ success: true, duplicate: true }, 200);
      }
      count('accepted');
      logger.info(
        {
          route,
          eventId: event.id,
          source: event.source,
          event: loggableEventName(kind, event.eventName ?? null, mappings),
          result: event.normalized?.status ?? null,
          reason: event.normalized?.reason ?? null,
          status: accepted.status,
        },
        'webhook: accepted',
      );
      handOver(accepted, workers);
      return c.json({ success: true }, 200);
    });
  }
  return app;
}
