import { createHash, randomUUID } from 'node:crypto';
import { Hono } from 'hono';
import { diffResults } from '../compare/diff.js';
import { presentLegacyFields } from '../compare/legacy-fields.js';
import type { Config } from '../config/config.js';
import type { ForwardSourceSwitch } from '../config/forward-source.js';
import { isShadowed, legacyView, renderForward } from '../delivery/forward-decision.js';
import { isJsonContentType, parseWebhook } from '../intake/parse-webhook.js';
import { normalize } from '../normalize/normalize.js';
import type { NormalizedResult, Source } from '../normalize/normalized-schema.js';
import type { Mappings } from '../normalize/tables.js';
import type { Logger } from '../ops/logger.js';
import type { Metrics } from '../ops/metrics.js';
import { type NewEvent, type Store, StoreUnavailableError } from '../store/store.js';
import { HttpError } from './http-error.js';
import type { InboundAuth } from './inbound-auth.js';
import { readBody } from './read-body.js';

export const WEBHOOK_ROUTES = {
  '/webhooks/legacy/authentication': 'legacy',
  '/webhooks/workflows/face-authentication': 'workflows',
} as const satisfies Record<string, Source>;

export interface WebhookRoutesOptions {
  config: Pick<
    Config,
    'forwardFormat' | 'maxBodyBytes' | 'dedupWindowMs' | 'shadowFallbackAfterMs' | 'compareWindowMs'
  >;
  forwardSource: ForwardSourceSwitch;
  inboundAuth: InboundAuth;
  store: Store;
  mappings: Mappings;
  logger: Logger;
  metrics: Metrics;
  /** Called after an event to forward is stored (wakes the delivery worker). */
  onAccepted: () => void;
  /** Milliseconds since the epoch; tests pass their own. */
  clock?: () => number;
}

/**
 * The routes Incode calls. Checks run in CONTRACT.md's order: credentials (401, headers
 * only), content type (415), size (413), parse (400), format (422); bad bodies (415, 400,
 * 422) are quarantined. The 200 is sent only once the event is stored.
 */
export function webhookRoutes(options: WebhookRoutesOptions): Hono {
  const { config, store, mappings, logger, metrics, onAccepted, forwardSource, inboundAuth } =
    options;
  const clock = options.clock ?? Date.now;
  const compareResults = (legacy: NormalizedResult, workflows: NormalizedResult) =>
    diffResults(legacy, workflows, mappings.comparison);
  const app = new Hono();

  for (const [route, source] of Object.entries(WEBHOOK_ROUTES)) {
    app.post(route, async function receiveWebhook(c) {
      const receivedAt = clock();
      const count = (outcome: string) => metrics.webhooks.inc({ route, outcome });
      const reject = async (error: HttpError, body?: { bytes: Uint8Array; truncated: boolean }) => {
        count(error.code);
        logger.warn(
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
        const { bytes, tooLarge } = await readBody(c.req.raw, config.maxBodyBytes);
        return reject(
          new HttpError(
            415,
            'unsupported_media_type',
            `expected Content-Type: application/json, got ${contentType ? JSON.stringify(contentType) : 'none'}`,
          ),
          { bytes, truncated: tooLarge },
        );
      }
      const { bytes, tooLarge } = await readBody(c.req.raw, config.maxBodyBytes);
      if (tooLarge) {
        return reject(
          new HttpError(
            413,
            'payload_too_large',
            `the body is larger than ${config.maxBodyBytes} bytes (MAX_BODY_BYTES)`,
          ),
        );
      }
      const parsed = parseWebhook(source, bytes);
      if (!parsed.ok) {
        return reject(new HttpError(parsed.status, parsed.code, parsed.message, parsed.issues), {
          bytes,
          truncated: false,
        });
      }

      const eventId = randomUUID();
      let normalized: NormalizedResult;
      let forward: NewEvent['forward'];
      let legacy: unknown;
      const shadowed = isShadowed(source, forwardSource.get());
      try {
        normalized = normalize(source, parsed.body, mappings, {
          eventId,
          receivedAt: new Date(receivedAt).toISOString(),
        });
        legacy = legacyView(source, parsed.body, normalized, mappings);
        forward = renderForward(source, bytes, normalized, config.forwardFormat, legacy);
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
      let accepted: Awaited<ReturnType<Store['accept']>>;
      try {
        accepted = await store.accept(
          {
            id: eventId,
            source,
            route,
            receivedAt,
            dedupKey: createHash('sha256').update(route).update('\n').update(bytes).digest('hex'),
            contentType: contentType ?? 'application/json',
            rawBody: bytes,
            normalized,
            forward,
            shadowed,
            fallbackAt:
              shadowed && config.shadowFallbackAfterMs !== undefined
                ? receivedAt + config.shadowFallbackAfterMs
                : null,
            orderKey: normalized.ids.customerId ?? eventId,
            legacyFields: presentLegacyFields(legacy),
            pairing: { windowMs: config.compareWindowMs, diff: compareResults },
          },
          config.dedupWindowMs,
        );
      } catch (error) {
        if (!(error instanceof StoreUnavailableError)) throw error;
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
          status: normalized.status,
          reason: normalized.reason,
          shadowed,
        },
        'webhook: accepted',
      );
      if (!shadowed) onAccepted();
      return c.json({ success: true }, 200);
    });
  }
  return app;
}
