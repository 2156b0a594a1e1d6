import { z } from 'zod';
import { checkTogether } from './checks.js';
import { readEnvironment } from './read-environment.js';
import {
  compareMinAgreement,
  compareMinPairs,
  databaseUrl,
  guardCounts,
  guardWindow,
} from './values.js';
import { VARIABLES } from './variables.js';

export {
  DEFAULT_ORDER_HOLD_MAX,
  DEFAULT_RETRY_SCHEDULE,
  DEFAULT_SHADOW_FALLBACK_AFTER,
} from './values.js';

/**
 * Variables an earlier version read and this one does not, with what replaced them: a start that
 * finds one says so at warn (it changes nothing).
 */
export const RETIRED_VARIABLES: Record<string, string> = {
  FORWARD_SOURCE_GUARD_DISAGREEMENTS:
    'the guard judges a rate, agreement below COMPARE_MIN_AGREEMENT over at least COMPARE_MIN_PAIRS pairs, not a count of disagreements per hour; FORWARD_SOURCE_GUARD_COUNTS says which differences count',
};

/**
 * The configuration of `serve`: every variable (variables.ts), checked together (checks.ts),
 * made into the settings the service is built from. The schema is the one source of the
 * `Config` type. Loose: a variable it does not read is ignored, and a retired one is named.
 */
export const ConfigSchema = z
  .looseObject(VARIABLES)
  .superRefine(checkTogether)
  .transform((e) => ({
    port: e.PORT,
    host: e.HOST,
    callbackUrl: e.CALLBACK_URL,
    forwardSource: e.FORWARD_SOURCE ?? 'legacy',
    /** FORWARD_SOURCE was set in the environment (not the default). */
    forwardSourceExplicit: e.FORWARD_SOURCE !== undefined,
    /** FORWARD_SOURCE_PLAN: a ramp of shares, checked (it resolves when it is stored). */
    forwardSourcePlan: e.FORWARD_SOURCE_PLAN,
    /** The guard of a share on Workflows: its sliding window, which differences count, how often it looks. */
    forwardSourceGuard: {
      windowMs: e.FORWARD_SOURCE_GUARD_WINDOW,
      counts: e.FORWARD_SOURCE_GUARD_COUNTS,
      intervalMs: e.FORWARD_SOURCE_GUARD_INTERVAL,
    },
    /** Retired variables found in the environment, with what replaced each (RETIRED_VARIABLES). */
    retired: Object.keys(RETIRED_VARIABLES)
      .filter((name) => e[name] !== undefined)
      .map((name) => `${name}: ${RETIRED_VARIABLES[name]}`),
    forwardFormat: e.FORWARD_FORMAT,
    database: e.DATABASE_URL,
    /** The static header Incode must send, with every accepted value (for rotation). */
    inboundHeader:
      e.INBOUND_HEADER_NAME !== undefined && e.INBOUND_HEADER_VALUE !== undefined
        ? { name: e.INBOUND_HEADER_NAME.toLowerCase(), values: e.INBOUND_HEADER_VALUE }
        : undefined,
    /** OAuth 2.0 client credentials Incode uses to get a token from POST /oauth/token. */
    inboundOAuth:
      e.INBOUND_OAUTH_CLIENT_ID !== undefined && e.INBOUND_OAUTH_CLIENT_SECRET !== undefined
        ? {
            clientId: e.INBOUND_OAUTH_CLIENT_ID,
            clientSecrets: e.INBOUND_OAUTH_CLIENT_SECRET,
            tokenTtlMs: e.INBOUND_OAUTH_TOKEN_TTL,
          }
        : undefined,
    /** OAuth 2.0 client credentials faceauth-shim uses towards the callback. */
    callbackOAuth:
      e.CALLBACK_OAUTH_TOKEN_URL !== undefined &&
      e.CALLBACK_OAUTH_CLIENT_ID !== undefined &&
      e.CALLBACK_OAUTH_CLIENT_SECRET !== undefined
        ? {
            tokenUrl: e.CALLBACK_OAUTH_TOKEN_URL,
            clientId: e.CALLBACK_OAUTH_CLIENT_ID,
            clientSecret: e.CALLBACK_OAUTH_CLIENT_SECRET,
            authMethod: e.CALLBACK_OAUTH_AUTH_METHOD ?? 'client_secret_basic',
          }
        : undefined,
    /** whsec_... : sign every forward with Standard Webhooks headers. */
    callbackSigningSecret: e.CALLBACK_SIGNING_SECRET,
    adminToken: e.ADMIN_TOKEN,
    /** Set: GET /metrics needs `Authorization: Bearer` with it. */
    metricsToken: e.METRICS_TOKEN,
    callbackHeaders: e.CALLBACK_HEADERS,
    callbackTimeoutMs: e.CALLBACK_TIMEOUT_MS,
    callbackConcurrency: e.CALLBACK_CONCURRENCY,
    /** Delays between delivery attempts: N delays, N + 1 attempts. */
    retryScheduleMs: e.DELIVERY_RETRY_SCHEDULE,
    maxBodyBytes: e.MAX_BODY_BYTES,
    /** A request's headers and body must arrive within this time; then 408 and the connection is closed. */
    requestTimeoutMs: e.REQUEST_TIMEOUT,
    /** Request bodies read at once, across connections; past it, 503 without reading. */
    maxBodiesInFlight: e.MAX_BODIES_IN_FLIGHT,
    /** A webhook not stored within this time gets 503 with Retry-After (the store hangs). */
    acceptTimeoutMs: e.ACCEPT_TIMEOUT,
    dedupWindowMs: e.DEDUP_WINDOW,
    /** ORDER_HOLD_MAX: how long an event the callback keeps refusing holds its customer's later events. */
    orderHoldMaxMs: e.ORDER_HOLD_MAX,
    /** Where alerts are POSTed (ALERT_WEBHOOK_URL), and when: see src/alerts/. */
    alerts: {
      webhookUrl: e.ALERT_WEBHOOK_URL,
      /** ALERT_CALLBACK_DOWN_AFTER: the callback failing this long is callback_down. */
      callbackDownAfterMs: e.ALERT_CALLBACK_DOWN_AFTER,
      /** ALERT_INTERVAL: at most one alert of a kind per interval; the rest are summed up at its end. */
      intervalMs: e.ALERT_INTERVAL,
    },
    /** SHADOW_FALLBACK_AFTER: how long a report of the source not preferred waits for its login's other report. */
    shadowFallbackAfterMs: e.SHADOW_FALLBACK_AFTER,
    /** How long a stop waits for open requests and deliveries in flight. */
    shutdownGraceMs: e.SHUTDOWN_GRACE,
    /** Events of both sources this close in time (same customer) are the same authentication. */
    compareWindowMs: e.COMPARE_WINDOW,
    /** The report says "safe to switch" only with at least this many pairs... */
    compareMinPairs: e.COMPARE_MIN_PAIRS,
    /** ...and at least this share of them agreeing on status and on reason. */
    compareMinAgreement: e.COMPARE_MIN_AGREEMENT,
    mappingsDir: e.MAPPINGS_DIR,
    /** Set: Workflows results are completed with their score from Incode's API before forwarding. */
    incodeApi:
      e.INCODE_API_URL !== undefined && e.INCODE_API_KEY !== undefined
        ? {
            url: e.INCODE_API_URL.replace(/\/+$/, ''),
            apiKey: e.INCODE_API_KEY,
            auth:
              e.INCODE_ADMIN_TOKEN !== undefined
                ? { token: e.INCODE_ADMIN_TOKEN }
                : { email: e.INCODE_ADMIN_EMAIL ?? '', password: e.INCODE_ADMIN_PASSWORD ?? '' },
            timeoutMs: e.INCODE_TIMEOUT_MS,
          }
        : undefined,
    /** How long an event waits for its score before it is forwarded without the numbers. */
    enrichMaxWaitMs: e.ENRICH_MAX_WAIT,
    /** Delivered (and other settled) events and quarantined bodies older than this are deleted; undefined: kept. */
    retentionMs: e.RETENTION,
    logLevel: e.LOG_LEVEL,
  }));

