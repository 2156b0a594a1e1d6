import { createServer, type Server, type Socket } from 'node:net';
import { describe, expect, it, onTestFinished } from 'vitest';
import { StoreUnavailableError } from '../../../src/store/errors.js';
import { PostgresConfigError } from '../../../src/store/postgres/errors.js';
import { PostgresStore } from '../../../src/store/postgres/postgres-store.js';
import { newEvent, T0 } from '../../helpers/new-event.js';
import { describePostgres, freshSchema } from '../../helpers/postgres.js';

// What the PostgreSQL store does beyond the conformance suite: its start against a database that
// is not up yet, a schema without tables for the CLI, and a result whose lease was taken over.

const LEASE = 30_000;
const ok = { at: T0, durationMs: 3, statusCode: 200, error: null };

/** A TCP port that refuses connections until open() forwards it to the test server. */
async function gate(target: { host: string; port: number }) {
  const sockets = new Set<Socket>();
  let server: Server | null = null;
  const port = await new Promise<number>((resolve) => {
    const probe = createServer().listen(0, '127.0.0.1', () => {
      const address = probe.address();
      probe.close(() => resolve(typeof address === 'object' && address ? address.port : 0));
    });
  });
  onTestFinished(async () => {
    for (const socket of sockets) socket.destroy();
    await new Promise<void>((resolve) => (server ? server.close(() => resolve()) : resolve()));
  });
  return {
    port,
    /** Cuts every connection and refuses new ones: the database went away. */
    async close() {
      for (const socket of sockets) socket.destroy();
      sockets.clear();
      const closing = server;
      server = null;
      await new Promise<void>((resolve) => (closing ? closing.close(() => resolve()) : resolve()));
    },
    async open() {
      const { connect } = await import('node:net');
      server = createServer((client) => {
        const upstream = connect(target.port, target.host);
        sockets.add(client).add(upstream);
        client.pipe(upstream).pipe(client);
        const end = () => {
          client.destroy();
          upstream.destroy();
        };
        client.on('error', end).on('close', end);
        upstream.on('error', end).on('close', end);
      });
      await new Promise<void>((resolve) => server?.listen(port, '127.0.0.1', () => resolve()));
    },
  };
}

