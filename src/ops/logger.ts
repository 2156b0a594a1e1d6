import { type DestinationStream, type Logger, pino } from 'pino';

export type { Logger } from 'pino';

/**
 * Field names that carry a secret, as faceauth-shim, OAuth, Incode and HTTP spell them. Each is
 * redacted at the top of a log object and one level down (`headers`, `event`, `incodeError`...).
 */
export const SECRET_FIELDS = [
  'authorization',
  'cookie',
  'set-cookie',
  'token',
  'interviewToken',
  'access_token',
  'refresh_token',
  'adminToken',
  'metricsToken',
  'apiKey',
  'x-api-key',
  // Incode's admin token travels in this header; pino's paths are case-sensitive.
  'x-incode-hardware-id',
  'X-Incode-Hardware-Id',
  'password',
  'secret',
  'clientSecret',
  'clientSecrets',
  'client_secret',
  'callbackSigningSecret',
  'callbackHeaders',
] as const;

/** A field one level down, in pino's path syntax (brackets for names that are no identifier). */
const nested = (name: string) => (/^[A-Za-z_$][\w$]*$/.test(name) ? `*.${name}` : `*["${name}"]`);

/** Paths never written to a log, wherever they turn up in a log object. */
export const REDACTED_PATHS = [
  ...SECRET_FIELDS.flatMap((name) => [name, nested(name)]),
  'req.headers.authorization',
  'req.headers.cookie',
  // The configuration's own secrets, when it is logged as one object.
  'inboundHeader.values',
  'incodeApi.auth',
];

/** The longest string a log line carries in one field; the rest is cut and counted. */
export const MAX_LOGGED_STRING = 256;

const cap = (text: string): string =>
  text.length <= MAX_LOGGED_STRING
    ? text
    : `${text.slice(0, MAX_LOGGED_STRING)}…[${text.length - MAX_LOGGED_STRING} more]`;

/**
 * Every string of a log object cut to MAX_LOGGED_STRING, nested ones too (to a depth of 4):
 * a header or a message quoted into a log can never make a line long. Errors keep their
 * type and stack; their message is cut the same way (see the err serializer).
 */
function capStrings(value: unknown, depth = 0): unknown {
  if (typeof value === 'string') return cap(value);
  if (depth >= 4 || value === null || typeof value !== 'object' || value instanceof Error) {
    return value;
  }
  if (Array.isArray(value)) return value.map((item) => capStrings(item, depth + 1));
  let out: Record<string, unknown> | undefined;
  for (const [key, item] of Object.entries(value)) {
    const capped = capStrings(item, depth + 1);
    if (capped !== item) {
      out ??= { ...(value as Record<string, unknown>) };
      out[key] = capped;
    }
  }
  return out ?? value;
}

function errSerializer(error: unknown) {
  const serialized = pino.stdSerializers.err(error as Error) as Record<string, unknown>;
  const message = serialized?.message;
  if (typeof message === 'string' && message.length > MAX_LOGGED_STRING) {
    serialized.message = cap(message);
    // The stack's first line repeats the message.
    if (typeof serialized.stack === 'string') {
      serialized.stack = serialized.stack.replace(message, cap(message));
    }
  }
  return serialized;
}

export interface LoggerOptions {
  level: string;
  /** Where lines go; stdout when left out. */
  destination?: DestinationStream;
}

/** One JSON object a line, secrets redacted. */
export function createLogger(options: LoggerOptions): Logger {
  return pino(
    {
      name: 'faceauth-shim',
      level: options.level,
      base: { pid: process.pid },
      timestamp: pino.stdTimeFunctions.isoTime,
      redact: { paths: REDACTED_PATHS, censor: '[redacted]' },
      formatters: {
        level: (label) => ({ level: label }),
        log: (object) => capStrings(object) as Record<string, unknown>,
      },
      serializers: { err: errSerializer },
    },
    options.destination,
  );
}
