import { z } from 'zod';
import { planFrom } from '../cutover/plan.js';
import { type ForwardSourceValue, parseForwardSource } from '../cutover/source-value.js';
import {
  CALLBACK_OAUTH_AUTH_METHODS,
  type CallbackOAuthAuthMethod,
} from '../delivery/callback-oauth-method.js';
import { parseDuration } from '../util/duration.js';
import { type DatabaseConfig, DEFAULT_DATABASE_URL, parseDatabaseUrl } from './database-url.js';

/** Thrown by loadConfig; the message is one line naming every bad variable. */
export class ConfigError extends Error {
  override readonly name = 'ConfigError';
}

const forwardSourceValue = z.string().transform((text, ctx): ForwardSourceValue => {
  const parsed = parseForwardSource(text);
  if ('error' in parsed) {
    ctx.addIssue({ code: 'custom', message: parsed.error });
    return z.NEVER;
  }
  return parsed.value;
});

const forwardSourcePlan = z.string().transform((text, ctx) => {
  const parsed = planFrom(text, Date.now());
  if ('error' in parsed) {
    ctx.addIssue({ code: 'custom', message: parsed.error });
    return z.NEVER;
  }
  return text.trim();
});

export const DEFAULT_RETRY_SCHEDULE = '10s,1m,5m,15m,30m,1h,2h,4h,8h';

/**
 * ORDER_HOLD_MAX's default: long enough for a callback's short outage or deploy to pass with the
 * customer's order kept, short enough that no customer waits long behind one refused event.
 */
export const DEFAULT_ORDER_HOLD_MAX = '3m';

/**
 * SHADOW_FALLBACK_AFTER's default: long enough for both webhooks of one login to arrive (Incode
 * sends them at the end of the same authentication), short enough for a user waiting on it.
 */
export const DEFAULT_SHADOW_FALLBACK_AFTER = '10s';

const duration = z.string().transform((text, ctx) => {
  const ms = parseDuration(text);
  if (ms === undefined) {
    ctx.addIssue({ code: 'custom', message: `"${text}" is not a duration such as 30s, 5m or 1h` });
    return z.NEVER;
  }
  return ms;
});

const int = (min: number, max = Number.MAX_SAFE_INTEGER) =>
  z
    .string()
    .regex(/^\d+$/, 'expected a whole number')
    .transform(Number)
    .pipe(z.number().int().min(min).max(max));

