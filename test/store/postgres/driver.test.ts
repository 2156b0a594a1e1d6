import { createServer, type Server } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parsePostgresUrl } from '../../../src/config/database-url.js';
import { StoreOpenError, StoreUnavailableError } from '../../../src/store/errors.js';
import { PostgresDriver } from '../../../src/store/postgres/driver.js';
import {
  classifyPostgresError,
  PostgresConfigError,
  PostgresUnavailableError,
} from '../../../src/store/postgres/errors.js';
import { poolConfig, tlsOptions } from '../../../src/store/postgres/pool-config.js';
import { waitForDatabase } from '../../../src/store/postgres/wait-for-database.js';
import {
  describeCluster,
  describePostgres,
  freshSchema,
  testPostgresConfig,
} from '../../helpers/postgres.js';
import { type Cluster, startCluster } from '../../helpers/postgres-cluster.js';

function config(url: string) {
  const parsed = parsePostgresUrl(url);
  if ('error' in parsed) throw new Error(parsed.error);
  return parsed;
}

/** A port nothing listens on (taken, then closed). */
async function closedPort(): Promise<number> {
  const server: Server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  await new Promise((resolve) => server.close(resolve));
  return port;
}

describe('what a PostgreSQL failure means', () => {
  it.each([
    ['28P01', 'config'],
    ['28000', 'config'],
    ['3D000', 'config'],
    ['42501', 'config'],
    ['40001', 'retry'],
    ['40P01', 'retry'],
    ['57P01', 'unavailable'],
    ['57P03', 'unavailable'],
    ['08006', 'unavailable'],
    ['08001', 'unavailable'],
    ['53300', 'unavailable'],
    ['53100', 'unavailable'],
    ['23505', 'other'],
    ['42P01', 'other'],
    ['ECONNREFUSED', 'unavailable'],
    ['ENOTFOUND', 'unavailable'],
    ['EAI_AGAIN', 'unavailable'],
    ['ECONNRESET', 'unavailable'],
    ['DEPTH_ZERO_SELF_SIGNED_CERT', 'config'],
    ['ERR_TLS_CERT_ALTNAME_INVALID', 'config'],
  ])('code %s: %s', (code, failure) => {
    expect(classifyPostgresError(Object.assign(new Error('x'), { code }))).toBe(failure);
  });

  it.each([
    ['Connection terminated unexpectedly', 'unavailable'],
    ['Connection terminated due to connection timeout', 'unavailable'],
    ['timeout exceeded when trying to connect', 'unavailable'],
    ['The server does not support SSL connections', 'config'],
    ['SASL: SCRAM-SERVER-FIRST-MESSAGE: client password must be a string', 'config'],
    ['Cannot read properties of undefined', 'other'],
  ])('message "%s": %s', (message, failure) => {
    expect(classifyPostgresError(new Error(message))).toBe(failure);
  });

  it('the errors are the store errors the service already answers (exit 2, 503)', () => {
    expect(new PostgresConfigError('x')).toBeInstanceOf(StoreOpenError);
    expect(new PostgresUnavailableError('x', 'unavailable')).toBeInstanceOf(StoreUnavailableError);
  });
});

describe('sslmode', () => {
  it('disable is plain; prefer and require encrypt without verifying', () => {
    expect(tlsOptions(config('postgres://u@h/d?sslmode=disable'))).toBeNull();
    expect(tlsOptions(config('postgres://u@h/d?sslmode=prefer'))).toEqual({
      rejectUnauthorized: false,
    });
    expect(tlsOptions(config('postgres://u@h/d?sslmode=require'))).toEqual({
      rejectUnauthorized: false,
    });
  });

  it('verify-full checks the chain and the host name; verify-ca the chain only', () => {
    expect(tlsOptions(config('postgres://u@db.example.com/d?sslmode=verify-full'))).toEqual({
      rejectUnauthorized: true,
      servername: 'db.example.com',
    });
    const ca = tlsOptions(config('postgres://u@h/d?sslmode=verify-ca'));
    expect(ca).toMatchObject({ rejectUnauthorized: true });
    expect(ca?.checkServerIdentity?.('other.example.com', {} as never)).toBeUndefined();
  });

  it('an unreadable sslrootcert stops the start, naming DATABASE_URL masked', () => {
    expect(() =>
      tlsOptions(
        config('postgres://u:secret@h/d?sslmode=verify-full&sslrootcert=/nonexistent/ca.pem'),
      ),
    ).toThrow(/^postgres:\/\/u:\*\*\*@h\/d\?.*sslrootcert \/nonexistent\/ca\.pem cannot be read/);
  });

  it('the pool gets the URL parts, the schema as search_path, and no password when none', () => {
    const options = poolConfig(
      config('postgres://shim@db:6000/faceauth?application_name=a'),
      { schema: 'x"y' },
      null,
    );
    expect(options).toMatchObject({
      host: 'db',
      port: 6000,
      user: 'shim',
      database: 'faceauth',
      ssl: false,
      application_name: 'a',
      options: '-c search_path="x""y"',
    });
    expect(options).not.toHaveProperty('password');
  });

  it("the URL's options=-c search_path names the schema, unless the caller names one", () => {
    const url = 'postgres://shim@db/faceauth?options=-c%20search_path%3Dshim_b';
    expect(new PostgresDriver(config(url)).options.schema).toBe('shim_b');
    expect(new PostgresDriver(config(url), { schema: 'other' }).options.schema).toBe('other');
    expect(new PostgresDriver(config('postgres://shim@db/faceauth')).options.schema).toBe(
      undefined,
    );
  });
});

