import { randomUUID } from 'node:crypto';
import { Hono } from 'hono';
import type { Config } from '../config/config.js';
import { WEBHOOK_ROUTES } from '../intake/webhook-kinds.js';
import type { Logger } from '../ops/logger.js';
import type { Metrics } from '../ops/metrics.js';
import type { RejectionLog } from '../ops/rejection-log.js';
import type { Store } from '../store/store.js';
import { UNAVAILABLE_RETRY_AFTER_S } from './accept-deadline.js';
import { HttpError } from './http-error.js';
import type { InboundAuth } from './inbound-auth.js';
import type { Ingest } from './ingest.js';
import { type BodyBudget, readRequestBody } from './read-body.js';

export interface WebhookRoutesOptions {
  config: Pick<Config, 'maxBodyBytes'>;
  inboundAuth: InboundAuth;
  /** The checks after the credentials, and the store (ingest.ts). */
  ingest: Ingest;
  store: Pick<Store, 'quarantine'>;
  logger: Logger;
  metrics: Metrics;
  /** Rejections are logged through it: the first of a kind, then a count per interval. */
  rejections: RejectionLog;
  /** Bodies read at once across every connection (MAX_BODIES_IN_FLIGHT); unbounded when left out. */
  bodies?: BodyBudget;
  /** Milliseconds since the epoch; tests pass their own. */
  clock?: () => number;
}

/**
 * The routes Incode calls. Checks run in docs/contract.md's order: credentials (401, headers
 * only) here, then content type (415), size (413), parse (400), format (422) in ingest.ts; bad
 * bodies (415, 400, 422) are quarantined. The 200 is sent only once the event is stored.
 */
export function webhookRoutes(options: WebhookRoutesOptions): Hono {
  const { config, store, logger, metrics, inboundAuth, ingest } = options;
  const clock = options.clock ?? Date.now;
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
      const outcome = await ingest({
        route,
        kind,
        contentType: c.req.header('content-type'),
        read: () => readRequestBody(c, config.maxBodyBytes, options.bodies),
        receivedAt,
        now: receivedAt,
      });
      switch (outcome.kind) {
        case 'rejected':
          return reject(outcome.error, outcome.body);
        case 'unavailable':
          count('unavailable');
          c.header('retry-after', String(UNAVAILABLE_RETRY_AFTER_S));
          return c.json(outcome.error.toBody(), 503);
        case 'duplicate':
          count('duplicate');
          return c.json({ success: true, duplicate: true }, 200);
        case 'accepted':
          count('accepted');
          return c.json({ success: true }, 200);
      }
    });
  }
  return app;
}
