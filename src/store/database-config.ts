// What the store opens, as the configuration hands it over (config/database-url.ts parses
// DATABASE_URL into it). Defined here, with the store, so the store knows nothing of the
// configuration that fills it in.

/** Where the events are kept: DATABASE_URL, parsed. */
export type DatabaseConfig = { kind: 'sqlite'; path: string } | PostgresConfig;

/** How the connection to PostgreSQL is protected: libpq's `sslmode` values. */
export const SSL_MODES = ['disable', 'prefer', 'require', 'verify-ca', 'verify-full'] as const;
export type SslMode = (typeof SSL_MODES)[number];

/** A PostgreSQL DATABASE_URL, parsed: everything the driver needs to open a pool. */
export interface PostgresConfig {
  kind: 'postgres';
  /** A host name or address, or a folder holding the server's Unix socket (starts with /). */
  host: string;
  port: number;
  user: string;
  /** Null when the URL has none (trust or peer authentication, or a ~/.pgpass). */
  password: string | null;
  database: string;
  /**
   * libpq's meaning: disable (plain), prefer (TLS when the server offers it, unverified; the
   * default, as in libpq), require (TLS, unverified), verify-ca (TLS, certificate signed by a
   * trusted CA), verify-full (verify-ca and the certificate names the host).
   */
  sslmode: SslMode;
  /** PEM file of the CA(s) to trust for verify-ca and verify-full; Node's own list when null. */
  sslrootcert: string | null;
  /** Shown in pg_stat_activity. */
  applicationName: string;
  /** How long one connection attempt may take. */
  connectTimeoutMs: number;
  /**
   * The schema the tables live in, from `options=-c search_path=<schema>` (libpq's spelling):
   * several services, or tests, on one database each in a schema of its own. Null: the
   * server's default search_path (public).
   */
  schema: string | null;
  /** The URL with its password masked: the only form of it that may reach a message or a log. */
  display: string;
}
