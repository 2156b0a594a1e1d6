import type { AddressInfo } from 'node:net';
import { hostname } from 'node:os';
import { ALERT_KINDS } from './alerts/alert.js';
import { ALERT_OUTCOMES, createAlerter } from './alerts/alerter.js';
import { createCallbackHealth } from './alerts/callback-health.js';
import { deadSummary, deliveryAlerts } from './alerts/delivery-alerts.js';
import { rollbackAlert } from './alerts/guard-rollback.js';
import { createStoreWatch } from './alerts/store-watch.js';
import { createApp } from './app.js';
import type { Config } from './config/config.js';
import { createCutoverWatch } from './cutover/cutover-watch.js';
import { workflowsShare } from './cutover/source-value.js';
import {
  announceCutover,
  createForwardSourceSwitch,
  FORWARD_SOURCE_REFRESH_MS,
} from './cutover/switch.js';
import { createCallbackClient } from './delivery/callback-client.js';
import { createCallbackTokens } from './delivery/callback-token.js';
import { createDeliveryWorker } from './delivery/delivery-worker.js';
import { createSigner } from './delivery/signing.js';
import { createEnrichWorker, type ScoreSource } from './enrich/enrich-worker.js';
import { createNodeServer } from './http/node-server.js';
import { createIncodeClient } from './incode/incode-client.js';
import { loadMappings } from './normalize/load-mappings.js';
import { registerCutoverMetrics } from './ops/cutover-metrics.js';
import { createLogger, type Logger } from './ops/logger.js';
import { createMetrics } from './ops/metrics.js';
import { createOperatingMetrics } from './ops/operating-metrics.js';
import { createRejectionLog } from './ops/rejection-log.js';
import { connectStore, openStore } from './store/open-store.js';
import { createPruner } from './store/pruner.js';
import { atMost } from './util/at-most.js';
import { codeOf } from './util/errors.js';

export interface RunningService {
  /** Base URL it listens on, e.g. http://127.0.0.1:8080 */
  url: string;
  port: number;
  /**
   * Stops taking requests, lets deliveries in flight finish within `graceMs` (the rest are
   * handed back: sent again after the next start), closes the store.
   */
  close(graceMs?: number): Promise<void>;
  /**
   * Rejects when the service cannot go on: a database it waited for refuses its login once it
   * is up (PostgresConfigError: exit 2). Never resolves.
   */
  failed: Promise<never>;
}

/**
 * The composition root: builds every part from the configuration and starts listening.
 * Throws MappingsError for a broken table and StoreUnavailableError when the store won't open.
 */
