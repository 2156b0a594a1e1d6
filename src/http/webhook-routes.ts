import { createHash, randomUUID } from 'node:crypto';
import { Hono } from 'hono';
import type { Config } from '../config/config.js';
import { forwardingMode } from '../cutover/preference.js';
import type { ForwardSourceSwitch } from '../cutover/switch.js';
import type { DeliveryWorker } from '../delivery/delivery-worker.js';
import { prepareForward } from '../delivery/forward-decision.js';
import { isJsonContentType, parseWebhook, type SourceBody } from '../intake/parse-webhook.js';
import { SOURCE_OF, WEBHOOK_ROUTES, type WebhookKind } from '../intake/webhook-kinds.js';
import { interpret, loggableEventName } from '../normalize/interpret.js';
import type { Mappings } from '../normalize/tables.js';
import type { Logger } from '../ops/logger.js';
import type { Metrics } from '../ops/metrics.js';
import type { RejectionLog } from '../ops/rejection-log.js';
import { orderKeyOf } from '../store/rules/ordering.js';
import type { PairingRule } from '../store/rules/pairing.js';
import { supersededBy } from '../store/rules/supersede.js';
import type { NewEvent, Store } from '../store/store.js';
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
  const pairing: PairingRule = {
    windowMs: config.compareWindowMs,
    comparison: mappings.comparison,
  };
  const app = new Hono();

  /**
   * What the event is for the callback: its normalized result and rendered body, or why it
   * is not forwarded, or that it waits for its score first.
   */
  function prepareEvent(
    kind: WebhookKind,
    body: SourceBody,
    bytes: Uint8Array,
    eventId: string,
    receivedAt: number,
  ) {
    const source = SOURCE_OF[kind];
    const meta = { eventId, receivedAt: new Date(receivedAt).toISOString() };
    const read = interpret(kind, body, mappings, meta);
    const { eventName, ids } = read;
    const enrich =
      enrichment && (read.outcome === 'needs-score' || (read.outcome === 'result' && read.scorable))
        ? { deadline: receivedAt + enrichment.maxWaitMs }
        : null;
    if (read.outcome === 'result') {
      return {
        normalized: read.normalized,
        ids,
        eventName,
        enrich,
        notForwarded: null,
        ...prepareForward(source, bytes, body, read.normalized, config.forwardFormat, mappings),
      };
    }
    const note =
      read.outcome === 'no-result'
        ? read.note
        : `${eventName} carries no outcome and the Incode API is not configured (INCODE_API_URL) to fetch it: stored, not forwarded`;
    return {
      normalized: null,
      ids,
      eventName,
      forward: null,
      legacyFields: [],
      enrich,
      notForwarded: enrich ? null : { status: 'informational' as const, note },
    };
  }

  for (const [route, kind] of Object.entries(WEBHOOK_ROUTES)) {
    const source = SOURCE_OF[kind];
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

      const eventId = randomUUID();
      const mode = forwardSource.mode();
      let prepared: Pick<
        NewEvent,
        'normalized' | 'ids' | 'eventName' | 'forward' | 'legacyFields' | 'notForwarded' | 'enrich'
      >;
      try {
        prepared = prepareEvent(kind, parsed.body, bytes, eventId, receivedAt);
      } catch (error) {
        // A body that passed its schema but cannot be mapped: a gap in mappings/. Kept in
        // quarantine rather than retried by Incode into oblivion.
        logger.error({ err: error, route }, 'webhook: a valid body could not be mapped');
        return reject(
          new HttpError(
            422,
            'invalid_payload',
            `the body could not be mapped: ${(error as Error).message}`,
          ),
          { bytes, truncated: false },
        );
      }
      const { normalized } = prepared;
      const interviewId = normalized?.ids.interviewId ?? prepared.ids?.interviewId ?? null;
      const customerId = normalized?.ids.customerId ?? prepared.ids?.customerId ?? null;
      let accepted: Awaited<ReturnType<Store['accept']>>;
      // ACCEPT_TIMEOUT: a store that hangs gets a 503 answered at the deadline (accept-deadline.ts).
      const deadline = acceptDeadline(config.acceptTimeoutMs);
      const storedLate = (late: Awaited<ReturnType<Store['accept']>>) => {
        // A COMMIT sent in time, answered past the deadline: the event is stored although the
        // webhook got 503. Incode's resend is answered as a duplicate; it is delivered from here.
        if (late.duplicate) return;
        logger.warn({ route, eventId: late.eventId }, 'webhook: stored after its 503 answer');
        if (late.fresh) options.fastPath?.deliverFresh(late.fresh);
        else if (late.status === 'pending') onAccepted();
        if (late.counterpartEnqueued) onAccepted();
        if (late.status === 'enriching') options.onEnrich?.();
      };
      try {
        const accepting = store.accept(
          {
            id: eventId,
            source,
            route,
            receivedAt,
            dedupKey: createHash('sha256').update(route).update('\n').update(bytes).digest('hex'),
            contentType: contentType ?? 'application/json',
            rawBody: bytes,
            ...prepared,
            mode: forwardingMode(mode),
            waitMs: config.shadowFallbackAfterMs,
            orderKey: orderKeyOf(customerId, eventId),
            pairing,
            supersededBy: prepared.notForwarded == null ? supersededBy(kind, interviewId) : null,
            fastPath: options.fastPath?.offer(receivedAt) ?? null,
          },
          config.dedupWindowMs,
          deadline.at,
        );
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
          eventId,
          source,
          event: loggableEventName(kind, prepared.eventName ?? null, mappings),
          result: normalized?.status ?? null,
          reason: normalized?.reason ?? null,
          status: accepted.status,
        },
        'webhook: accepted',
      );
      if (accepted.fresh) options.fastPath?.deliverFresh(accepted.fresh);
      else if (accepted.status === 'pending') onAccepted();
      if (accepted.counterpartEnqueued) onAccepted();
      if (accepted.status === 'enriching') options.onEnrich?.();
      return c.json({ success: true }, 200);
    });
  }
  return app;
}