describePostgres('PostgreSQL store', () => {
  describe('start', () => {
    it('waits for a database that is not up yet: says so once, refuses work (503), then becomes ready by itself', async () => {
      const schema = await freshSchema();
      const door = await gate(schema.config);
      const store = PostgresStore.create(
        { ...schema.config, host: '127.0.0.1', port: door.port, connectTimeoutMs: 1000 },
        { schema: schema.name, max: 2 },
      );
      onTestFinished(() => store.close());
      const said: string[] = [];
      let prepared = 0;
      await store.connect({
        wait: true,
        retryMs: 20,
        maxRetryMs: 50,
        onWaiting: (message) => said.push(message),
        prepare: async () => {
          prepared++;
        },
      });
      expect(said).toHaveLength(1);
      expect(said[0]).toMatch(/waiting for PostgreSQL at 127\.0\.0\.1:\d+\/test \(DATABASE_URL\)/);
      await expect(store.ping()).rejects.toBeInstanceOf(StoreUnavailableError);
      await expect(store.accept(newEvent({ id: 'e1' }), LEASE)).rejects.toBeInstanceOf(
        StoreUnavailableError,
      );
      expect(prepared).toBe(0);

      await door.open();
      await expect
        .poll(
          () =>
            store.ping().then(
              () => 'ready',
              () => 'not ready',
            ),
          {
            timeout: 5000,
            interval: 20,
          },
        )
        .toBe('ready');
      expect(said).toHaveLength(1);
      expect(prepared).toBe(1);
      expect(await store.accept(newEvent({ id: 'e1' }), LEASE)).toMatchObject({ duplicate: false });
    });

    it('a refused login stops the start, naming DATABASE_URL, the password masked', async () => {
      const schema = await freshSchema();
      const store = PostgresStore.create(
        {
          ...schema.config,
          user: 'no_such_role',
          password: 'hunter2-secret',
          display: 'postgres://no_such_role:***@127.0.0.1:5432/test',
        },
        { schema: schema.name, max: 1 },
      );
      onTestFinished(() => store.close());
      const error = await store.connect({ wait: true }).catch((e: unknown) => e);
      expect(error).toBeInstanceOf(PostgresConfigError);
      expect((error as Error).message).toContain('postgres://no_such_role:***@');
      expect((error as Error).message).not.toContain('hunter2');
    });

    it('for the CLI (mustExist), a schema without the tables is refused rather than made', async () => {
      const schema = await freshSchema();
      const error = await PostgresStore.open(schema.config, {
        schema: schema.name,
        mustExist: true,
        max: 1,
      }).catch((e: unknown) => e);
      expect((error as Error).message).toMatch(/no faceauth-shim tables in t_/);
      const made = await PostgresStore.open(schema.config, { schema: schema.name, max: 1 });
      await made.close();
      const again = await PostgresStore.open(schema.config, {
        schema: schema.name,
        mustExist: true,
        max: 1,
      });
      await again.close();
    });
  });

  it('a result whose lease another instance took over is not written, and is told', async () => {
    const schema = await freshSchema();
    const lost: string[] = [];
    const a = await PostgresStore.open(schema.config, {
      schema: schema.name,
      max: 2,
      onLeaseLost: (id) => lost.push(id),
    });
    const b = await PostgresStore.open(schema.config, { schema: schema.name, max: 2 });
    onTestFinished(async () => {
      await a.close();
      await b.close();
    });
    await a.accept(newEvent({ id: 'e1', customerId: 'A' }), LEASE);
    expect((await a.claimDue(T0, 10, LEASE)).map((i) => i.eventId)).toEqual(['e1']);
    // a's lease ran out; b took it over.
    expect((await b.claimDue(T0 + LEASE, 10, LEASE)).map((i) => i.eventId)).toEqual(['e1']);
    await a.recordFailed('e1', { ...ok, statusCode: 500 }, 'dead');
    await a.recordDelivered('e1', ok);
    expect(lost).toEqual(['e1', 'e1']);
    expect((await b.getEvent('e1'))?.status).toBe('pending');
    await b.recordDelivered('e1', ok);
    expect(await b.getEvent('e1')).toMatchObject({ status: 'delivered', attempts: 1 });
  });

  it('results the database could not take are written once it is back, before the next claim: not sent again', async () => {
    const schema = await freshSchema();
    const door = await gate(schema.config);
    await door.open();
    const store = await PostgresStore.open(
      { ...schema.config, host: '127.0.0.1', port: door.port, connectTimeoutMs: 1000 },
      { schema: schema.name, max: 2 },
    );
    onTestFinished(() => store.close());
    await store.accept(newEvent({ id: 'e1', customerId: 'A' }), LEASE);
    await store.accept(newEvent({ id: 'e2', customerId: 'B' }), LEASE);
    expect((await store.claimDue(T0, 10, LEASE)).map((i) => i.eventId).sort()).toEqual([
      'e1',
      'e2',
    ]);
    await door.close();
    await expect(store.recordDelivered('e1', ok)).rejects.toBeInstanceOf(StoreUnavailableError);
    await expect(
      store.recordFailed('e2', { ...ok, statusCode: 500 }, { retryAt: T0 + 1000 }),
    ).rejects.toBeInstanceOf(StoreUnavailableError);
    await expect(store.claimDue(T0 + 1, 10, LEASE)).rejects.toBeInstanceOf(StoreUnavailableError);

    await door.open();
    // Well inside the leases: e1 is not claimed again (it was delivered), e2 is due for its retry.
    expect((await store.claimDue(T0 + 2000, 10, LEASE)).map((i) => i.eventId)).toEqual(['e2']);
    expect(await store.getEvent('e1')).toMatchObject({ status: 'delivered', attempts: 1 });
    expect(await store.getEvent('e2')).toMatchObject({ status: 'pending', attempts: 1 });
  });
});
