import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface ReceivedCall {
  headers: IncomingHttpHeaders;
  body: Buffer;
  /** The body parsed as JSON. */
  json: Record<string, unknown>;
}

/**
 * How the stand-in callback answers the Nth call (0-based): a status (with headers), or a
 * fault: `hang` never answers, `reset` drops the connection before answering, `cut` sends
 * a 200 and drops the connection in the middle of the body.
 */
export type Responder = (
  call: ReceivedCall,
  index: number,
) => { status: number; headers?: Record<string, string> } | 'hang' | 'reset' | 'cut';

export interface CallbackServer {
  url: string;
  calls: ReceivedCall[];
  respond: Responder;
  /** Resolves once `count` calls have arrived, or rejects after `timeoutMs`. */
  waitForCalls(count: number, timeoutMs?: number): Promise<ReceivedCall[]>;
  close(): Promise<void>;
}

/** A real HTTP server on loopback standing in for the client's callback. */
export async function startCallbackServer(
  respond: Responder = () => ({ status: 200 }),
  port = 0,
): Promise<CallbackServer> {
  const waiters: { count: number; resolve: () => void }[] = [];
  const state: CallbackServer = {
    url: '',
    calls: [],
    respond,
    async waitForCalls(count, timeoutMs = 10_000) {
      if (state.calls.length >= count) return state.calls;
      await new Promise<void>((resolve, reject) => {
        const timer = setTimeout(
          () => reject(new Error(`callback got ${state.calls.length} calls, expected ${count}`)),
          timeoutMs,
        );
        waiters.push({
          count,
          resolve: () => {
            clearTimeout(timer);
            resolve();
          },
        });
      });
      return state.calls;
    },
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
  const server: Server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => {
      const body = Buffer.concat(chunks);
      let json: Record<string, unknown> = {};
      try {
        json = JSON.parse(body.toString('utf8')) as Record<string, unknown>;
      } catch {}
      const call = { headers: req.headers, body, json };
      const answer = state.respond(call, state.calls.length);
      state.calls.push(call);
      if (answer === 'reset') {
        req.socket.destroy();
      } else if (answer === 'cut') {
        res.writeHead(200, { 'content-type': 'application/json', 'content-length': '100' });
        res.write('{"ok":');
        setTimeout(() => req.socket.destroy(), 10);
      } else if (answer !== 'hang') {
        res.writeHead(answer.status, { 'content-type': 'application/json', ...answer.headers });
        res.end('{"ok":true}');
      }
      for (const waiter of waiters.filter((w) => state.calls.length >= w.count)) {
        waiters.splice(waiters.indexOf(waiter), 1);
        waiter.resolve();
      }
    });
  });
  await new Promise<void>((resolve) => server.listen(port, '127.0.0.1', resolve));
  state.url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/callback`;
  return state;
}
