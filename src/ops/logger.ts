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
      formatters: { level: (label) => ({ level: label }) },
    },
    options.destination,
  );
}
