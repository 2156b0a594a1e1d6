// The stand-in for the client's callback, in the bench's own process (so that the send times
// the sender puts in the bodies and the receipt times here come from one clock).
import { createServer, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface CallbackServer {
  url: string;
  /** Distinct X-Faceauth-Event-Id values received (any attempt). */
  readonly ids: ReadonlySet<string>;
  /** Requests received, repeats included. */
  readonly received: number;
  /** Stops answering: each request is held open until release(). */
  hold(): void;
  /** Answers every held request, and every later one at once. */
  release(): void;
  /**
   * Distinct event ids received whose body names this customer (set `hot` first): a hot
   * customer's line counted apart from the others.
   */
  hot: { customerId: string; ids: Set<string> } | undefined;
  /** Called with each body's `benchSentAt` and the time it arrived (performance clock). */
  onTimed: ((sentAt: number, receivedAt: number) => void) | undefined;
  /** Resolves once `count` distinct event ids were received (or after `timeoutMs`: false). */
  waitForIds(count: number, timeoutMs: number): Promise<boolean>;
  close(): Promise<void>;
}

export const now = () => performance.timeOrigin + performance.now();

export async function startCallback(): Promise<CallbackServer> {
  const ids = new Set<string>();
  let received = 0;
  let holding = false;
  const held: ServerResponse[] = [];
  let waiter: { count: number; resolve: (ok: boolean) => void } | undefined;

  const answer = (res: ServerResponse) =>
    res.writeHead(200, { 'content-type': 'application/json' }).end('{"ok":true}');

  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => {
      const at = now();
      received++;
      const id = req.headers['x-faceauth-event-id'];
      if (typeof id === 'string') ids.add(id);
      if (callback.onTimed || callback.hot) {
        const body = JSON.parse(Buffer.concat(chunks).toString()) as {
          benchSentAt?: unknown;
          customerId?: unknown;
        };
        const sentAt = body.benchSentAt;
        if (typeof sentAt === 'number') callback.onTimed?.(sentAt, at);
        const hot = callback.hot;
        if (hot && body.customerId === hot.customerId && typeof id === 'string') hot.ids.add(id);
      }
      if (waiter && ids.size >= waiter.count) {
        waiter.resolve(true);
        waiter = undefined;
      }
      if (holding) held.push(res);
      else answer(res);
    });
  });
  server.keepAliveTimeout = 60_000;
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;

  const callback: CallbackServer = {
    url: `http://127.0.0.1:${port}/callback`,
    ids,
    get received() {
      return received;
    },
    hold() {
      holding = true;
    },
    release() {
      holding = false;
      for (const res of held.splice(0)) answer(res);
    },
    onTimed: undefined,
    hot: undefined,
    waitForIds(count, timeoutMs) {
      if (ids.size >= count) return Promise.resolve(true);
      return new Promise((resolve) => {
        const timer = setTimeout(() => {
          waiter = undefined;
          resolve(false);
        }, timeoutMs);
        waiter = {
          count,
          resolve: (ok) => {
            clearTimeout(timer);
            resolve(ok);
          },
        };
      });
    },
    async close() {
      callback.release();
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
  return callback;
}
