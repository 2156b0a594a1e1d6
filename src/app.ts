import { Hono } from 'hono';
import type { Config } from './config/config.js';
import { consoleRoutes } from './console/console-routes.js';
import { createForwardSourceSwitch, type ForwardSourceSwitch } from './cutover/switch.js';
import type { DeliveryWorker } from './delivery/delivery-worker.js';
import { adminRoutes } from './http/admin-routes.js';
import { createFailureLimiter } from './http/failure-limiter.js';
import { HttpError } from './http/http-error.js';
import { createInboundAuth } from './http/inbound-auth.js';
import { createInboundTokens } from './http/inbound-token.js';
import { createIngest } from './http/ingest.js';
import { oauthRoutes } from './http/oauth-routes.js';
import { opsRoutes } from './http/ops-routes.js';
import { createBodyBudget } from './http/read-body.js';
import { webhookRoutes } from './http/webhook-routes.js';
import type { Mappings } from './normalize/tables.js';
import type { Logger } from './ops/logger.js';
import type { Metrics } from './ops/metrics.js';
import { createRejectionLog, type RejectionLog } from './ops/rejection-log.js';
import type { Store } from './store/store.js';
import { codeOf, HTTP_ERROR_CODES } from './util/errors.js';

export interface AppDeps {
  config: Config;
  store: Store;
  /** FORWARD_SOURCE as switched at run time; by default the configured one, not read from the store. */
  forwardSource?: ForwardSourceSwitch;
  mappings: Mappings;
  logger: Logger;
  metrics: Metrics;
  /** Called when an entry is added to the outbox (an event accepted, replayed). */
  onAccepted?: () => void;
  /** The delivery worker's fast path for fresh events (see DeliveryWorker.offer). */
  fastPath?: Pick<DeliveryWorker, 'offer' | 'deliverFresh'>;
  /** Called when an event waits for its score (an event accepted, replayed). */
  onEnrich?: () => void;
  /** Whether deliveries are running (for /readyz). */
  isDelivering?: () => boolean;
  /** Milliseconds since the epoch; tests pass their own. */
  clock?: () => number;
  /** Where rejected requests are logged (sampled); the composition root closes it at a stop. */
  rejections?: RejectionLog;
}

/** The HTTP app. Does nothing on import and reads no environment: everything comes in `deps`. */
export function createApp(deps: AppDeps): Hono {
  const { config, store, mappings, logger, metrics } = deps;
  const app = new Hono();
  const forwardSource =
    deps.forwardSource ?? createForwardSourceSwitch(store, config.forwardSource, { logger });
  const onAccepted = deps.onAccepted ?? (() => {});
  const onEnrich = deps.onEnrich ?? (() => {});
  const rejections = deps.rejections ?? createRejectionLog({ logger });
  const tokens = config.inboundOAuth
    ? createInboundTokens({
        clientId: config.inboundOAuth.clientId,
        clientSecrets: config.inboundOAuth.clientSecrets,
        ttlMs: config.inboundOAuth.tokenTtlMs,
      })
    : undefined;
  const inboundAuth = createInboundAuth({ header: config.inboundHeader, tokens });
  // One budget for every body read, whichever route reads it.
  const bodies = createBodyBudget(config.maxBodiesInFlight, () =>
    metrics.clientErrors.inc({ kind: 'busy' }),
  );

  app.use('*', async function apiHeaders(c, next) {
    await next();
    c.header('x-content-type-options', 'nosniff');
    if (!c.res.headers.has('cache-control')) c.header('cache-control', 'no-store');
  });
  if (config.inboundOAuth && tokens) {
    app.route(
      '/',
      oauthRoutes({
        clientId: config.inboundOAuth.clientId,
        clientSecrets: config.inboundOAuth.clientSecrets,
        tokens,
        limiter: createFailureLimiter({ max: 10, windowMs: 60_000, capacity: 10_000 }),
        metrics,
        rejections,
        bodies,
      }),
    );
  }

  // One way in for a body, whether Incode sends it or an operator takes it out of quarantine.
  const ingest = createIngest({
    config,
    store,
    mappings,
    logger,
    forwardSource,
    onAccepted,
    onEnrich,
    fastPath: deps.fastPath,
    enrichment: config.incodeApi ? { maxWaitMs: config.enrichMaxWaitMs } : undefined,
  });
  app.route(
    '/',
    webhookRoutes({
      config,
      store,
      logger,
      rejections,
      metrics,
      inboundAuth,
      ingest,
      bodies,
      ...(deps.clock ? { clock: deps.clock } : {}),
    }),
  );
  app.route(
    '/',
    opsRoutes({
      store,
      metrics,
      logger,
      isDelivering: deps.isDelivering ?? (() => true),
      metricsToken: config.metricsToken,
    }),
  );
  // Without ADMIN_TOKEN the admin routes do not exist.
  if (config.adminToken) {
    const onEnqueued = () => {
      onAccepted();
      onEnrich();
    };
    app.route(
      '/admin',
      adminRoutes({
        store,
        adminToken: config.adminToken,
        config,
        forwardSource,
        ingest,
        onEnqueued,
        logger,
        metrics,
      }),
    );
    // The operator console: the same actions as the admin API, in a browser.
    app.route(
      '/console',
      consoleRoutes({
        store,
        adminToken: config.adminToken,
        forwardSource,
        actions: { store, config, forwardSource, ingest, onEnqueued, logger },
        logger,
        metrics,
      }),
    );
  }

  app.notFound((c) =>
    c.json(new HttpError(404, 'not_found', `no route ${c.req.method} ${c.req.path}`).toBody(), 404),
  );
  // The answer is chosen by the error's code (util/errors.ts), never by its message.
  app.onError(function toErrorBody(error, c) {
    const code = codeOf(error);
    if (code !== undefined && code in HTTP_ERROR_CODES) {
      const answer = error as HttpError;
      if (answer.retryAfterS !== undefined) c.header('retry-after', String(answer.retryAfterS));
      return c.json(answer.toBody(), answer.status);
    }
    if (code === 'client_closed') {
      // Nobody is left to read an answer; the client's doing, counted, not an error of ours.
      metrics.clientErrors.inc({ kind: 'client_closed' });
      logger.debug({ method: c.req.method, path: c.req.path }, 'http: client closed mid-body');
      return c.body(null, 400);
    }
    if (code === 'store_unavailable') {
      logger.error(
        { err: error, method: c.req.method, path: c.req.path },
        'http: the store is unavailable',
      );
      return c.json(
        new HttpError(503, 'unavailable', 'the store is unavailable; try again later').toBody(),
        503,
      );
    }
    logger.error({ err: error, method: c.req.method, path: c.req.path }, 'http: unexpected error');
    return c.json(
      new HttpError(500, 'internal_error', 'unexpected error; see the service log').toBody(),
      500,
    );
  });
  return app;
}