describe('a database that cannot be reached', () => {
  it('queries fail as unavailable (503), naming the host, never the password', async () => {
    const port = await closedPort();
    const driver = new PostgresDriver(
      config(`postgres://u:hunter2@127.0.0.1:${port}/d?sslmode=disable`),
    );
    try {
      const error = await driver.query('SELECT 1').catch((e: unknown) => e);
      expect(error).toBeInstanceOf(PostgresUnavailableError);
      expect((error as Error).message).toMatch(`PostgreSQL at 127.0.0.1:${port}/d`);
      expect((error as Error).message).toMatch(/ECONNREFUSED/);
      expect((error as Error).message).not.toMatch(/hunter2/);
      const inTx = await driver.transaction(async () => 1).catch((e: unknown) => e);
      expect(inTx).toBeInstanceOf(PostgresUnavailableError);
    } finally {
      await driver.close();
    }
  });

  it('the wait says once which host it waits for, and stops when told', async () => {
    const port = await closedPort();
    const driver = new PostgresDriver(
      config(`postgres://u:hunter2@127.0.0.1:${port}/d?sslmode=disable`),
    );
    const said: string[] = [];
    const abort = new AbortController();
    let tries = 0;
    const waiting = waitForDatabase(
      driver,
      async () => {
        tries++;
        if (tries === 4) abort.abort(new Error('stopped'));
        await driver.query('SELECT 1');
      },
      { onWaiting: (line) => said.push(line), retryMs: 1, signal: abort.signal },
    );
    await expect(waiting).rejects.toThrow('stopped');
    expect(tries).toBe(4);
    expect(said).toHaveLength(1);
    expect(said[0]).toMatch(
      new RegExp(
        `^waiting for PostgreSQL at 127\\.0\\.0\\.1:${port}/d \\(DATABASE_URL\\): .*ECONNREFUSED`,
      ),
    );
    expect(said[0]).not.toMatch(/hunter2/);
    await driver.close();
  });

  it('a host name that does not resolve is waited for too (a container starts before its database)', async () => {
    const driver = new PostgresDriver(
      config('postgres://u@no-such-host.invalid/d?sslmode=disable&connect_timeout=2'),
    );
    const error = await driver.query('SELECT 1').catch((e: unknown) => e);
    expect(classifyPostgresError(error)).toBe('unavailable');
    await driver.close();
  });
});

