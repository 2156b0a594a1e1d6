import { createServer, type Server } from 'node:http';
import { type AddressInfo, connect } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { gateConnections } from '../../src/http/connection-gate.js';
import { type RawConnection, rawConnect, responsesIn } from '../helpers/raw-http.js';
import { until } from '../helpers/until.js';

// The connection gate on a real Node server and real sockets: a client that pipelines and does
// not read its answers gets no more of its requests handled than its connection can carry.

const cleanups: (() => unknown)[] = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

/** 256 KiB per answer: the connection's buffers fill after a few dozen unread answers. */
const ANSWER = Buffer.alloc(256 * 1024, 'a');

async function gatedServer(
  options: { maxInFlight: number; maxWaiting: number },
  answer: 'big, a turn later' | 'small, at once' = 'big, a turn later',
) {
  const started: string[] = [];
  let overflows = 0;
  const server: Server = createServer(
    gateConnections(
      (request, response) => {
        started.push(request.url ?? '');
        if (answer === 'small, at once') {
          response.end('ok');
          return;
        }
        setImmediate(() => {
          response.writeHead(200, { 'content-length': ANSWER.length });
          response.end(ANSWER);
        });
      },
      { ...options, onOverflow: () => overflows++ },
    ),
  );
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  cleanups.push(
    () =>
      new Promise((resolve) => {
        server.closeAllConnections();
        server.close(resolve);
      }),
  );
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return { url, started, overflows: () => overflows };
}

async function connection(url: string): Promise<RawConnection> {
  const conn = await rawConnect(url);
  cleanups.push(() => conn.socket.destroy());
  return conn;
}

const requests = (count: number) =>
  Array.from({ length: count }, (_, i) => `GET /${i} HTTP/1.1\r\nHost: gate\r\n\r\n`).join('');

describe('the connection gate', () => {
  it('answers not read: the connection is no longer read, and only what it can carry is handled; once read, every answer comes, in order', async () => {
    const gate = await gatedServer({ maxInFlight: 4, maxWaiting: 1_000 });
    const socket = connect({ host: '127.0.0.1', port: Number(new URL(gate.url).port) });
    cleanups.push(() => socket.destroy());
    await new Promise((resolve) => socket.once('connect', resolve));
    let received = 0;
    socket.on('data', (chunk: Buffer) => {
      received += chunk.length;
    });
    socket.pause();
    // 200 requests, 50 MB of answers: far more than the kernel's buffers hold.
    socket.write(requests(200));
    // The answers fill the connection; then it is not read any more and nothing more starts.
    let seen = -1;
    await until(
      'the handled requests to stop growing',
      async () => {
        const now = gate.started.length;
        const stable = now === seen && now > 0;
        seen = now;
        return stable;
      },
      10_000,
      300,
    );
    // Before: all 200 were handed over at once (Node's server parses what it read whole).
    expect(gate.started.length).toBeLessThan(100);
    expect(gate.started.slice(0, 4)).toEqual(['/0', '/1', '/2', '/3']);
    // The client reads: every request is handled, in order, and every answer arrives.
    socket.resume();
    await until('every request handled', () => gate.started.length === 200, 20_000);
    await until('every answer to arrive', () => received >= 200 * ANSWER.length, 20_000);
    expect(gate.started).toEqual(Array.from({ length: 200 }, (_, i) => `/${i}`));
    expect(gate.overflows()).toBe(0);
  }, 40_000);

  it('a connection with hundreds of requests waiting does not hold another one: its requests are handed over a few per turn', async () => {
    const gate = await gatedServer({ maxInFlight: 4, maxWaiting: 2_000 }, 'small, at once');
    const flood = await connection(gate.url);
    const other = await connection(gate.url);
    flood.socket.write(requests(1_000));
    other.socket.write('GET /other HTTP/1.1\r\nHost: gate\r\n\r\n');
    await until('every request handled', () => gate.started.length === 1_001, 10_000);
    // Before (all handed over in the turn that read them), /other came after the 1,000.
    expect(gate.started.indexOf('/other')).toBeLessThan(500);
    expect(gate.started.filter((url) => url !== '/other')).toEqual(
      Array.from({ length: 1_000 }, (_, i) => `/${i}`),
    );
  });

  it('a client that waits for each answer has one request at a time and is never cut', async () => {
    const gate = await gatedServer({ maxInFlight: 1, maxWaiting: 0 });
    const conn = await connection(gate.url);
    for (let i = 0; i < 5; i++) {
      conn.socket.write(requests(1));
      await conn.waitFor(new RegExp(`(HTTP/1\\.1 200 OK[^]*){${i + 1}}`), 5_000);
      await until('the whole answer', () => conn.received().length >= (i + 1) * ANSWER.length);
    }
    expect(gate.started).toHaveLength(5);
    expect(gate.overflows()).toBe(0);
    expect(conn.socket.destroyed).toBe(false);
  });

  it('past maxInFlight + maxWaiting requests ahead of its answers, the connection is closed; the others go on', async () => {
    const gate = await gatedServer({ maxInFlight: 2, maxWaiting: 10 });
    const conn = await connection(gate.url);
    conn.socket.write(requests(50));
    await conn.closed(5_000);
    expect(gate.overflows()).toBe(1);
    // Only the first ones reached the app; the waiting ones were dropped with the connection.
    expect(gate.started).toEqual(['/0', '/1']);
    // Other connections go on.
    const next = await connection(gate.url);
    next.socket.write(requests(1));
    const text = await next.waitFor(/^HTTP\/1\.1 200 OK/, 5_000);
    expect(responsesIn(text)[0]?.status).toBe(200);
  });
});