export type Config = z.output<typeof ConfigSchema>;
/** How faceauth-shim reaches Incode's API for scores (GET /omni/get/score). */
export type IncodeApiConfig = NonNullable<Config['incodeApi']>;

/** Reads the configuration from environment variables; empty strings count as unset. */
export function loadConfig(env: Record<string, string | undefined> = process.env): Config {
  return readEnvironment(ConfigSchema, env);
}

/** What `faceauth-shim report` and `forward-source show` read: the store and the verdict's thresholds. */
export const ReportConfigSchema = z
  .object({
    DATABASE_URL: databaseUrl,
    COMPARE_MIN_PAIRS: compareMinPairs,
    COMPARE_MIN_AGREEMENT: compareMinAgreement,
    COMPARE_WINDOW: VARIABLES.COMPARE_WINDOW,
    FORWARD_SOURCE_GUARD_WINDOW: guardWindow,
    FORWARD_SOURCE_GUARD_COUNTS: guardCounts,
  })
  .transform((e) => ({
    database: e.DATABASE_URL,
    compareMinPairs: e.COMPARE_MIN_PAIRS,
    compareMinAgreement: e.COMPARE_MIN_AGREEMENT,
    /** What `forward-source show` needs to say where a plan stands. */
    guard: {
      minPairs: e.COMPARE_MIN_PAIRS,
      minAgreement: e.COMPARE_MIN_AGREEMENT,
      counts: e.FORWARD_SOURCE_GUARD_COUNTS,
      windowMs: e.FORWARD_SOURCE_GUARD_WINDOW,
      compareWindowMs: e.COMPARE_WINDOW,
    },
  }));

export function loadReportConfig(env: Record<string, string | undefined> = process.env) {
  return readEnvironment(ReportConfigSchema, env);
}

/** DATABASE_URL alone, for the commands that only open the store (replay, events, ...). */
export const DatabaseConfigSchema = z
  .object({ DATABASE_URL: databaseUrl })
  .transform((e) => e.DATABASE_URL);

export function loadDatabaseConfig(
  env: Record<string, string | undefined> = process.env,
): Config['database'] {
  return readEnvironment(DatabaseConfigSchema, env);
}
