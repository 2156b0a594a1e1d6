import { Hono } from 'hono';
import { z } from 'zod';
import { reportJsonSchema } from '../compare/report-schema.js';
import { NormalizedResult } from '../normalize/normalized-schema.js';
import type { Logger } from '../ops/logger.js';
import type { Metrics } from '../ops/metrics.js';
import type { Store } from '../store/store.js';
import { codeOf } from '../util/errors.js';

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
}

/** Health, readiness, metrics and the published schema. */
export function opsRoutes(options: OpsRoutesOptions): Hono {
  const { store, metrics, isDelivering } = options;
  const app = new Hono();
  const schema = normalizedJsonSchema();

  app.get('/healthz', (c) => c.json({ status: 'ok' }));

  app.get('/readyz', async function readiness(c) {
    const problems: string[] = [];
    try {
      await store.ping();
    } catch (error) {
      if (codeOf(error) === 'store_unavailable') {
        // The store says why it cannot work now: its message, under one "store: ".
        problems.push(`store: ${(error as Error).message.replace(/^store: /, '')}`);
      } else {
        options.logger?.error({ err: error }, 'readyz: the store check failed unexpectedly');
        problems.push('store: unexpected error; see the service log');
      }
    }
    if (!isDelivering()) problems.push('delivery worker is not running');
    return problems.length === 0
      ? c.json({ status: 'ready' })
      : c.json({ status: 'not ready', problems }, 503);
  });

  app.get('/metrics', async function prometheus(c) {
    const text = await metrics.registry.metrics();
    return c.text(text, 200, { 'content-type': metrics.registry.contentType });
  });

  app.get('/schema/normalized.v1.json', (c) => c.json(schema));
  const report = reportJsonSchema();
  app.get('/schema/report.v1.json', (c) => c.json(report));

  return app;
}
