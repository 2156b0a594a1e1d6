import { z } from 'zod';
import { parseDuration } from './duration.js';

/** Thrown by loadConfig; the message is one line naming every bad variable. */
export class ConfigError extends Error {
  override readonly name = 'ConfigError';
}

export const DEFAULT_RETRY_SCHEDULE = '10s,1m,5m,15m,30m,1h,2h,4h,8h';

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

const notYet = (issue: string) =>
  z
    .string()
    .optional()
    .superRefine((value, ctx) => {
      if (value !== undefined) {
        ctx.addIssue({ code: 'custom', message: `not supported by this version yet (${issue})` });
      }
    });

const databaseUrl = z
  .string()
  .default('sqlite:data/faceauth-shim.db')
  .transform((url, ctx) => {
    if (url.startsWith('sqlite:') && url.length > 'sqlite:'.length) {
      return { kind: 'sqlite' as const, path: url.slice('sqlite:'.length) };
    }
    ctx.addIssue({
      code: 'custom',
      message: url.startsWith('postgres')
        ? 'PostgreSQL is not supported by this version yet; use sqlite:<path>'
        : 'expected sqlite:<path>',
    });
    return z.NEVER;
  });

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
    FORWARD_SOURCE: z.enum(['legacy', 'workflows', 'both']).default('legacy'),
    FORWARD_FORMAT: z.enum(['legacy', 'normalized']).default('legacy'),
    DATABASE_URL: databaseUrl,
    INBOUND_HEADER_NAME: headerName.optional(),
    INBOUND_HEADER_VALUE: headerValue.optional(),
    INBOUND_OAUTH_CLIENT_ID: notYet('inbound OAuth; use INBOUND_HEADER_NAME/INBOUND_HEADER_VALUE'),
    INBOUND_OAUTH_CLIENT_SECRET: notYet(
      'inbound OAuth; use INBOUND_HEADER_NAME/INBOUND_HEADER_VALUE',
    ),
    INBOUND_AUTH: z.literal('none', 'the only accepted value is "none"').optional(),
    ADMIN_TOKEN: z.string().min(16, 'use at least 16 characters').optional(),
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
    CALLBACK_OAUTH_TOKEN_URL: notYet('OAuth towards the callback; use CALLBACK_HEADERS'),
    CALLBACK_OAUTH_CLIENT_ID: notYet('OAuth towards the callback; use CALLBACK_HEADERS'),
    CALLBACK_OAUTH_CLIENT_SECRET: notYet('OAuth towards the callback; use CALLBACK_HEADERS'),
    CALLBACK_TIMEOUT_MS: int(1, 600_000).default(10_000),
    CALLBACK_CONCURRENCY: int(1, 256).default(4),
    DELIVERY_RETRY_SCHEDULE: z
      .string()
      .default(DEFAULT_RETRY_SCHEDULE)
      .transform((text) => text.split(',').map((part) => part.trim()))
      .pipe(z.array(duration).min(1, 'expected at least one delay')),
    MAX_BODY_BYTES: int(1, 64 * 1024 * 1024).default(262_144),
    DEDUP_WINDOW: z.string().default('1h').pipe(duration),
    SHADOW_FALLBACK_AFTER: z
      .string()
      .optional()
      .transform((text) => (text === undefined || text === 'off' ? undefined : text))
      .pipe(duration.optional()),
    MAPPINGS_DIR: z.string().optional(),
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
    if (env.INBOUND_HEADER_NAME === undefined && env.INBOUND_AUTH === undefined) {
      ctx.addIssue({
        code: 'custom',
        path: ['INBOUND_AUTH'],
        message:
          'no inbound authentication: set INBOUND_HEADER_NAME and INBOUND_HEADER_VALUE, or INBOUND_AUTH=none for local use',
      });
    }
  });

export type ForwardSource = 'legacy' | 'workflows' | 'both';

export interface Config {
  port: number;
  host: string;
  callbackUrl: string;
  forwardSource: ForwardSource;
  forwardFormat: 'legacy' | 'normalized';
  database: { kind: 'sqlite'; path: string };
  /** The static header Incode must send; undefined only with INBOUND_AUTH=none. */
  inboundHeader: { name: string; value: string } | undefined;
  adminToken: string | undefined;
  callbackHeaders: Record<string, string>;
  callbackTimeoutMs: number;
  callbackConcurrency: number;
  /** Delays between delivery attempts: N delays, N + 1 attempts. */
  retryScheduleMs: number[];
  maxBodyBytes: number;
  dedupWindowMs: number;
  /** Forward a shadowed event after all when no counterpart arrived within this time; off when undefined. */
  shadowFallbackAfterMs: number | undefined;
  mappingsDir: string | undefined;
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
    forwardFormat: e.FORWARD_FORMAT,
    database: e.DATABASE_URL,
    inboundHeader:
      e.INBOUND_HEADER_NAME !== undefined && e.INBOUND_HEADER_VALUE !== undefined
        ? { name: e.INBOUND_HEADER_NAME.toLowerCase(), value: e.INBOUND_HEADER_VALUE }
        : undefined,
    adminToken: e.ADMIN_TOKEN,
    callbackHeaders: e.CALLBACK_HEADERS,
    callbackTimeoutMs: e.CALLBACK_TIMEOUT_MS,
    callbackConcurrency: e.CALLBACK_CONCURRENCY,
    retryScheduleMs: e.DELIVERY_RETRY_SCHEDULE,
    maxBodyBytes: e.MAX_BODY_BYTES,
    dedupWindowMs: e.DEDUP_WINDOW,
    shadowFallbackAfterMs: e.SHADOW_FALLBACK_AFTER,
    mappingsDir: e.MAPPINGS_DIR,
    logLevel: e.LOG_LEVEL,
  };
}
