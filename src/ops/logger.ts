import { type DestinationStream, type Logger, pino } from 'pino';

export type { Logger } from 'pino';

/** Paths never written to a log, wherever they turn up in a log object. */
export const REDACTED_PATHS = [
  'authorization',
  'headers.authorization',
  'req.headers.authorization',
  'headers.cookie',
  '*.token',
  '*.interviewToken',
  '*.secret',
  '*.password',
  'token',
  'interviewToken',
  'adminToken',
  'inboundHeader.values',
  'inboundOAuth.clientSecret',
  'callbackOAuth.clientSecret',
  'callbackSigningSecret',
  'callbackHeaders',
  'access_token',
  '*.access_token',
  'apiKey',
  '*.apiKey',
  'incodeApi.auth',
  'x-api-key',
  '*["x-api-key"]',
  '*["X-Incode-Hardware-Id"]',
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
