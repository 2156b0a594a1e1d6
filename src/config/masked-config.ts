import type { Config } from './config.js';
import { formatDuration } from './duration.js';
import type { ForwardSourceSwitch } from './forward-source.js';

export const MASK = '********';

/** A URL with every query value masked (tokens travel there). */
function maskQuery(text: string): string {
  const url = new URL(text);
  for (const key of [...url.searchParams.keys()]) url.searchParams.set(key, MASK);
  return url.toString();
}

/** The settings in force, as GET /admin/config shows them: every secret masked. */
export function maskedConfig(config: Config, forwardSource: ForwardSourceSwitch) {
  return {
    port: config.port,
    host: config.host,
    callbackUrl: maskQuery(config.callbackUrl),
    forwardSource: { value: forwardSource.get(), ...forwardSource.origin() },
    forwardFormat: config.forwardFormat,
    database: config.database,
    inboundAuth: {
      header: config.inboundHeader
        ? { name: config.inboundHeader.name, values: config.inboundHeader.values.map(() => MASK) }
        : null,
      oauth: config.inboundOAuth
        ? {
            clientId: config.inboundOAuth.clientId,
            clientSecret: MASK,
            tokenTtl: formatDuration(config.inboundOAuth.tokenTtlMs),
          }
        : null,
      none: !config.inboundHeader && !config.inboundOAuth,
    },
    callbackOAuth: config.callbackOAuth
      ? {
          tokenUrl: config.callbackOAuth.tokenUrl,
          clientId: config.callbackOAuth.clientId,
          clientSecret: MASK,
        }
      : null,
    callbackSigningSecret: config.callbackSigningSecret ? MASK : null,
    adminToken: config.adminToken ? MASK : null,
    callbackHeaders: Object.fromEntries(
      Object.keys(config.callbackHeaders).map((name) => [name, MASK]),
    ),
    callbackTimeoutMs: config.callbackTimeoutMs,
    callbackConcurrency: config.callbackConcurrency,
    deliveryRetrySchedule: config.retryScheduleMs.map(formatDuration).join(','),
    maxBodyBytes: config.maxBodyBytes,
    dedupWindow: formatDuration(config.dedupWindowMs),
    shadowFallbackAfter:
      config.shadowFallbackAfterMs === undefined
        ? 'off'
        : formatDuration(config.shadowFallbackAfterMs),
    shutdownGrace: formatDuration(config.shutdownGraceMs),
    compareWindow: formatDuration(config.compareWindowMs),
    compareMinPairs: config.compareMinPairs,
    compareMinAgreement: config.compareMinAgreement,
    mappingsDir: config.mappingsDir ?? '(shipped)',
    incodeApi: config.incodeApi
      ? {
          url: maskQuery(config.incodeApi.url),
          apiKey: MASK,
          auth:
            'token' in config.incodeApi.auth
              ? { adminToken: MASK }
              : { email: config.incodeApi.auth.email, password: MASK },
          timeoutMs: config.incodeApi.timeoutMs,
        }
      : null,
    enrichMaxWait: formatDuration(config.enrichMaxWaitMs),
    retention: config.retentionMs === undefined ? 'off' : formatDuration(config.retentionMs),
    logLevel: config.logLevel,
  };
}
