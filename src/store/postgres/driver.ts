import { readFileSync } from 'node:fs';
import type { ConnectionOptions } from 'node:tls';
import pg from 'pg';
import type { PostgresConfig } from '../database-config.js';
import { StoreOpenError, StoreUnavailableError } from '../store.js';

// The PostgreSQL connection: a pool opened from DATABASE_URL (sslmode as libpq means it), one
// transaction helper, and what a failure means: the operator's to fix (a refused login, a
// missing database: the start stops, exit 2), or the database's to come back from (unreachable,
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
function reason(error: unknown): string {
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

/** One connection, inside a transaction or not. */
export type Queryable = Pick<pg.PoolClient, 'query'>;

export interface TransactionOptions {
  /** The default is READ COMMITTED, as PostgreSQL's. */
  isolation?: 'read committed' | 'repeatable read' | 'serializable';
  /** Times a serialization failure or deadlock runs the transaction again; 3 by default. */
  retries?: number;
  /**
   * When the transaction must be over (ms since the epoch; an accept's ACCEPT_TIMEOUT, a
   * readiness probe's second). Each statement gets what is left as its statement_timeout, so
   * the server gives up a lock wait by then; a statement still unanswered at the deadline (a
   * frozen server) is cut with its connection; and COMMIT is never sent past it, so a
   * transaction that misses its deadline commits nothing, except one whose COMMIT was sent in
   * time and answered late. Past the deadline: PostgresUnavailableError.
   */
  deadline?: number;
}

/**
 * A pool on the database DATABASE_URL names. It connects on first use (the database may not be
 * up yet); with sslmode=prefer, the first connection decides TLS or plain for the pool's life.
 * Every failure leaves as PostgresUnavailableError, or as itself when it is a bug.
 */
export class PostgresDriver {
  readonly config: PostgresConfig;
  readonly options: PostgresDriverOptions;
  #pool: pg.Pool | null = null;
  #opening: Promise<pg.Pool> | null = null;
  #closed = false;

  constructor(config: PostgresConfig, options: PostgresDriverOptions = {}) {
    this.config = config;
    // The URL's options=-c search_path=<schema> names the schema unless the caller does.
    this.options =
      options.schema === undefined && config.schema !== null
        ? { ...options, schema: config.schema }
        : options;
  }

  /** host:port/database, for messages. */
  get target(): string {
    return describeTarget(this.config);
  }

  /**
   * The pool, opened (and for prefer, TLS decided) on first call. Throws pg's own error when
   * the first connection of prefer fails; query() and transaction() say what it means.
   */
  async pool(): Promise<pg.Pool> {
    if (this.#closed) throw new PostgresUnavailableError('store: closed', 'unavailable');
    if (this.#pool) return this.#pool;
    this.#opening ??= this.#open().finally(() => {
      this.#opening = null;
    });
    return this.#opening;
  }

  async #open(): Promise<pg.Pool> {
    let tls = tlsOptions(this.config);
    if (this.config.sslmode === 'prefer') {
      // libpq's prefer: TLS when the server offers it, else plain. One probe decides.
      const probe = new pg.Client(poolConfig(this.config, this.options, tls));
      try {
        await probe.connect();
      } catch (error) {
        // Thrown as it came: query() and transaction() make it unavailable (503), and
        // waitForDatabase a configuration error when it is one.
        if (!/^The server does not support SSL connections/.test((error as Error).message)) {
          throw error;
        }
        tls = null;
      } finally {
        await probe.end().catch(() => {});
      }
    }
    const pool = new pg.Pool(poolConfig(this.config, this.options, tls));
    // An idle connection whose server went away emits here; unheard, it would end the process.
    pool.on('error', (error) => this.options.onIdleError?.(error));
    if (this.#closed) {
      await pool.end();
      throw new PostgresUnavailableError('store: closed', 'unavailable');
    }
    this.#pool = pool;
    return pool;
  }

  /**
   * One statement on any connection of the pool. A named one ({ name, text }) is parsed and
   * planned once per connection, not at every call: for statements run once per delivery.
   */
  async query<R extends pg.QueryResultRow = pg.QueryResultRow>(
    text: string | { name: string; text: string },
    values?: unknown[],
  ): Promise<pg.QueryResult<R>> {
    try {
      const pool = await this.pool();
      return await pool.query<R>(text, values);
    } catch (error) {
      throw toStoreError(error, this.config);
    }
  }

  /**
   * Runs fn in one transaction on one connection: COMMIT when it resolves, ROLLBACK when it
   * throws. A serialization failure or deadlock runs fn again (it must only touch the database
   * through the connection it is given, so a second run starts clean); a connection lost on the
   * way is thrown away, not returned to the pool.
   */
  async transaction<T>(
    fn: (client: Queryable) => Promise<T>,
    options: TransactionOptions = {},
  ): Promise<T> {
    const retries = options.retries ?? 3;
    const { deadline } = options;
    const begin = options.isolation
      ? `BEGIN ISOLATION LEVEL ${options.isolation.toUpperCase()}`
      : 'BEGIN';
    const late = () =>
      new PostgresUnavailableError(
        `store: PostgreSQL at ${this.target} did not answer in time`,
        'unavailable',
      );
    for (let attempt = 0; ; attempt++) {
      let client: pg.PoolClient;
      try {
        client = await this.#connect(deadline, late);
      } catch (error) {
        throw toStoreError(error, this.config);
      }
      let broken: Error | undefined;
      // A checked-out client has no listener of the pool's: a connection that ends between two
      // statements (the server went away) would emit an unheard 'error' and end the process.
      // The statement that follows fails with it; here it only marks the client broken.
      const onError = (error: Error) => {
        broken = error;
      };
      client.on('error', onError);
      // At the deadline, a statement still waiting for its answer is cut with the connection:
      // the server rolls the transaction back when it sees it closed.
      let cut: PostgresUnavailableError | undefined;
      const cutter =
        deadline === undefined
          ? undefined
          : setTimeout(
              () => {
                cut = late();
                broken = cut;
                client.end().catch(() => {});
              },
              Math.max(0, deadline - Date.now()),
            );
      try {
        await client.query(
          deadline === undefined
            ? begin
            : `${begin}; SET LOCAL statement_timeout = ${Math.max(1, Math.ceil(deadline - Date.now()))}`,
        );
        const result = await fn(client);
        if (deadline !== undefined && Date.now() >= deadline) throw late();
        await client.query('COMMIT');
        return result;
      } catch (caught) {
        const error = cut ?? caught;
        const failure = classifyPostgresError(error);
        if (failure === 'unavailable') broken = error as Error;
        else await client.query('ROLLBACK').catch((rollback: Error) => (broken = rollback));
        if (failure === 'retry' && attempt < retries) {
          await new Promise((resolve) =>
            setTimeout(resolve, 2 ** attempt * (5 + Math.random() * 10)),
          );
          continue;
        }
        throw toStoreError(error, this.config);
      } finally {
        clearTimeout(cutter);
        client.removeListener('error', onError);
        client.release(broken);
      }
    }
  }

  /** A connection of the pool, or `late()` at the deadline (the connection, if it comes, goes back). */
  async #connect(
    deadline: number | undefined,
    late: () => PostgresUnavailableError,
  ): Promise<pg.PoolClient> {
    const connecting = (await this.pool()).connect();
    if (deadline === undefined) return connecting;
    let timer: NodeJS.Timeout | undefined;
    const timeUp = new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(late()), Math.max(0, deadline - Date.now()));
    });
    try {
      return await Promise.race([connecting, timeUp]);
    } catch (error) {
      connecting.then(
        (client) => client.release(),
        () => {},
      );
      throw error;
    } finally {
      clearTimeout(timer);
    }
  }

  /** Ends every connection; later calls fail as unavailable. */
  async close(): Promise<void> {
    this.#closed = true;
    const pool = this.#pool ?? (await this.#opening?.catch(() => null));
    this.#pool = null;
    await pool?.end();
  }
}

