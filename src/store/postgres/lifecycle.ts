import { StoreOpenError } from '../errors.js';
import type { PostgresDriver } from './driver.js';
import { classifyPostgresError, PostgresUnavailableError, toStoreError } from './errors.js';
import { migrate } from './migrations.js';
import type { PostgresDriverOptions } from './pool-config.js';
import * as admin from './sql/admin.js';
import { type WaitOptions, waitForDatabase } from './wait-for-database.js';

export interface PostgresStoreOptions extends PostgresDriverOptions {
  /** For commands that read a store the service made: a schema without its tables is refused. */
  mustExist?: boolean;
  /**
   * Told when a result (delivered, failed) was not written because the lease is no longer this
   * instance's: it ran out and another instance took the event over (which delivers it).
   */
  onLeaseLost?: (eventId: string) => void;
}

export interface ConnectOptions extends WaitOptions {
  /**
   * Wait for a database that cannot be reached yet (the service: it starts unready) instead of
   * failing at once (the CLI). A problem waiting will not fix (refused login) fails either way.
   */
  wait?: boolean;
  /**
   * Run once the schema is migrated and a write succeeded, before webhooks are taken (accept and
   * ping refuse until it resolved); a failure that may pass is tried again with the connection.
   */
  prepare?: () => Promise<void>;
  /** A waiting start that then fails for good (the login is refused once the server is up). */
  onFatal?: (error: Error) => void;
}

/**
 * A PostgreSQL store's way to usable: migrated (once across instances starting together) and
 * written to, then prepared; until then its work is refused (503), webhooks until prepared.
 */
export class Lifecycle {
  readonly #driver: PostgresDriver;
  readonly #options: PostgresStoreOptions;
  /** Migrated and written to: every method may run. */
  #migrated = false;
  /** And prepared: webhooks may be taken. */
  #ready = false;
  readonly #abort = new AbortController();

  constructor(driver: PostgresDriver, options: PostgresStoreOptions) {
    this.#driver = driver;
    this.#options = options;
  }

  /**
   * Migrates and makes one write. Without `wait`, one try: PostgresConfigError for a refused
   * login or an unknown database (exit 2), PostgresUnavailableError when the server cannot be
   * reached. With `wait`, a server that cannot be reached yet does not fail it: it says so once
   * (onWaiting), resolves, and keeps trying in the background; the store refuses work (503)
   * until it has succeeded.
   */
  async connect(options: ConnectOptions = {}): Promise<void> {
    const attempt = async () => {
      if (!this.#migrated) {
        if (this.#options.mustExist) await this.#mustExist();
        await migrate(this.#driver);
        await this.#driver.query(admin.PROBE, [Date.now()]);
        this.#migrated = true;
      }
      await options.prepare?.();
      this.#ready = true;
    };
    if (!options.wait) {
      try {
        await attempt();
      } catch (error) {
        const cause = error instanceof PostgresUnavailableError ? error.cause : error;
        throw classifyPostgresError(error) === 'config'
          ? toStoreError(cause, this.#driver.config, { atStart: true })
          : error;
      }
      return;
    }
    let waiting!: () => void;
    const firstFailure = new Promise<void>((resolve) => {
      waiting = resolve;
    });
    const connected = waitForDatabase(this.#driver, attempt, {
      ...options,
      signal: this.#abort.signal,
      onWaiting: (message) => {
        options.onWaiting?.(message);
        waiting();
      },
    });
    await Promise.race([connected, firstFailure]);
    connected.catch((error: unknown) => {
      if (this.#abort.signal.aborted) return;
      options.onFatal?.(error instanceof Error ? error : new Error(String(error)));
    });
  }

  /** Throws PostgresUnavailableError until connected (for webhooks: until prepared too). */
  usable(forWebhooks = false): void {
    if (forWebhooks ? this.#ready : this.#migrated) return;
    throw new PostgresUnavailableError(
      `store: PostgreSQL at ${this.#driver.target} (DATABASE_URL) is not reachable yet`,
      'unavailable',
    );
  }

  /** The store closes: a start still waiting gives up quietly. */
  stop(): void {
    this.#abort.abort(new Error('store: closed'));
  }

  async #mustExist(): Promise<void> {
    const { rows } = await this.#driver.query<{ found: string | null }>(
      "SELECT to_regclass('schema_version')::text AS found",
    );
    if (rows[0]?.found == null) {
      throw new StoreOpenError(
        `${this.#driver.config.display}: no faceauth-shim tables in ${this.#driver.options.schema ?? 'the default schema'} (the service creates them when it first starts)`,
      );
    }
  }
}
