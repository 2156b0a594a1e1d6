import type { Hono } from 'hono';
import { createApp } from '../../src/app.js';
import { type Config, loadConfig } from '../../src/config/config.js';
import { loadMappings } from '../../src/normalize/load-mappings.js';
import { createLogger, type Logger } from '../../src/ops/logger.js';
import { createMetrics, type Metrics } from '../../src/ops/metrics.js';
import { openStore } from '../../src/store/open-store.js';
import type { Store } from '../../src/store/store.js';

export const INBOUND = { name: 'x-incode-webhook-key', value: 'inbound-secret-value' };
export const ADMIN_TOKEN = 'admin-token-0123456789';

export type TestAppConfig = Parameters<typeof createApp>[0]['config'];

export interface TestApp {
  app: Hono;
  store: Store;
  metrics: Metrics;
  /** Sends a webhook with the inbound credentials and a JSON content type unless told otherwise. */
  post(
    path: string,
    body: string | Uint8Array,
    headers?: Record<string, string>,
  ): Promise<Response>;
  /** An admin GET with the admin token. */
  admin(path: string): Promise<Response>;
  wakes: number;
}

/**
 * The real app on an in-memory store, a silent logger and its own metrics registry.
 * `wrapStore` puts something between the app and the store (to hold a write, say); `store` on
 * the result is always the store itself.
 */
export async function makeTestApp(
  overrides: Partial<TestAppConfig> = {},
  logger: Logger = createLogger({ level: 'silent' }),
  clock?: () => number,
  wrapStore: (store: Store) => Store = (store) => store,
): Promise<TestApp> {
  const store = await openStore({ kind: 'sqlite', path: ':memory:' });
  const metrics = createMetrics(store);
  const config: Config = {
    ...loadConfig({
      CALLBACK_URL: 'http://127.0.0.1:9/callback',
      INBOUND_HEADER_NAME: INBOUND.name,
      INBOUND_HEADER_VALUE: INBOUND.value,
      ADMIN_TOKEN,
      // Parsed, not opened: the app gets its store (in memory) from the test.
      DATABASE_URL: 'sqlite:not-opened.db',
    }),
    ...overrides,
  };
  const result: TestApp = {
    app: createApp({
      config,
      store: wrapStore(store),
      mappings: await loadMappings(),
      logger,
      metrics,
      ...(clock ? { clock } : {}),
      onAccepted: () => {
        result.wakes++;
      },
    }),
    store,
    metrics,
    wakes: 0,
    async post(path, body, headers = {}) {
      return result.app.request(path, {
        method: 'POST',
        body,
        headers: { 'content-type': 'application/json', [INBOUND.name]: INBOUND.value, ...headers },
      });
    },
    async admin(path) {
      return result.app.request(path, { headers: { authorization: `Bearer ${ADMIN_TOKEN}` } });
    },
  };
  return result;
}
