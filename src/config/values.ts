import { z } from 'zod';
import { planFrom } from '../cutover/plan.js';
import { type ForwardSourceValue, parseForwardSource } from '../cutover/source-value.js';
import type { DatabaseConfig } from '../store/database-config.js';
import { parseDuration } from '../util/duration.js';
import { DEFAULT_DATABASE_URL, parseDatabaseUrl } from './database-url.js';

// The kinds of value the variables take (variables.ts), each with the error it gives, and the
// defaults other modules name.

export const forwardSourceValue = z.string().transform((text, ctx): ForwardSourceValue => {
  const parsed = parseForwardSource(text);
  if ('error' in parsed) {
    ctx.addIssue({ code: 'custom', message: parsed.error });
    return z.NEVER;
  }
  return parsed.value;
});

export const forwardSourcePlan = z.string().transform((text, ctx) => {
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

export const duration = z.string().transform((text, ctx) => {
  const ms = parseDuration(text);
  if (ms === undefined) {
    ctx.addIssue({ code: 'custom', message: `"${text}" is not a duration such as 30s, 5m or 1h` });
    return z.NEVER;
  }
  return ms;
});

export const int = (min: number, max = Number.MAX_SAFE_INTEGER) =>
  z
    .string()
    .regex(/^\d+$/, 'expected a whole number')
    .transform(Number)
    .pipe(z.number().int().min(min).max(max));

export const httpUrl = z
  .url({ protocol: /^https?$/, error: 'expected an http:// or https:// URL' })
  .refine(
    (url) => !URL.canParse(url) || !/^[a-z]+:\/\/[^/?#]*@/i.test(url),
    'credentials in the URL are not sent; put an Authorization header in CALLBACK_HEADERS',
  );

export const headerName = z
  .string()
  .regex(/^[!#$%&'*+.^_`|~0-9A-Za-z-]+$/, 'expected an HTTP header name');

/** A header value as sent on the wire: no line breaks, no surrounding blanks (Node strips them). */
export const headerValue = z
  .string()
  .regex(/^[^\r\n\0]*$/, 'a header value cannot hold a line break')
  .refine((value) => value === value.trim(), 'a header value cannot start or end with blanks');

/** Headers faceauth-shim sets itself on every delivery. */
export const OWN_HEADERS = new Set([
  'content-type',
  'content-length',
  'host',
  'transfer-encoding',
  'connection',
  'user-agent',
]);

export const databaseUrl = z
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

export const compareMinPairs = int(0).default(20);
export const compareMinAgreement = z
  .string()
  .regex(/^(0(\.\d+)?|1(\.0+)?)$/, 'expected a share between 0 and 1, e.g. 0.99')
  .default('0.99')
  .transform(Number);

export const guardWindow = z
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
export const guardCounts = z.enum(['status', 'reason']).default('reason');
