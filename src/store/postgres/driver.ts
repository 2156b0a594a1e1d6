import pg from 'pg';
import type { PostgresConfig } from '../database-config.js';
import {
  classifyPostgresError,
  describeTarget,
  PostgresUnavailableError,
  toStoreError,
} from './errors.js';
import { type PostgresDriverOptions, poolConfig, tlsOptions } from './pool-config.js';

// The PostgreSQL connection: a pool opened from DATABASE_URL (pool-config.ts), and one
// transaction helper with its deadline and its retries; what a failure means is errors.ts.

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
