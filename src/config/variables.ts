import { z } from 'zod';
import { CALLBACK_OAUTH_AUTH_METHODS } from '../delivery/callback-oauth-method.js';
import {
  compareMinAgreement,
  compareMinPairs,
  DEFAULT_ORDER_HOLD_MAX,
  DEFAULT_RETRY_SCHEDULE,
  DEFAULT_SHADOW_FALLBACK_AFTER,
  databaseUrl,
  duration,
  forwardSourcePlan,
  forwardSourceValue,
  guardCounts,
  guardWindow,
  headerName,
  headerValue,
  httpUrl,
  int,
  OWN_HEADERS,
} from './values.js';

/**
 * Every environment variable the service reads, with its schema and default: one line each,
 * `NAME: schema` (docs/configuration.md has a heading per name; test/docs checks it). What the
 * variables must be together is checks.ts; the settings they make, config.ts.
 */
export const VARIABLES = {
  PORT: int(0, 65535).default(8080),
  HOST: z.string().default('0.0.0.0'),
  CALLBACK_URL: httpUrl,
  // No default here: the settings say whether it was set (config.ts); unset is legacy.
  FORWARD_SOURCE: forwardSourceValue.optional(),
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
      z.record(headerName, headerValue, 'expected a JSON object of header names to string values'),
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
    .pipe(z.number().max(300_000, 'at most 5m: a customer waits this long behind a refused event')),
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
  LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
};

/** The variables as parsed, before they are checked together and made into settings. */
export type Variables = z.output<z.ZodObject<typeof VARIABLES>>;