export async function startService(
  config: Config,
  logger: Logger = createLogger({ level: config.logLevel }),
): Promise<RunningService> {
  const mappings = await loadMappings(config.mappingsDir);
  // PostgreSQL connects below (connectStore): a database that is not up yet is waited for.
  const store = await openStore(config.database, {
    deferConnect: true,
    webhookBytes: config.maxBodyBytes,
    // One SQLite file, one instance: a second service on it is refused.
    exclusive: true,
    onLeaseLost: (eventId) => {
      metrics.leasesLost.inc();
      logger.warn(
        { eventId },
        'delivery: the lease ran out and another instance took the event over; this result is not written (it delivers the event)',
      );
    },
  });
  const metrics = createMetrics(store, {
    workflowsShare: () => workflowsShare(forwardSource.mode()),
    paused: () => {
      const mode = forwardSource.mode();
      return 'state' in mode && mode.state.paused !== null;
    },
  });
  registerCutoverMetrics(metrics.registry, {
    store,
    environmentDiffers: () => forwardSource.environment().differs,
  });
  // What operators are told (ALERT_WEBHOOK_URL) and watch (GET /metrics) during the migration.
  const operating = createOperatingMetrics(metrics.registry, {
    store,
    callbackFailing: () => callbackHealth.failing(),
    alertLabels: { kinds: ALERT_KINDS, outcomes: ALERT_OUTCOMES },
  });
  const alerts = createAlerter({
    url: config.alerts.webhookUrl,
    intervalMs: config.alerts.intervalMs,
    logger,
    count: operating.countAlert,
  });
  const callbackHealth = createCallbackHealth({
    downAfterMs: config.alerts.callbackDownAfterMs,
    settings: store,
    alerts,
    logger,
  });
  const storeWatch = createStoreWatch({ store, alerts, logger });
  const client = createCallbackClient({
    url: config.callbackUrl,
    timeoutMs: config.callbackTimeoutMs,
    headers: config.callbackHeaders,
    connections: config.callbackConcurrency,
    tokens: config.callbackOAuth
      ? createCallbackTokens({ ...config.callbackOAuth, timeoutMs: config.callbackTimeoutMs })
      : undefined,
    signer: config.callbackSigningSecret ? createSigner(config.callbackSigningSecret) : undefined,
  });
  const worker = createDeliveryWorker({
    store,
    client,
    retryScheduleMs: config.retryScheduleMs,
    concurrency: config.callbackConcurrency,
    leaseMs: config.callbackTimeoutMs + 30_000,
    attemptMs: config.callbackTimeoutMs,
    orderHoldMaxMs: config.orderHoldMaxMs,
    observer: deliveryAlerts({
      alerts,
      health: callbackHealth,
      orderHoldMaxMs: config.orderHoldMaxMs,
      onReleased: (count) => operating.holdsReleased.inc(count),
    }),
    logger,
    metrics,
  });
  // Without the Incode API, the enrichment worker only settles events left waiting by a run
  // that had it: they are forwarded without the numbers.
  const scores: ScoreSource = config.incodeApi
    ? createIncodeClient({
        baseUrl: config.incodeApi.url,
        apiKey: config.incodeApi.apiKey,
        auth: config.incodeApi.auth,
        timeoutMs: config.incodeApi.timeoutMs,
        logger,
      })
    : {
        getScore: async () => ({
          ok: false,
          retryable: false,
          error: 'the Incode API is not configured (INCODE_API_URL)',
        }),
      };
  const enricher = createEnrichWorker({
    store,
    scores,
    mappings,
    forwardFormat: config.forwardFormat,
    compareWindowMs: config.compareWindowMs,
    // Longer than one getScore can take: a login and a score call, twice on a 401.
    leaseMs: (config.incodeApi?.timeoutMs ?? 10_000) * 4 + 30_000,
    logger,
    metrics,
    onForward: worker.wake,
    onDead: (eventId, why) =>
      alerts.raise({
        kind: 'event_dead',
        summary: deadSummary(eventId, why, 'no score from the Incode API'),
        ids: { eventIds: [eventId] },
      }),
  });
  // The value in force: the environment's until the stored switch is read (the store answers
  // webhooks only after that, so none is decided on the environment's value by mistake).
  const environment = {
    value: config.forwardSource,
    explicit: config.forwardSourceExplicit,
    plan: config.forwardSourcePlan,
  };
  // This instance, as the stored cut-over lists what each instance's environment asks for.
  const instance = `${hostname()}:${process.pid}`;
  const forwardSource = createForwardSourceSwitch(store, environment, { logger, instance });
  // A switch made by the CLI (or, with a shared database, another instance) is obeyed here.
  // While the database is away, said once, and once when it is back.
  let refreshFailing = false;
  // Set once the store is usable and the workers run (connectStore's prepare, below).
  let started = false;
  const refreshForwardSource = setInterval(() => {
    if (!started) return;
    forwardSource.refresh().then(
      () => {
        if (refreshFailing) logger.info('FORWARD_SOURCE: the stored switch is read again');
        refreshFailing = false;
      },
      (error: unknown) => {
        if (refreshFailing && codeOf(error) === 'store_unavailable') return;
        refreshFailing = true;
        logger.error({ err: error }, 'FORWARD_SOURCE: cannot read the stored switch');
      },
    );
  }, FORWARD_SOURCE_REFRESH_MS);
  refreshForwardSource.unref();
  // The guard and the plan of a share on Workflows, and Incode's dates (warned at start, then daily).
  const cutover = createCutoverWatch({
    store,
    forwardSource,
    // guard_rollback: the write of a rollback that won, told once across instances.
    onRollback: (rollback) => alerts.raise(rollbackAlert(rollback)),
    settings: {
      minPairs: config.compareMinPairs,
      minAgreement: config.compareMinAgreement,
      counts: config.forwardSourceGuard.counts,
      windowMs: config.forwardSourceGuard.windowMs,
      compareWindowMs: config.compareWindowMs,
    },
    logger,
    metrics,
  });
  let checking: Promise<void> | undefined;
  const checkCutover = () => {
    if (!started) return;
    checking ??= cutover
      .check()
      .then(
        () => undefined,
        (error: unknown) => {
          if (codeOf(error) === 'store_unavailable') return;
          logger.error({ err: error }, 'FORWARD_SOURCE guard: cannot check the cut-over');
        },
      )
      .finally(() => {
        checking = undefined;
      });
  };
  const watchCutover = setInterval(checkCutover, config.forwardSourceGuard.intervalMs);
  watchCutover.unref();
  // Closed at a stop, so the count of a flood's last interval is written too.
  const rejections = createRejectionLog({ logger });
  const app = createApp({
    config,
    rejections,
    store,
    mappings,
    logger,
    metrics,
    forwardSource,
    onAccepted: worker.wake,
    fastPath: worker,
    onEnrich: enricher.wake,
    isDelivering: () => worker.running,
  });
  for (const retired of config.retired) logger.warn(`no longer read: ${retired}`);
  if (!config.inboundHeader && !config.inboundOAuth) {
    logger.warn(
      'INBOUND_AUTH=none: webhooks are accepted without credentials; use this only on a machine of your own',
    );
  }
  const pruner = createPruner({
    store,
    retentionMs: config.retentionMs,
    dedupWindowMs: config.dedupWindowMs,
    logger,
    onPruned: (counts) => {
      metrics.pruned.inc({ kind: 'events' }, counts.events);
      metrics.pruned.inc({ kind: 'quarantine' }, counts.quarantine);
    },
  });

  /** The alerts' watches stop, then what they raised is sent within `graceMs`. */
  async function stopWatches(graceMs = 0): Promise<void> {
    await Promise.all([callbackHealth.stop(), storeWatch.stop()]);
    await alerts.close(graceMs);
  }

  /** Set by close(): a stop that comes while the store is still being waited for. */
  let closing: Promise<void> | undefined;
  let failed!: (error: Error) => void;
  const failure = new Promise<never>((_, reject) => {
    failed = reject;
  });
  failure.catch(() => {});
  try {
    await connectStore(store, {
      // Once the store is usable, before it takes webhooks (and again if it fails on the way).
      async prepare() {
        // The stored cut-over (a restart never changes it); the first start stores this
        // environment's for every instance.
        await forwardSource.refresh();
        announceCutover(forwardSource, logger);
        // A stop may come while a database that was waited for comes up: nothing starts then.
        if (started || closing) return;
        // A worker stopped while it was starting stays stopped.
        await worker.start();
        if (closing) return;
        await enricher.start();
        pruner.start();
        callbackHealth.start();
        storeWatch.start();
        started = true;
        checkCutover();
      },
      onWaiting: (message) => logger.warn(`${message}; not ready until it can be used`),
      onReady: (message) => logger.info(`${message}; ready`),
      onFatal: failed,
    });
  } catch (error) {
    clearInterval(refreshForwardSource);
    clearInterval(watchCutover);
    await stopWatches();
    await store.close();
    throw error;
  }

  const server = createNodeServer({
    fetch: app.fetch,
    requestTimeoutMs: config.requestTimeoutMs,
    logger,
    metrics,
  });
  try {
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(config.port, config.host, () => {
        server.off('error', reject);
        resolve();
      });
    });
  } catch (error) {
    // Nothing may keep the process alive after a failed start (port in use, say), and nothing
    // still at work may fail against the closed store and log beside the start's one line.
    clearInterval(refreshForwardSource);
    clearInterval(watchCutover);
    await Promise.all([worker.stop(0), enricher.stop(0), pruner.stop(), checking, stopWatches()]);
    await store.close();
    throw error;
  }
  const { port } = server.address() as AddressInfo;
  const host = config.host === '0.0.0.0' || config.host === '::' ? '127.0.0.1' : config.host;
  const url = `http://${host.includes(':') ? `[${host}]` : host}:${port}`;
  logger.info(
    {
      url,
      forwardSource: forwardSource.get(),
      forwardFormat: config.forwardFormat,
      database: config.database.kind === 'sqlite' ? config.database.path : config.database.display,
    },
    'faceauth-shim: listening',
  );

  return {
    url,
    port,
    failed: failure,
    close(graceMs = config.shutdownGraceMs) {
      closing ??= (async () => {
        // Intake and deliveries wind down side by side, both within the grace period: a
        // request still open when it ends (a slow sender) is cut, and never answered 200.
        const intakeClosed = new Promise<void>((resolve) => {
          server.close(() => resolve());
          server.closeIdleConnections();
        });
        const pruned = pruner.stop();
        clearInterval(refreshForwardSource);
        clearInterval(watchCutover);
        await Promise.all([
          atMost(intakeClosed, graceMs).then(() => {
            server.closeAllConnections();
          }),
          worker.stop(graceMs),
          enricher.stop(graceMs),
          checking,
          pruned,
        ]);
        // Alerts raised until now are sent (a short wait: the process is stopping).
        await stopWatches(Math.min(graceMs, 2_000));
        await store.close();
        rejections.close();
        logger.info('faceauth-shim: stopped');
      })();
      return closing;
    },
  };
}