describePostgres('the driver on TEST_DATABASE_URL', () => {
  it('an unknown database or role stops the start with a line naming DATABASE_URL', async () => {
    const base = testPostgresConfig();
    for (const [url, why] of [
      [
        `postgres://postgres:pw@${base.host}:${base.port}/no_such_db_15?sslmode=disable`,
        /database "no_such_db_15" does not exist/,
      ],
      [
        `postgres://no_such_role_15:pw@${base.host}:${base.port}/${base.database}?sslmode=disable`,
        /role "no_such_role_15" does not exist/,
      ],
    ] as const) {
      const driver = new PostgresDriver(config(url));
      const said: string[] = [];
      const error = await waitForDatabase(driver, () => driver.query('SELECT 1'), {
        onWaiting: (line) => said.push(line),
      }).catch((e: unknown) => e);
      await driver.close();
      expect(error).toBeInstanceOf(PostgresConfigError);
      expect((error as Error).message).toMatch(why);
      expect((error as Error).message).toMatch(/^postgres:\/\/[a-z_0-9]+:\*\*\*@/);
      expect(said).toEqual([]);
    }
  });

  it('sslmode=prefer connects in plain when the server offers no TLS (as libpq); require refuses', async () => {
    const base = testPostgresConfig();
    const prefer = new PostgresDriver({ ...base, sslmode: 'prefer' });
    const { rows } = await prefer.query<{ ssl: boolean; server: string }>(
      "SELECT ssl, current_setting('ssl') AS server FROM pg_stat_ssl WHERE pid = pg_backend_pid()",
    );
    await prefer.close();
    expect(rows[0]?.ssl).toBe(rows[0]?.server === 'on');
    if (rows[0]?.server === 'off') {
      const required = new PostgresDriver({ ...base, sslmode: 'require' });
      const error = await waitForDatabase(required, () => required.query('SELECT 1')).catch(
        (e: unknown) => e,
      );
      await required.close();
      expect(error).toBeInstanceOf(PostgresConfigError);
      expect((error as Error).message).toMatch(/does not support SSL/);
    }
  });

  it('a connection the server ends between two statements of a transaction fails it as unavailable, and the process hears the error', async () => {
    const schema = await freshSchema();
    const driver = schema.driver();
    const other = schema.driver({ max: 1 });
    const error = await driver
      .transaction(async (c) => {
        const { rows } = await c.query<{ pid: number }>('SELECT pg_backend_pid() AS pid');
        await other.query('SELECT pg_terminate_backend($1)', [rows[0]?.pid]);
        // The server's FATAL (57P01) arrives while no statement runs on the connection: an
        // 'error' event nobody listened to would end the process (and this test run).
        await new Promise((resolve) => setTimeout(resolve, 200));
        await c.query('SELECT 1');
      })
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(PostgresUnavailableError);
    expect((await driver.query<{ one: number }>('SELECT 1 AS one')).rows).toEqual([{ one: 1 }]);
  });

  it('commits what fn did, rolls back what it did before throwing', async () => {
    const schema = await freshSchema();
    const driver = schema.driver();
    await driver.query('CREATE TABLE t (n bigint)');
    await driver.transaction((c) => c.query('INSERT INTO t VALUES (1)'));
    await expect(
      driver.transaction(async (c) => {
        await c.query('INSERT INTO t VALUES (2)');
        throw new Error('changed my mind');
      }),
    ).rejects.toThrow('changed my mind');
    const { rows } = await driver.query<{ n: number }>('SELECT n FROM t');
    expect(rows).toEqual([{ n: 1 }]);
  });

  it('reads bigint as a number (ms timestamps), and count(*) too', async () => {
    const driver = (await freshSchema()).driver();
    const { rows } = await driver.query(
      'SELECT $1::bigint AS at, count(*) AS n FROM (VALUES (1), (2)) v(x)',
      [1_764_547_200_000],
    );
    expect(rows[0]).toEqual({ at: 1_764_547_200_000, n: 2 });
  });

  it('runs a transaction again after a serialization failure, and gives up after its retries', async () => {
    const driver = (await freshSchema()).driver();
    await driver.query('CREATE TABLE t (n int)');
    let runs = 0;
    const raise40001 = `DO $$ BEGIN RAISE EXCEPTION 'conflict' USING ERRCODE = '40001'; END $$`;
    await driver.transaction(async (c) => {
      runs++;
      await c.query('INSERT INTO t VALUES ($1)', [runs]);
      if (runs < 3) await c.query(raise40001);
    });
    expect(runs).toBe(3);
    expect((await driver.query('SELECT n FROM t')).rows).toEqual([{ n: 3 }]);
    runs = 0;
    const error = await driver
      .transaction(
        async (c) => {
          runs++;
          await c.query(raise40001);
        },
        { retries: 1 },
      )
      .catch((e: unknown) => e);
    expect(runs).toBe(2);
    expect(error).toBeInstanceOf(PostgresUnavailableError);
    expect((error as PostgresUnavailableError).failure).toBe('retry');
  });

  it("a deadline: a statement waiting on another session's lock is given up by the server and the transaction commits nothing", async () => {
    const schema = await freshSchema();
    const driver = schema.driver();
    await driver.query('CREATE TABLE t (n int)');
    const locker = await (await schema.driver({ max: 1 }).pool()).connect();
    try {
      await locker.query('BEGIN');
      await locker.query('LOCK TABLE t IN ACCESS EXCLUSIVE MODE');
      const started = Date.now();
      const error = await driver
        .transaction(
          async (c) => {
            await c.query("SET LOCAL application_name = 'deadline-test'");
            await c.query('INSERT INTO t VALUES (1)');
          },
          { deadline: Date.now() + 500 },
        )
        .catch((e: unknown) => e);
      expect(error).toBeInstanceOf(PostgresUnavailableError);
      expect(Date.now() - started).toBeLessThan(5_000);
      // The server gave the wait up itself (statement_timeout): no session of the abandoned
      // transaction still waits for the lock, holding a connection slot.
      await new Promise((resolve) => setTimeout(resolve, 300));
      const waiting = await locker.query(
        "SELECT count(*)::int AS n FROM pg_stat_activity WHERE wait_event_type = 'Lock' AND query LIKE 'INSERT INTO t%'",
      );
      expect(waiting.rows[0].n).toBe(0);
    } finally {
      await locker.query('ROLLBACK');
      locker.release();
    }
    expect((await driver.query('SELECT n FROM t')).rows).toEqual([]);
  });

  it('a deadline: work that outlives it is never committed', async () => {
    const schema = await freshSchema();
    const driver = schema.driver();
    await driver.query('CREATE TABLE t (n int)');
    const error = await driver
      .transaction(
        async (c) => {
          await c.query('INSERT INTO t VALUES (1)');
          await new Promise((resolve) => setTimeout(resolve, 400));
        },
        { deadline: Date.now() + 200 },
      )
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(PostgresUnavailableError);
    expect((error as Error).message).toMatch(/did not answer in time$/);
    expect((await driver.query('SELECT n FROM t')).rows).toEqual([]);
    // The pool goes on.
    await driver.transaction((c) => c.query('INSERT INTO t VALUES (2)'), {
      deadline: Date.now() + 5_000,
    });
    expect((await driver.query('SELECT n FROM t')).rows).toEqual([{ n: 2 }]);
  });

  it('a bug (bad SQL) is thrown as it is, not as an outage', async () => {
    const driver = (await freshSchema()).driver();
    const error = await driver.query('SELECT * FROM no_such_table').catch((e: unknown) => e);
    expect(error).not.toBeInstanceOf(StoreUnavailableError);
    expect(error).toMatchObject({ code: '42P01' });
  });
});

