import { Hono } from 'hono';
import { z } from 'zod';
import { reportJsonSchema } from '../compare/report-schema.js';
import { NormalizedResult } from '../normalize/normalized-schema.js';
import type { Logger } from '../ops/logger.js';
import type { Metrics } from '../ops/metrics.js';
import { StoreUnavailableError } from '../store/errors.js';
import type { Store } from '../store/store.js';
import { codeOf } from '../util/errors.js';
import { secretsEqual } from './constant-time.js';
import { HttpError } from './http-error.js';

/** /readyz answers within this time whatever the store does (docs/contract.md). */
export const READY_TIMEOUT_MS = 1_000;

/** The JSON Schema of the normalized result, generated from the zod schema (and checked in). */
export function normalizedJsonSchema() {
  return {
    $id: 'urn:faceauth-shim:schema:normalized.v1',
    title: 'faceauth-shim normalized result v1',
    ...z.toJSONSchema(NormalizedResult, { target: 'draft-2020-12' }),
  };
}

export interface OpsRoutesOptions {
  store: Pick<Store, 'ping'>;
  metrics: Metrics;
  /** Where an unexpected failure of the readiness check is logged. */
  logger?: Logger;
  /** Whether the delivery worker is running. */
  isDelivering: () => boolean;
  /** METRICS_TOKEN: when set, /metrics needs `Authorization: Bearer` with it. */
  metricsToken?: string | undefined;
}

/** Health, readiness, metrics and the published schema. */
export function opsRoutes(options: OpsRoutesOptions): Hono {
  const { store, metrics, isDelivering, metricsToken } = options;
  const app = new Hono();
  const schema = normalizedJsonSchema();
  /**
   * One probe at a time: a load balancer asking again while the store hangs gets the answer of
   * the probe under way, not one more probe (and one more connection) held by the hang.
   */
  let probing: Promise<void> | undefined;
  const probe = () => {
    // The store gives up a little earlier, so its own words (what hangs) are the answer.
    probing ??= store.ping(Date.now() + READY_TIMEOUT_MS - 100).finally(() => {
      probing = undefined;
    });
    return probing;
  };

  app.get('/healthz', (c) => c.json({ status: 'ok' }));

  app.get('/readyz', async function readiness(c) {
    const problems: string[] = [];
    let timer: NodeJS.Timeout | undefined;
    try {
      await Promise.race([
        probe(),
        new Promise((_, reject) => {
          timer = setTimeout(
            () => reject(new StoreUnavailableError(`no answer within ${READY_TIMEOUT_MS} ms`)),
            READY_TIMEOUT_MS,
          );
        }),
      ]);
    } catch (error) {
      if (codeOf(error) === 'store_unavailable') {
        // The store says why it cannot work now: its message, under one "store: ".
        problems.push(`store: ${(error as Error).message.replace(/^store: /, '')}`);
      } else {
        options.logger?.error({ err: error }, 'readyz: the store check failed unexpectedly');
        problems.push('store: unexpected error; see the service log');
      }
    } finally {
      clearTimeout(timer);
    }
    if (!isDelivering()) problems.push('delivery worker is not running');
    return problems.length === 0
      ? c.json({ status: 'ready' })
      : c.json({ status: 'not ready', problems }, 503);
  });

  app.get('/metrics', async function prometheus(c) {
    if (metricsToken !== undefined) {
      // The scheme is case-insensitive (RFC 7235 2.1), as on the other routes.
      const token = /^Bearer (.+)$/i.exec(c.req.header('authorization') ?? '')?.[1];
      if (!secretsEqual(token, metricsToken)) {
        metrics.unauthorized.inc({ route: '/metrics' });
        c.header('www-authenticate', 'Bearer');
        throw new HttpError(
          401,
          'unauthorized',
          'missing or wrong metrics token (Authorization: Bearer METRICS_TOKEN)',
        );
      }
    }
    const text = await metrics.registry.metrics();
    return c.text(text, 200, { 'content-type': metrics.registry.contentType });
  });

  app.get('/schema/normalized.v1.json', (c) => c.json(schema));
  const report = reportJsonSchema();
  app.get('/schema/report.v1.json', (c) => c.json(report));

  return app;
}
