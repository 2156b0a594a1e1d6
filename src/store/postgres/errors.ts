import type { PostgresConfig } from '../database-config.js';
import { StoreOpenError, StoreUnavailableError } from '../errors.js';

// What a failure of PostgreSQL means: the operator's to fix (a refused login, a missing
// database: the start stops, exit 2), or the database's to come back from (unreachable,
// restarting, overloaded, a serialization conflict: retry, or answer 503 meanwhile).

/**
 * What a failure of PostgreSQL means. config: the URL or the server's setup is wrong (a refused
 * password, an unknown role or database, TLS that cannot be had or verified, a missing
 * privilege), and waiting will not help. retry: the transaction lost a race (serialization
 * failure, deadlock) and runs again at once. unavailable: the database cannot be reached or
 * cannot work now (refused or reset connections, a name that does not resolve yet, a server
 * shutting down or starting, too many connections, out of disk). other: a bug of ours (bad SQL,
 * a broken constraint the code did not expect), kept as it is.
 */
export type PostgresFailure = 'config' | 'retry' | 'unavailable' | 'other';

const CONFIG_SQLSTATES = new Set([
  '28000', // invalid_authorization_specification: unknown role, no pg_hba.conf entry
  '28P01', // invalid_password
  '3D000', // invalid_catalog_name: the database does not exist
  '3F000', // invalid_schema_name
  '42501', // insufficient_privilege
]);
const RETRY_SQLSTATES = new Set(['40001', '40P01']);
const UNAVAILABLE_SQLSTATES = new Set([
  '57P01', // admin_shutdown
  '57P02', // crash_shutdown
  '57P03', // cannot_connect_now: starting up, shutting down, in recovery
  '57014', // query_canceled (statement_timeout)
  '55P03', // lock_not_available
  '25006', // read_only_sql_transaction: connected to a standby after a failover
  '58030', // io_error
]);
const UNAVAILABLE_ERRNOS = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'ECONNABORTED',
  'ENOTFOUND',
  'EAI_AGAIN',
  'ETIMEDOUT',
  'EHOSTUNREACH',
  'EHOSTDOWN',
  'ENETUNREACH',
  'ENETDOWN',
  'EPIPE',
  'ENOENT', // a Unix socket that is not there yet
]);
/** node-postgres's own failures carry no code, only these messages. */
const UNAVAILABLE_MESSAGES = [
  /^Connection terminated/,
  /^timeout exceeded when trying to connect/,
  /^Client has encountered a connection error and is not queryable/,
  /^Client was closed and is not queryable/,
  /^Query read timeout/,
];
const CONFIG_MESSAGES = [
  /^The server does not support SSL connections/,
  /^SASL: SCRAM-SERVER-FIRST-MESSAGE: client password must be a string/,
  /^self[- ]signed certificate/i,
  /certificate/i,
];

/** What an error from pg (or from the socket under it) means; see PostgresFailure. */
export function classifyPostgresError(error: unknown): PostgresFailure {
  if (error instanceof PostgresConfigError) return 'config';
  if (error instanceof PostgresUnavailableError) return error.failure;
  if (typeof error !== 'object' || error === null) return 'other';
  const { code, message } = error as { code?: unknown; message?: unknown };
  const text = typeof message === 'string' ? message : '';
  if (typeof code === 'string') {
    if (/^[0-9A-Z]{5}$/.test(code)) {
      if (CONFIG_SQLSTATES.has(code)) return 'config';
      if (RETRY_SQLSTATES.has(code)) return 'retry';
      // 08: connection exception; 53: insufficient resources (too many connections, disk full).
      if (UNAVAILABLE_SQLSTATES.has(code) || code.startsWith('08') || code.startsWith('53')) {
        return 'unavailable';
      }
      if (!code.startsWith('E')) return 'other';
    }
    if (UNAVAILABLE_ERRNOS.has(code)) return 'unavailable';
    // TLS: a certificate that does not verify, or a name it does not cover.
    if (/CERT|SELF_SIGNED|ERR_TLS|ERR_SSL/.test(code)) return 'config';
  }
  if (UNAVAILABLE_MESSAGES.some((pattern) => pattern.test(text))) return 'unavailable';
  if (CONFIG_MESSAGES.some((pattern) => pattern.test(text))) return 'config';
  if (error instanceof AggregateError) {
    // Node's happy eyeballs: one error per address tried.
    const kinds = error.errors.map(classifyPostgresError);
    if (kinds.includes('config')) return 'config';
    if (kinds.length > 0 && kinds.every((kind) => kind === 'unavailable')) return 'unavailable';
  }
  return 'other';
}

/**
 * DATABASE_URL names a database this service cannot use as it is set up (login refused, no such
 * database or role, TLS that cannot be had or verified, a missing privilege): the start stops
 * with exit 2, naming DATABASE_URL (the message holds the URL masked, never the password).
 */
export class PostgresConfigError extends StoreOpenError {
  override readonly name = 'PostgresConfigError';
}

/** PostgreSQL cannot be reached or cannot work now: a webhook gets 503, a worker tries again. */
export class PostgresUnavailableError extends StoreUnavailableError {
  override readonly name = 'PostgresUnavailableError';
  constructor(
    message: string,
    /**
     * unavailable; retry when a serialization conflict outlived its retries; config when the
     * login is refused after the start (a password rotated under a running service).
     */
    readonly failure: 'unavailable' | 'retry' | 'config',
    options?: ErrorOptions,
  ) {
    super(message, options);
  }
}

/** Where the service connects, for messages: host:port/database, no user, no password. */
export function describeTarget(config: PostgresConfig): string {
  const host = config.host.includes(':') ? `[${config.host}]` : config.host;
  return config.host.startsWith('/')
    ? `${config.host} (socket, port ${config.port})/${config.database}`
    : `${host}:${config.port}/${config.database}`;
}

/** The error's own words, which never hold the password (pg's messages do not quote it). */
export function reason(error: unknown): string {
  if (error instanceof AggregateError && error.errors.length > 0) {
    return error.errors.map(reason).join('; ');
  }
  const { code, message } = (error ?? {}) as { code?: unknown; message?: unknown };
  const text = typeof message === 'string' && message !== '' ? message : String(error);
  return typeof code === 'string' && !text.includes(code) ? `${text} (${code})` : text;
}

/**
 * The error as the rest of the service sees it: PostgresConfigError (only where the caller says
 * a configuration problem must stop it: at start), PostgresUnavailableError, or the error itself
 * when it is a bug of ours.
 */
export function toStoreError(
  error: unknown,
  config: PostgresConfig,
  options: { atStart?: boolean } = {},
): Error {
  if (error instanceof PostgresConfigError || error instanceof PostgresUnavailableError) {
    return error;
  }
  const failure = classifyPostgresError(error);
  if (failure === 'config' && options.atStart) {
    return new PostgresConfigError(`${config.display}: ${reason(error)}`, { cause: error });
  }
  if (failure !== 'other') {
    return new PostgresUnavailableError(
      `store: PostgreSQL at ${describeTarget(config)}: ${reason(error)}`,
      failure,
      { cause: error },
    );
  }
  return error instanceof Error ? error : new Error(String(error));
}