export interface WaitOptions {
  /** Said once, when the first try fails for a reason that may pass: which host it waits for. */
  onWaiting?: (message: string) => void;
  /** Said once, when it worked after waiting. */
  onReady?: (message: string) => void;
  /** First pause between tries; doubles up to maxRetryMs. */
  retryMs?: number;
  maxRetryMs?: number;
  signal?: AbortSignal;
}

/**
 * Runs ready (typically: migrate, then one write) until it succeeds, waiting while the database
 * cannot be reached (a container started before its database). Throws PostgresConfigError at once
 * for a problem waiting will not fix (refused login, unknown database), the signal's reason when
 * aborted, and a bug as it is.
 */
export async function waitForDatabase<T>(
  driver: PostgresDriver,
  ready: () => Promise<T>,
  options: WaitOptions = {},
): Promise<T> {
  const maxRetryMs = options.maxRetryMs ?? 5_000;
  let pause = options.retryMs ?? 250;
  let waiting = false;
  for (;;) {
    options.signal?.throwIfAborted();
    try {
      const result = await ready();
      if (waiting) options.onReady?.(`PostgreSQL at ${driver.target} is reachable`);
      return result;
    } catch (error) {
      const failure = classifyPostgresError(error);
      if (failure === 'config' || failure === 'other') {
        if (failure === 'config') {
          const cause = error instanceof PostgresUnavailableError ? error.cause : error;
          throw toStoreError(cause, driver.config, { atStart: true });
        }
        throw error;
      }
      if (!waiting) {
        waiting = true;
        options.onWaiting?.(
          `waiting for PostgreSQL at ${driver.target} (DATABASE_URL): ${reason(error instanceof Error && error.cause ? error.cause : error)}`,
        );
      }
    }
    await new Promise<void>((resolve, reject) => {
      const timer = setTimeout(done, pause);
      function done() {
        options.signal?.removeEventListener('abort', aborted);
        resolve();
      }
      function aborted() {
        clearTimeout(timer);
        reject(options.signal?.reason);
      }
      options.signal?.addEventListener('abort', aborted, { once: true });
    });
    pause = Math.min(pause * 2, maxRetryMs);
  }
}