describeCluster('the driver against a cluster that refuses, goes away and comes back', () => {
  let cluster: Cluster;
  beforeAll(async () => {
    cluster = await startCluster({ password: 'right-password' });
  }, 60_000);
  afterAll(() => cluster?.destroy());

  it('a wrong password stops the start: one line naming DATABASE_URL, password masked', async () => {
    const driver = new PostgresDriver(cluster.config({ password: 'wrong-password' }));
    const error = await waitForDatabase(driver, () => driver.query('SELECT 1')).catch(
      (e: unknown) => e,
    );
    await driver.close();
    expect(error).toBeInstanceOf(PostgresConfigError);
    const message = (error as Error).message;
    expect(message).toMatch(`postgres://postgres:***@127.0.0.1:${cluster.port}/postgres`);
    expect(message).toMatch(/password authentication failed for user "postgres"/);
    expect(message).not.toMatch(/wrong-password/);
    expect(message).not.toContain('\n');
    // After the start (a password rotated under a running service) it is a 503, not a crash.
    const running = new PostgresDriver(cluster.config({ password: 'wrong-password' }));
    const later = await running.query('SELECT 1').catch((e: unknown) => e);
    await running.close();
    expect(later).toBeInstanceOf(PostgresUnavailableError);
    expect((later as PostgresUnavailableError).failure).toBe('config');
    expect((later as Error).message).not.toMatch(/wrong-password/);
  });

  it('no password where one is needed is a configuration error too', async () => {
    const driver = new PostgresDriver(cluster.config({ password: null }));
    const error = await waitForDatabase(driver, () => driver.query('SELECT 1')).catch(
      (e: unknown) => e,
    );
    await driver.close();
    expect(error).toBeInstanceOf(PostgresConfigError);
  });

  it('waits while the server is down, says so once, and is ready when it is back; the pool recovers', async () => {
    const driver = new PostgresDriver(cluster.config(), { max: 2 });
    const idleErrors: Error[] = [];
    const withIdle = new PostgresDriver(cluster.config(), {
      max: 2,
      onIdleError: (e) => idleErrors.push(e),
    });
    try {
      await withIdle.query('SELECT 1');
      await cluster.stop();
      const down = await withIdle.query('SELECT 1').catch((e: unknown) => e);
      expect(down).toBeInstanceOf(PostgresUnavailableError);

      const said: string[] = [];
      const ready: string[] = [];
      let tries = 0;
      const waiting = waitForDatabase(
        driver,
        async () => {
          tries++;
          if (tries === 2) await cluster.start();
          return (await driver.query<{ one: number }>('SELECT 1 AS one')).rows[0]?.one;
        },
        { onWaiting: (line) => said.push(line), onReady: (line) => ready.push(line), retryMs: 10 },
      );
      expect(await waiting).toBe(1);
      expect(said).toHaveLength(1);
      expect(said[0]).toMatch(
        `waiting for PostgreSQL at 127.0.0.1:${cluster.port}/postgres (DATABASE_URL)`,
      );
      expect(ready).toEqual([`PostgreSQL at 127.0.0.1:${cluster.port}/postgres is reachable`]);
      // The driver that saw the outage works again without being made anew.
      expect((await withIdle.query<{ one: number }>('SELECT 1 AS one')).rows).toEqual([{ one: 1 }]);
    } finally {
      await driver.close();
      await withIdle.close();
    }
  }, 60_000);
});