const httpUrl = z
  .url({ protocol: /^https?$/, error: 'expected an http:// or https:// URL' })
  .refine(
    (url) => !URL.canParse(url) || !/^[a-z]+:\/\/[^/?#]*@/i.test(url),
    'credentials in the URL are not sent; put an Authorization header in CALLBACK_HEADERS',
  );

const headerName = z
  .string()
  .regex(/^[!#$%&'*+.^_`|~0-9A-Za-z-]+$/, 'expected an HTTP header name');

/** A header value as sent on the wire: no line breaks, no surrounding blanks (Node strips them). */
const headerValue = z
  .string()
  .regex(/^[^\r\n\0]*$/, 'a header value cannot hold a line break')
  .refine((value) => value === value.trim(), 'a header value cannot start or end with blanks');

/** Headers faceauth-shim sets itself on every delivery. */
const OWN_HEADERS = new Set([
  'content-type',
  'content-length',
  'host',
  'transfer-encoding',
  'connection',
  'user-agent',
]);

const databaseUrl = z
  .string()
  .default(DEFAULT_DATABASE_URL)
  .transform((url, ctx): DatabaseConfig => {
    const parsed = parseDatabaseUrl(url.trim());
    if ('error' in parsed) {
      ctx.addIssue({ code: 'custom', message: parsed.error });
      return z.NEVER;
    }
    return parsed;
  });

const compareMinPairs = int(0).default(20);
const compareMinAgreement = z
  .string()
  .regex(/^(0(\.\d+)?|1(\.0+)?)$/, 'expected a share between 0 and 1, e.g. 0.99')
  .default('0.99')
  .transform(Number);

const guardWindow = z
  .string()
  .default('1h')
  .pipe(
    duration.pipe(
      z
        .number()
        .min(60_000, 'at least 1m')
        .max(30 * 86_400_000, 'at most 30d'),
    ),
  );
/** Which differences the guard counts as disagreements: status only, or status and reason. */
const guardCounts = z.enum(['status', 'reason']).default('reason');

/**
 * Variables an earlier version read and this one does not, with what replaced them: a start that
 * finds one says so at warn (it changes nothing).
 */
export const RETIRED_VARIABLES: Record<string, string> = {
  FORWARD_SOURCE_GUARD_DISAGREEMENTS:
    'the guard judges a rate, agreement below COMPARE_MIN_AGREEMENT over at least COMPARE_MIN_PAIRS pairs, not a count of disagreements per hour; FORWARD_SOURCE_GUARD_COUNTS says which differences count',
};

/** What `faceauth-shim report` reads: the store and the verdict's thresholds. */
export function loadReportConfig(env: Record<string, string | undefined> = process.env) {
  const present = Object.fromEntries(
    Object.entries(env).filter(([, value]) => value !== undefined && value.trim() !== ''),
  );
  const result = z
    .object({
      DATABASE_URL: databaseUrl,
      COMPARE_MIN_PAIRS: compareMinPairs,
      COMPARE_MIN_AGREEMENT: compareMinAgreement,
      COMPARE_WINDOW: z.string().default('5m').pipe(duration),
      FORWARD_SOURCE_GUARD_WINDOW: guardWindow,
      FORWARD_SOURCE_GUARD_COUNTS: guardCounts,
    })
    .safeParse(present);
  if (!result.success) {
    const problems = result.error.issues.map((i) => `${String(i.path[0])}: ${i.message}`);
    throw new ConfigError(`invalid configuration: ${problems.join('; ')}`);
  }
  return {
    database: result.data.DATABASE_URL,
    compareMinPairs: result.data.COMPARE_MIN_PAIRS,
    compareMinAgreement: result.data.COMPARE_MIN_AGREEMENT,
    /** What `forward-source show` needs to say where a plan stands. */
    guard: {
      minPairs: result.data.COMPARE_MIN_PAIRS,
      minAgreement: result.data.COMPARE_MIN_AGREEMENT,
      counts: result.data.FORWARD_SOURCE_GUARD_COUNTS,
      windowMs: result.data.FORWARD_SOURCE_GUARD_WINDOW,
      compareWindowMs: result.data.COMPARE_WINDOW,
    },
  };
}

/** Reads DATABASE_URL alone, for commands that only open the store (replay). */
export function loadDatabaseConfig(
  env: Record<string, string | undefined> = process.env,
): Config['database'] {
  const value = env.DATABASE_URL?.trim() ? env.DATABASE_URL : undefined;
  const result = databaseUrl.safeParse(value);
  if (!result.success) {
    throw new ConfigError(
      `invalid configuration: DATABASE_URL: ${result.error.issues[0]?.message}`,
    );
  }
  return result.data;
}

const EnvSchema = z
  .object({
    PORT: int(0, 65535).default(8080),
    HOST: z.string().default('0.0.0.0'),
    CALLBACK_URL: httpUrl,
    FORWARD_SOURCE: forwardSourceValue.default('legacy'),
    FORWARD_SOURCE_PLAN: forwardSourcePlan.optional(),
    FORWARD_SOURCE_GUARD_WINDOW: guardWindow,
    FORWARD_SOURCE_GUARD_COUNTS: guardCounts,
    FORWARD_SOURCE_GUARD_INTERVAL: z
      .string()
      .default('5s')
      .pipe(duration.pipe(z.number().min(100, 'at least 100ms').max(3_600_000, 'at most 1h'))),
    FORWARD_FORMAT: z.enum(['legacy', 'normalized']).default('legacy'),
    DATABASE_URL: databaseUrl,
    INBOUND_HEADER_NAME: headerName.optional(),
    // Several values, separated by commas, are all accepted: rotate without downtime. Each is
    // a secret as strong as the admin token and the OAuth client secret: 16 characters or more.
    INBOUND_HEADER_VALUE: z
      .string()
      .transform((text) => text.split(','))
      .pipe(
        z.array(
          headerValue
            .min(1, 'an empty value in the list')
            .min(16, 'use at least 16 characters for each value'),
        ),
      )
      .optional(),
    INBOUND_OAUTH_CLIENT_ID: z
      .string()
      .regex(/^[^:]+$/, 'cannot hold a colon (Basic authentication)')
      .optional(),
    // Several secrets, separated by commas: tokens are signed with the first, any verifies.
    INBOUND_OAUTH_CLIENT_SECRET: z
      .string()
      .transform((text) => text.split(','))
      .pipe(z.array(z.string().min(16, 'use at least 16 characters for each secret')))
      .optional(),
    INBOUND_OAUTH_TOKEN_TTL: z
      .string()
      .default('1h')
      .pipe(duration.pipe(z.number().min(60_000, 'at least 1m').max(86_400_000, 'at most 24h'))),
    INBOUND_AUTH: z.literal('none', 'the only accepted value is "none"').optional(),
    ADMIN_TOKEN: z.string().min(16, 'use at least 16 characters').optional(),
    // Set: GET /metrics needs Authorization: Bearer <it> (a scraper's bearer_token).
    METRICS_TOKEN: z
      .string()
      .regex(/^[\x21-\x7e]+$/, 'cannot hold blanks or control characters')
      .min(16, 'use at least 16 characters')
      .optional(),
    CALLBACK_HEADERS: z
      .string()
      .default('{}')
      .transform((text, ctx) => {
        try {
          return JSON.parse(text) as unknown;
        } catch {
          ctx.addIssue({
            code: 'custom',
            message: 'expected a JSON object, e.g. {"x-api-key":"..."}',
          });
          return z.NEVER;
        }
      })
      .pipe(
        z.record(
          headerName,
          headerValue,
          'expected a JSON object of header names to string values',
        ),
      )
      .transform((headers, ctx) => {
        const lower = Object.fromEntries(
          Object.entries(headers).map(([k, v]) => [k.toLowerCase(), v]),
        );
        for (const name of Object.keys(lower)) {
          if (OWN_HEADERS.has(name) || name.startsWith('x-faceauth-')) {
            ctx.addIssue({ code: 'custom', message: `${name} is set by faceauth-shim itself` });
          }
        }
        return lower;
      }),
    CALLBACK_OAUTH_TOKEN_URL: httpUrl.optional(),
    CALLBACK_OAUTH_CLIENT_ID: z.string().optional(),
    CALLBACK_OAUTH_CLIENT_SECRET: z.string().optional(),
    CALLBACK_OAUTH_AUTH_METHOD: z
      .enum(CALLBACK_OAUTH_AUTH_METHODS, {
        error: `expected ${CALLBACK_OAUTH_AUTH_METHODS.join(' or ')}`,
      })
      .optional(),
    CALLBACK_SIGNING_SECRET: z
      .string()
      .regex(/^whsec_[A-Za-z0-9+/]+={0,2}$/, 'expected whsec_ followed by base64')
      .refine((secret) => {
        const bytes = Buffer.from(secret.slice('whsec_'.length), 'base64').length;
        return bytes >= 24 && bytes <= 64;
      }, 'the key after whsec_ must be 24 to 64 bytes')
      .optional(),
    CALLBACK_TIMEOUT_MS: int(1, 600_000).default(10_000),
    CALLBACK_CONCURRENCY: int(1, 256).default(16),
    DELIVERY_RETRY_SCHEDULE: z
      .string()
      .default(DEFAULT_RETRY_SCHEDULE)
      .transform((text) => text.split(',').map((part) => part.trim()))
      .pipe(
        z
          .array(duration.pipe(z.number().max(7 * 86_400_000, 'a delay of at most 7d')))
          .min(1, 'expected at least one delay'),
      ),
    MAX_BODY_BYTES: int(1, 64 * 1024 * 1024).default(262_144),
    REQUEST_TIMEOUT: z
      .string()
      .default('30s')
      .pipe(duration)
      .pipe(z.number().min(1000, 'at least 1s').max(600_000, 'at most 10m')),
    MAX_BODIES_IN_FLIGHT: int(1, 100_000).default(128),
    // Below any sender's own timeout: a webhook the store cannot take in time gets 503 and is
    // sent again, rather than waiting for as long as the database hangs.
    ACCEPT_TIMEOUT: z
      .string()
      .default('5s')
      .pipe(duration)
      .pipe(z.number().min(100, 'at least 100ms').max(60_000, 'at most 1m')),
    DEDUP_WINDOW: z.string().default('1h').pipe(duration),
    // How long an event the callback keeps refusing holds its customer's later events.
    ORDER_HOLD_MAX: z
      .string()
      .default(DEFAULT_ORDER_HOLD_MAX)
      .pipe(duration)
      .pipe(
        z.number().max(300_000, 'at most 5m: a customer waits this long behind a refused event'),
      ),
    ALERT_WEBHOOK_URL: z
      .url({ protocol: /^https?$/, error: 'expected an http:// or https:// URL' })
      .optional(),
    ALERT_CALLBACK_DOWN_AFTER: z
      .string()
      .default('5m')
      .pipe(duration)
      .pipe(z.number().min(1_000, 'at least 1s').max(86_400_000, 'at most 24h')),
    ALERT_INTERVAL: z
      .string()
      .default('1m')
      .pipe(duration)
      .pipe(z.number().min(1_000, 'at least 1s').max(3_600_000, 'at most 1h')),
    // How long a report of the source the mode does not prefer waits for its login's other
    // report before it is forwarded alone. Never off: a report that waited for ever would be a
    // login the callback never gets.
    SHADOW_FALLBACK_AFTER: z
      .string()
      .default(DEFAULT_SHADOW_FALLBACK_AFTER)
      .refine((text) => text.trim() !== 'off', {
        message:
          'off is no longer accepted: a login reported only by the source FORWARD_SOURCE does not prefer would never reach the callback; give a wait of at most 1m (0 forwards it at once)',
      })
      .pipe(duration)
      .pipe(z.number().max(60_000, 'at most 1m: the login waits this long for its callback')),
    SHUTDOWN_GRACE: z.string().default('10s').pipe(duration),
    COMPARE_WINDOW: z.string().default('5m').pipe(duration),
    COMPARE_MIN_PAIRS: compareMinPairs,
    COMPARE_MIN_AGREEMENT: compareMinAgreement,
    MAPPINGS_DIR: z.string().optional(),
    INCODE_API_URL: z
      .url({ protocol: /^https?$/, error: 'expected an http:// or https:// URL' })
      .refine(
        (url) => !URL.canParse(url) || !/^[a-z]+:\/\/[^/?#]*@|[?#]/i.test(url),
        'expected the API base URL alone: no credentials, query or fragment',
      )
      .optional(),
    INCODE_API_KEY: z
      .string()
      .regex(/^[\x21-\x7e]+$/, 'cannot hold blanks or control characters')
      .optional(),
    INCODE_ADMIN_TOKEN: z
      .string()
      .regex(/^[\x21-\x7e]+$/, 'cannot hold blanks or control characters')
      .optional(),
    INCODE_ADMIN_EMAIL: z.string().optional(),
    INCODE_ADMIN_PASSWORD: z.string().optional(),
    INCODE_TIMEOUT_MS: int(1, 600_000).default(10_000),
    ENRICH_MAX_WAIT: z
      .string()
      .default('10m')
      .pipe(duration.pipe(z.number().max(7 * 86_400_000, 'at most 7d'))),
    RETENTION: z
      .string()
      .default('30d')
      .transform((text) => (text === 'off' ? undefined : text))
      .pipe(duration.optional()),
    LOG_LEVEL: z
      .enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'])
      .default('info'),
  })
  .superRefine((env, ctx) => {
    if ((env.INBOUND_HEADER_NAME === undefined) !== (env.INBOUND_HEADER_VALUE === undefined)) {
      const missing =
        env.INBOUND_HEADER_NAME === undefined ? 'INBOUND_HEADER_NAME' : 'INBOUND_HEADER_VALUE';
      ctx.addIssue({
        code: 'custom',
        path: [missing],
        message: 'required when the other INBOUND_HEADER_* is set',
      });
    }
    if (
      (env.INBOUND_OAUTH_CLIENT_ID === undefined) !==
      (env.INBOUND_OAUTH_CLIENT_SECRET === undefined)
    ) {
      const missing =
        env.INBOUND_OAUTH_CLIENT_ID === undefined
          ? 'INBOUND_OAUTH_CLIENT_ID'
          : 'INBOUND_OAUTH_CLIENT_SECRET';
      ctx.addIssue({
        code: 'custom',
        path: [missing],
        message: 'required when the other INBOUND_OAUTH_* is set',
      });
    }
    const outbound = [
      'CALLBACK_OAUTH_TOKEN_URL',
      'CALLBACK_OAUTH_CLIENT_ID',
      'CALLBACK_OAUTH_CLIENT_SECRET',
    ] as const;
    const set = outbound.filter((name) => env[name] !== undefined);
    if (set.length > 0 && set.length < outbound.length) {
      for (const name of outbound.filter((n) => env[n] === undefined)) {
        ctx.addIssue({
          code: 'custom',
          path: [name],
          message: 'required when the other CALLBACK_OAUTH_* are set',
        });
      }
    }
    if (set.length === 0 && env.CALLBACK_OAUTH_AUTH_METHOD !== undefined) {
      ctx.addIssue({
        code: 'custom',
        path: ['CALLBACK_OAUTH_AUTH_METHOD'],
        message: `has no meaning without ${outbound.join(', ')}`,
      });
    }
    if (
      env.INBOUND_OAUTH_CLIENT_ID !== undefined &&
      env.INBOUND_HEADER_NAME?.toLowerCase() === 'authorization'
    ) {
      ctx.addIssue({
        code: 'custom',
        path: ['INBOUND_HEADER_NAME'],
        message:
          'cannot be authorization while inbound OAuth uses that header for the bearer token',
      });
    }
    const callbackHeaderNames = Object.keys(env.CALLBACK_HEADERS);
    if (
      env.CALLBACK_OAUTH_TOKEN_URL !== undefined &&
      callbackHeaderNames.includes('authorization')
    ) {
      ctx.addIssue({
        code: 'custom',
        path: ['CALLBACK_HEADERS'],
        message: 'authorization is set by CALLBACK_OAUTH_*',
      });
    }
    if (
      env.CALLBACK_SIGNING_SECRET !== undefined &&
      callbackHeaderNames.some((name) => name.startsWith('webhook-'))
    ) {
      ctx.addIssue({
        code: 'custom',
        path: ['CALLBACK_HEADERS'],
        message: 'webhook-* headers are set by CALLBACK_SIGNING_SECRET',
      });
    }
    checkIncodeApi(env, ctx);
    if (env.FORWARD_SOURCE_PLAN !== undefined && env.FORWARD_SOURCE !== 'legacy') {
      ctx.addIssue({
        code: 'custom',
        path: ['FORWARD_SOURCE_PLAN'],
        message: `a plan sets the share itself: leave FORWARD_SOURCE unset (or legacy), not ${env.FORWARD_SOURCE}`,
      });
    }
    if (env.SHADOW_FALLBACK_AFTER > env.COMPARE_WINDOW) {
      ctx.addIssue({
        code: 'custom',
        path: ['SHADOW_FALLBACK_AFTER'],
        message: `longer than COMPARE_WINDOW (${env.COMPARE_WINDOW} ms): a report that waited that long could no longer be matched to its login's other report`,
      });
    }
    if (env.RETENTION !== undefined) {
      // Pruned events must be past every window that still looks at them.
      const windows = [
        ['DEDUP_WINDOW', env.DEDUP_WINDOW, 'redeliveries would be forwarded again'],
        ['COMPARE_WINDOW', env.COMPARE_WINDOW, 'events would lose their counterparts'],
        [
          'twice SHADOW_FALLBACK_AFTER',
          2 * env.SHADOW_FALLBACK_AFTER,
          'a fallback would miss its counterpart',
        ],
      ] as const;
      const short = windows.find(([, ms]) => env.RETENTION !== undefined && env.RETENTION < ms);
      if (short) {
        ctx.addIssue({
          code: 'custom',
          path: ['RETENTION'],
          message: `must be at least ${short[0]}, or ${short[2]}`,
        });
      }
    }
    const authenticated =
      env.INBOUND_HEADER_NAME !== undefined || env.INBOUND_OAUTH_CLIENT_ID !== undefined;
    if (!authenticated && env.INBOUND_AUTH === undefined) {
      ctx.addIssue({
        code: 'custom',
        path: ['INBOUND_AUTH'],
        message:
          'no inbound authentication: set INBOUND_HEADER_NAME and INBOUND_HEADER_VALUE, or INBOUND_OAUTH_CLIENT_ID and INBOUND_OAUTH_CLIENT_SECRET, or INBOUND_AUTH=none for local use',
      });
    }
    if (authenticated && env.INBOUND_AUTH !== undefined) {
      ctx.addIssue({
        code: 'custom',
        path: ['INBOUND_AUTH'],
        message: 'INBOUND_AUTH=none contradicts the inbound authentication that is set',
      });
    }
  });

/** The Incode API settings come as a set: a URL, a key, and one way to an admin token. */
function checkIncodeApi(
  env: Partial<
    Record<
      | 'INCODE_API_URL'
      | 'INCODE_API_KEY'
      | 'INCODE_ADMIN_TOKEN'
      | 'INCODE_ADMIN_EMAIL'
      | 'INCODE_ADMIN_PASSWORD',
      string | undefined
    >
  >,
  ctx: z.RefinementCtx,
): void {
  const issue = (name: string, message: string) =>
    ctx.addIssue({ code: 'custom', path: [name], message });
  const others = [
    'INCODE_API_KEY',
    'INCODE_ADMIN_TOKEN',
    'INCODE_ADMIN_EMAIL',
    'INCODE_ADMIN_PASSWORD',
  ] as const;
  if (env.INCODE_API_URL === undefined) {
    for (const name of others.filter((n) => env[n] !== undefined)) {
      issue(name, 'set INCODE_API_URL too, or leave every INCODE_* unset');
    }
    return;
  }
  if (env.INCODE_API_KEY === undefined) issue('INCODE_API_KEY', 'required with INCODE_API_URL');
  const login = env.INCODE_ADMIN_EMAIL !== undefined || env.INCODE_ADMIN_PASSWORD !== undefined;
  if (env.INCODE_ADMIN_TOKEN !== undefined && login) {
    issue(
      'INCODE_ADMIN_TOKEN',
      'set either INCODE_ADMIN_TOKEN or INCODE_ADMIN_EMAIL and INCODE_ADMIN_PASSWORD, not both',
    );
  } else if (env.INCODE_ADMIN_TOKEN === undefined && !login) {
    issue(
      'INCODE_ADMIN_TOKEN',
      'required with INCODE_API_URL, or INCODE_ADMIN_EMAIL and INCODE_ADMIN_PASSWORD instead',
    );
  } else if (login && env.INCODE_ADMIN_EMAIL === undefined) {
    issue('INCODE_ADMIN_EMAIL', 'required with INCODE_ADMIN_PASSWORD');
  } else if (login && env.INCODE_ADMIN_PASSWORD === undefined) {
    issue('INCODE_ADMIN_PASSWORD', 'required with INCODE_ADMIN_EMAIL');
  }
}

/** How faceauth-shim reaches Incode's API for scores (GET /omni/get/score). */
export interface IncodeApiConfig {
  url: string;
  apiKey: string;
  /** An admin token as is, or the login that gets one (POST /executive/log-in). */
  auth: { token: string } | { email: string; password: string };
  timeoutMs: number;
}

export interface Config {
  port: number;
  host: string;
  callbackUrl: string;
  forwardSource: ForwardSourceValue;
  /** FORWARD_SOURCE was set in the environment (not the default). */
  forwardSourceExplicit: boolean;
  /** FORWARD_SOURCE_PLAN: a ramp of shares, checked (it resolves when it is stored). */
  forwardSourcePlan: string | undefined;
  /** The guard of a share on Workflows: its sliding window, which differences count, how often it looks. */
  forwardSourceGuard: {
    windowMs: number;
    counts: 'status' | 'reason';
    intervalMs: number;
  };
  /** Retired variables found in the environment, with what replaced each (RETIRED_VARIABLES). */
  retired: string[];
  forwardFormat: 'legacy' | 'normalized';
  database: DatabaseConfig;
  /** The static header Incode must send, with every accepted value (for rotation). */
  inboundHeader: { name: string; values: string[] } | undefined;
  /** OAuth 2.0 client credentials Incode uses to get a token from POST /oauth/token. */
  inboundOAuth: { clientId: string; clientSecrets: string[]; tokenTtlMs: number } | undefined;
  /** OAuth 2.0 client credentials faceauth-shim uses towards the callback. */
  callbackOAuth:
    | {
        tokenUrl: string;
        clientId: string;
        clientSecret: string;
        /** How the client authenticates to the token endpoint (RFC 6749 §2.3.1). */
        authMethod: CallbackOAuthAuthMethod;
      }
    | undefined;
  /** whsec_... : sign every forward with Standard Webhooks headers. */
  callbackSigningSecret: string | undefined;
  adminToken: string | undefined;
  /** Set: GET /metrics needs `Authorization: Bearer` with it. */
  metricsToken: string | undefined;
  callbackHeaders: Record<string, string>;
  callbackTimeoutMs: number;
  callbackConcurrency: number;
  /** Delays between delivery attempts: N delays, N + 1 attempts. */
  retryScheduleMs: number[];
  maxBodyBytes: number;
  /** A request's headers and body must arrive within this time; then 408 and the connection is closed. */
  requestTimeoutMs: number;
  /** Request bodies read at once, across connections; past it, 503 without reading. */
  maxBodiesInFlight: number;
  /** A webhook not stored within this time gets 503 with Retry-After (the store hangs). */
  acceptTimeoutMs: number;
  dedupWindowMs: number;
  /** ORDER_HOLD_MAX: how long an event the callback keeps refusing holds its customer's later events. */
  orderHoldMaxMs: number;
  /** Where alerts are POSTed (ALERT_WEBHOOK_URL), and when: see src/alerts/. */
  alerts: {
    webhookUrl: string | undefined;
    /** ALERT_CALLBACK_DOWN_AFTER: the callback failing this long is callback_down. */
    callbackDownAfterMs: number;
    /** ALERT_INTERVAL: at most one alert of a kind per interval; the rest are summed up at its end. */
    intervalMs: number;
  };
  /** Forward a shadowed event after all when no counterpart arrived within this time; off when undefined. */
  /** SHADOW_FALLBACK_AFTER: how long a report of the source not preferred waits for its login's other report. */
  shadowFallbackAfterMs: number;
  /** How long a stop waits for open requests and deliveries in flight. */
  shutdownGraceMs: number;
  /** Events of both sources this close in time (same customer) are the same authentication. */
  compareWindowMs: number;
  /** The report says "safe to switch" only with at least this many pairs... */
  compareMinPairs: number;
  /** ...and at least this share of them agreeing on status and on reason. */
  compareMinAgreement: number;
  mappingsDir: string | undefined;
  /** Set: Workflows results are completed with their score from Incode's API before forwarding. */
  incodeApi: IncodeApiConfig | undefined;
  /** How long an event waits for its score before it is forwarded without the numbers. */
  enrichMaxWaitMs: number;
  /** Delivered (and other settled) events and quarantined bodies older than this are deleted; undefined: kept. */
  retentionMs: number | undefined;
  logLevel: 'fatal' | 'error' | 'warn' | 'info' | 'debug' | 'trace' | 'silent';
}

/** Reads the configuration from environment variables; empty strings count as unset. */
export function loadConfig(env: Record<string, string | undefined> = process.env): Config {
  const present = Object.fromEntries(
    Object.entries(env).filter(([, value]) => value !== undefined && value.trim() !== ''),
  );
  const result = EnvSchema.safeParse(present);
  if (!result.success) {
    const problems = result.error.issues.map((issue) => {
      const name = String(issue.path[0] ?? 'configuration');
      const message =
        issue.code === 'invalid_type' && present[name] === undefined ? 'required' : issue.message;
      return `${name}: ${message}`;
    });
    throw new ConfigError(`invalid configuration: ${[...new Set(problems)].join('; ')}`);
  }
  const e = result.data;
  return {
    port: e.PORT,
    host: e.HOST,
    callbackUrl: e.CALLBACK_URL,
    forwardSource: e.FORWARD_SOURCE,
    forwardSourceExplicit: present.FORWARD_SOURCE !== undefined,
    forwardSourcePlan: e.FORWARD_SOURCE_PLAN,
    forwardSourceGuard: {
      windowMs: e.FORWARD_SOURCE_GUARD_WINDOW,
      counts: e.FORWARD_SOURCE_GUARD_COUNTS,
      intervalMs: e.FORWARD_SOURCE_GUARD_INTERVAL,
    },
    retired: Object.keys(RETIRED_VARIABLES)
      .filter((name) => present[name] !== undefined)
      .map((name) => `${name}: ${RETIRED_VARIABLES[name]}`),
    forwardFormat: e.FORWARD_FORMAT,
    database: e.DATABASE_URL,
    inboundHeader:
      e.INBOUND_HEADER_NAME !== undefined && e.INBOUND_HEADER_VALUE !== undefined
        ? { name: e.INBOUND_HEADER_NAME.toLowerCase(), values: e.INBOUND_HEADER_VALUE }
        : undefined,
    inboundOAuth:
      e.INBOUND_OAUTH_CLIENT_ID !== undefined && e.INBOUND_OAUTH_CLIENT_SECRET !== undefined
        ? {
            clientId: e.INBOUND_OAUTH_CLIENT_ID,
            clientSecrets: e.INBOUND_OAUTH_CLIENT_SECRET,
            tokenTtlMs: e.INBOUND_OAUTH_TOKEN_TTL,
          }
        : undefined,
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
    callbackSigningSecret: e.CALLBACK_SIGNING_SECRET,
    adminToken: e.ADMIN_TOKEN,
    metricsToken: e.METRICS_TOKEN,
    callbackHeaders: e.CALLBACK_HEADERS,
    callbackTimeoutMs: e.CALLBACK_TIMEOUT_MS,
    callbackConcurrency: e.CALLBACK_CONCURRENCY,
    retryScheduleMs: e.DELIVERY_RETRY_SCHEDULE,
    maxBodyBytes: e.MAX_BODY_BYTES,
    requestTimeoutMs: e.REQUEST_TIMEOUT,
    maxBodiesInFlight: e.MAX_BODIES_IN_FLIGHT,
    acceptTimeoutMs: e.ACCEPT_TIMEOUT,
    dedupWindowMs: e.DEDUP_WINDOW,
    orderHoldMaxMs: e.ORDER_HOLD_MAX,
    alerts: {
      webhookUrl: e.ALERT_WEBHOOK_URL,
      callbackDownAfterMs: e.ALERT_CALLBACK_DOWN_AFTER,
      intervalMs: e.ALERT_INTERVAL,
    },
    shadowFallbackAfterMs: e.SHADOW_FALLBACK_AFTER,
    shutdownGraceMs: e.SHUTDOWN_GRACE,
    compareWindowMs: e.COMPARE_WINDOW,
    compareMinPairs: e.COMPARE_MIN_PAIRS,
    compareMinAgreement: e.COMPARE_MIN_AGREEMENT,
    mappingsDir: e.MAPPINGS_DIR,
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
    enrichMaxWaitMs: e.ENRICH_MAX_WAIT,
    retentionMs: e.RETENTION,
    logLevel: e.LOG_LEVEL,
  };
}
