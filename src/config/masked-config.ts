import type { ForwardSourceSwitch } from '../cutover/switch.js';
import { formatDuration } from '../util/duration.js';
import type { Config } from './config.js';

export const MASK = '********';

/**
 * A URL setting as GET /admin/config shows it: scheme, host and port in clear; the path, every
 * query value (a parameter without a value whole), the fragment and any user info masked. A
 * token travels in any of them (`https://hooks.example.com/T0KEN123/callback`,
 * `?token=...`); the host is what an operator checks. A path of `/` alone is shown.
 */
export function maskUrl(text: string): string {
  const url = new URL(text);
  const userinfo = url.username !== '' || url.password !== '' ? `${MASK}@` : '';
  const path = url.pathname === '/' || url.pathname === '' ? '/' : `/${MASK}`;
  const query = url.search
    .slice(1)
    .split('&')
    .filter((part) => part !== '')
    .map((part) => (part.includes('=') ? `${part.slice(0, part.indexOf('='))}=${MASK}` : MASK))
    .join('&');
  return `${url.protocol}//${userinfo}${url.host}${path}${query ? `?${query}` : ''}${url.hash ? `#${MASK}` : ''}`;
}

/** The settings in force, as GET /admin/config shows them: every secret masked. */
export function maskedConfig(config: Config, forwardSource: ForwardSourceSwitch) {
  return {
    port: config.port,
    host: config.host,
    callbackUrl: maskUrl(config.callbackUrl),
    forwardSource: { value: forwardSource.get(), ...forwardSource.origin() },
    forwardSourcePlan: config.forwardSourcePlan ?? null,
    forwardSourceGuard: {
      window: formatDuration(config.forwardSourceGuard.windowMs),
      counts: config.forwardSourceGuard.counts,
      interval: formatDuration(config.forwardSourceGuard.intervalMs),
    },
    forwardFormat: config.forwardFormat,
    // The PostgreSQL password never leaves: the URL as it may be shown, and where it points.
    database:
      config.database.kind === 'sqlite'
        ? config.database
        : {
            kind: config.database.kind,
            url: config.database.display,
            schema: config.database.schema,
            sslmode: config.database.sslmode,
          },
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
          tokenUrl: maskUrl(config.callbackOAuth.tokenUrl),
          clientId: config.callbackOAuth.clientId,
          clientSecret: MASK,
          authMethod: config.callbackOAuth.authMethod,
        }
      : null,
    callbackSigningSecret: config.callbackSigningSecret ? MASK : null,
    adminToken: config.adminToken ? MASK : null,
    metricsToken: config.metricsToken ? MASK : null,
    callbackHeaders: Object.fromEntries(
      Object.keys(config.callbackHeaders).map((name) => [name, MASK]),
    ),
    callbackTimeoutMs: config.callbackTimeoutMs,
    callbackConcurrency: config.callbackConcurrency,
    deliveryRetrySchedule: config.retryScheduleMs.map(formatDuration).join(','),
    maxBodyBytes: config.maxBodyBytes,
    acceptTimeout: formatDuration(config.acceptTimeoutMs),
    dedupWindow: formatDuration(config.dedupWindowMs),
    orderHoldMax: formatDuration(config.orderHoldMaxMs),
    // A Slack webhook's path is its secret.
    alerts: {
      webhookUrl: config.alerts.webhookUrl ? maskUrl(config.alerts.webhookUrl) : null,
      callbackDownAfter: formatDuration(config.alerts.callbackDownAfterMs),
      interval: formatDuration(config.alerts.intervalMs),
    },
    shadowFallbackAfter: formatDuration(config.shadowFallbackAfterMs),
    shutdownGrace: formatDuration(config.shutdownGraceMs),
    compareWindow: formatDuration(config.compareWindowMs),
    compareMinPairs: config.compareMinPairs,
    compareMinAgreement: config.compareMinAgreement,
    mappingsDir: config.mappingsDir ?? '(shipped)',
    incodeApi: config.incodeApi
      ? {
          url: maskUrl(config.incodeApi.url),
          apiKey: MASK,
          auth:
            'token' in config.incodeApi.auth
              ? { adminToken: MASK }
              : { email: MASK, password: MASK },
          timeoutMs: config.incodeApi.timeoutMs,
        }
      : null,
    enrichMaxWait: formatDuration(config.enrichMaxWaitMs),
    retention: config.retentionMs === undefined ? 'off' : formatDuration(config.retentionMs),
    logLevel: config.logLevel,
  };
}
