import type { Config } from './config.js';
import { formatDuration } from './duration.js';
import type { ForwardSourceSwitch } from './forward-source.js';

export const MASK = '********';

/** The settings in force, as GET /admin/config shows them: every secret masked. */
export function maskedConfig(config: Config, forwardSource: ForwardSourceSwitch) {
  const callbackUrl = new URL(config.callbackUrl);
  for (const key of [...callbackUrl.searchParams.keys()]) callbackUrl.searchParams.set(key, MASK);
  return {
    port: config.port,
    host: config.host,
    callbackUrl: callbackUrl.toString(),
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
    mappingsDir: config.mappingsDir ?? '(shipped)',
    logLevel: config.logLevel,
  };
}
