import pg from 'pg';
import { parsePostgresUrl } from '../../src/config/database-url.js';
import type { PostgresConfig } from '../../src/store/database-config.js';
import { describeTarget } from '../../src/store/postgres/errors.js';

/** The server the PostgreSQL tests use: TEST_DATABASE_URL, or the machine's own (trust auth). */
export const TEST_DATABASE_URL =
  process.env.TEST_DATABASE_URL?.trim() ||
  'postgres://postgres@127.0.0.1:5432/test?sslmode=disable';

export interface PostgresProbe {
  reachable: boolean;
  /** host:port/database. */
  target: string;
  /** Why not, when not reachable. */
  reason: string;
}

declare module 'vitest' {
  export interface ProvidedContext {
    postgres: PostgresProbe;
  }
}

/** CI set to anything but empty, 0 or false. */
export function underCi(env: Record<string, string | undefined> = process.env): boolean {
  const ci = env.CI?.trim().toLowerCase();
  return ci !== undefined && ci !== '' && ci !== '0' && ci !== 'false';
}

export function testPostgresConfig(url = TEST_DATABASE_URL): PostgresConfig {
  const parsed = parsePostgresUrl(url);
  if ('error' in parsed) throw new Error(`TEST_DATABASE_URL: ${parsed.error}`);
  return parsed;
}

/** One connection to the test server, given up after 3 s; its errors are the caller's to catch. */
export function testClient(config: PostgresConfig = testPostgresConfig()): pg.Client {
  const client = new pg.Client({
    host: config.host,
    port: config.port,
    user: config.user,
    ...(config.password !== null ? { password: config.password } : {}),
    database: config.database,
    ssl: config.sslmode === 'disable' ? false : { rejectUnauthorized: false },
    connectionTimeoutMillis: 3_000,
  });
  client.on('error', () => {});
  return client;
}

/** One connection and SELECT 1, within 3 s. */
export async function probePostgres(url = TEST_DATABASE_URL): Promise<PostgresProbe> {
  let config: PostgresConfig;
  try {
    config = testPostgresConfig(url);
  } catch (error) {
    return { reachable: false, target: url, reason: (error as Error).message };
  }
  const target = describeTarget(config);
  const client = testClient(config);
  try {
    await client.connect();
    await client.query('SELECT 1');
    return { reachable: true, target, reason: '' };
  } catch (error) {
    return { reachable: false, target, reason: (error as Error).message || String(error) };
  } finally {
    await client.end().catch(() => {});
  }
}
