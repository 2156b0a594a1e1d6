import { readFileSync } from 'node:fs';
import type { ConnectionOptions } from 'node:tls';
import pg from 'pg';
import type { PostgresConfig } from '../database-config.js';
import { PostgresConfigError } from './errors.js';

// The pool's settings from DATABASE_URL: TLS as sslmode means it (as libpq does), the schema,
// the timeouts, and bigint columns read as numbers.

/** A quoted identifier: a schema name as SQL and search_path take it. */
export function quoteIdentifier(name: string): string {
  return `"${name.replaceAll('"', '""')}"`;
}

export interface PostgresDriverOptions {
  /**
   * Tables live in this schema (created by the migrations if missing); when absent, the URL's
   * schema (options=-c search_path=...), else public.
   */
  schema?: string;
  /** Connections in the pool. */
  max?: number;
  /** A statement running longer is cancelled (57014: unavailable). */
  statementTimeoutMs?: number;
  /** Told of errors on idle connections (the server went away); they never throw. */
  onIdleError?: (error: Error) => void;
}

/**
 * TLS as sslmode asks: null for disable; for prefer, TLS without verification (the driver falls
 * back to plain when the server has none); require, the same but never plain; verify-ca, the
 * certificate must chain to sslrootcert (or Node's CAs) whatever name it bears; verify-full,
 * and it must name the host.
 */
export function tlsOptions(config: PostgresConfig): ConnectionOptions | null {
  if (config.sslmode === 'disable') return null;
  if (config.sslmode === 'prefer' || config.sslmode === 'require') {
    return { rejectUnauthorized: false };
  }
  let ca: string | undefined;
  if (config.sslrootcert !== null) {
    try {
      ca = readFileSync(config.sslrootcert, 'utf8');
    } catch (error) {
      throw new PostgresConfigError(
        `${config.display}: sslrootcert ${config.sslrootcert} cannot be read: ${(error as Error).message}`,
      );
    }
  }
  const verify: ConnectionOptions = { rejectUnauthorized: true, ...(ca ? { ca } : {}) };
  if (config.sslmode === 'verify-ca') return { ...verify, checkServerIdentity: () => undefined };
  return { ...verify, servername: config.host };
}

const INT8_OID = 20;

/** bigint columns (ms timestamps, sequence numbers, counts) as numbers; past 2^53 is a bug. */
function parseInt8(text: string): number {
  const n = Number(text);
  if (!Number.isSafeInteger(n)) throw new RangeError(`bigint ${text} is past Number's safe range`);
  return n;
}

const types = {
  getTypeParser: ((oid: number, format?: 'text' | 'binary') =>
    oid === INT8_OID && format !== 'binary'
      ? parseInt8
      : pg.types.getTypeParser(oid, format ?? 'text')) as typeof pg.types.getTypeParser,
};

/** The pg pool settings for a config, with TLS decided (prefer: with or without). */
export function poolConfig(
  config: PostgresConfig,
  options: PostgresDriverOptions,
  tls: ConnectionOptions | null,
): pg.PoolConfig {
  const searchPath = options.schema ? `-c search_path=${quoteIdentifier(options.schema)}` : '';
  return {
    host: config.host,
    port: config.port,
    user: config.user,
    ...(config.password !== null ? { password: config.password } : {}),
    database: config.database,
    ssl: tls ?? false,
    application_name: config.applicationName,
    connectionTimeoutMillis: config.connectTimeoutMs,
    statement_timeout: options.statementTimeoutMs ?? 30_000,
    max: options.max ?? 10,
    idleTimeoutMillis: 30_000,
    keepAlive: true,
    types,
    ...(searchPath ? { options: searchPath } : {}),
  };
}
