import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Context } from 'hono';
import { FaceauthError } from '../util/errors.js';
import { HttpError } from './http-error.js';

/** The body of a request, read up to a limit. */
export interface BoundedBody {
  bytes: Uint8Array;
  /** The body is longer than the limit; `bytes` holds at most its first `limit` bytes. */
  tooLarge: boolean;
}

/**
 * The client closed the connection (or the server cut it: REQUEST_TIMEOUT) before the whole
 * body arrived. Nobody is left to answer; it is the client's doing, not an error of ours.
 */
export class ClientClosedError extends FaceauthError {
  override readonly name = 'ClientClosedError';
  readonly code = 'client_closed';
  constructor(options?: { cause?: unknown }) {
    super('the client closed the connection before the body arrived', options);
  }
}

/** How many request bodies are being read at once, across every connection. */
export interface BodyBudget {
  /** Takes a place, or says there is none. */
  tryAcquire(): boolean;
  release(): void;
  readonly inFlight: number;
}

/** `onRefused` is told each time a body is refused for want of a place (a metric, say). */
export function createBodyBudget(max: number, onRefused: () => void = () => {}): BodyBudget {
  let inFlight = 0;
  return {
    tryAcquire() {
      if (inFlight >= max) {
        onRefused();
        return false;
      }
      inFlight++;
      return true;
    },
    release() {
      inFlight = Math.max(0, inFlight - 1);
    },
    get inFlight() {
      return inFlight;
    },
  };
}

/** What @hono/node-server passes as `c.env`: Node's request and response. */
interface NodeBindings {
  incoming?: IncomingMessage;
  outgoing?: ServerResponse;
}

/**
 * Reads the body of the request in `c`, at most `limit` bytes, holding no more than one buffer
 * of at most `limit` bytes whatever the chunking (a body sent a byte at a time costs what the
 * same body in one piece does). On a real server it reads Node's request directly (no web
 * streams); under `app.request()` the web Request's body.
 *
 * - A Content-Length over the limit is refused without reading anything.
 * - `Expect: 100-continue` is answered here, so a client is invited to send its body only once
 *   the route, its credentials and its headers have passed (see http/node-server.ts).
 * - Past `budget`'s places: 503 `busy`, nothing read.
 * - A client that goes away mid-body: ClientClosedError.
 */
export async function readRequestBody(
  c: Context,
  limit: number,
  budget?: BodyBudget,
): Promise<BoundedBody> {
  const declared = Number(c.req.header('content-length') ?? Number.NaN);
  if (Number.isFinite(declared) && declared > limit) {
    return { bytes: new Uint8Array(0), tooLarge: true };
  }
  if (budget && !budget.tryAcquire()) {
    throw new HttpError(
      503,
      'busy',
      'too many request bodies are being received; try again shortly',
      undefined,
      1,
    );
  }
  try {
    const { incoming, outgoing } = (c.env ?? {}) as NodeBindings;
    if (incoming && typeof incoming.on === 'function') {
      return await readIncoming(incoming, outgoing, limit, declared);
    }
    return await readBody(c.req.raw, limit);
  } finally {
    budget?.release();
  }
}

/** Node's request, copied chunk by chunk into one buffer; no chunk is kept. */
function readIncoming(
  incoming: IncomingMessage,
  outgoing: ServerResponse | undefined,
  limit: number,
  declared: number,
): Promise<BoundedBody> {
  if (incoming.readableEnded) return Promise.resolve({ bytes: new Uint8Array(0), tooLarge: false });
  if (outgoing && !outgoing.headersSent && /^100-continue$/i.test(incoming.headers.expect ?? '')) {
    outgoing.writeContinue();
  }
  return new Promise<BoundedBody>((resolve, reject) => {
    // Sized by Content-Length where there is one; otherwise grown by doubling, up to the limit.
    let buffer = Buffer.allocUnsafe(Number.isFinite(declared) ? declared : Math.min(limit, 16_384));
    let size = 0;
    const done = () => {
      incoming.off('data', onData);
      incoming.off('end', onEnd);
      incoming.off('error', onError);
      incoming.off('close', onClose);
    };
    const onData = (chunk: Buffer) => {
      if (size + chunk.byteLength > limit) {
        done();
        // The rest is not read: the answer (413) goes out, and @hono/node-server drains or
        // closes what is left of the request.
        incoming.pause();
        const room = limit - size;
        const out = Buffer.allocUnsafe(limit);
        buffer.copy(out, 0, 0, size);
        chunk.copy(out, size, 0, room);
        resolve({ bytes: out, tooLarge: true });
        return;
      }
      if (size + chunk.byteLength > buffer.byteLength) {
        const grown = Buffer.allocUnsafe(
          Math.min(limit, Math.max(buffer.byteLength * 2, size + chunk.byteLength)),
        );
        buffer.copy(grown, 0, 0, size);
        buffer = grown;
      }
      chunk.copy(buffer, size);
      size += chunk.byteLength;
    };
    const onEnd = () => {
      done();
      resolve({ bytes: buffer.subarray(0, size), tooLarge: false });
    };
    const onError = (cause: Error) => {
      done();
      reject(new ClientClosedError({ cause }));
    };
    const onClose = () => {
      done();
      reject(new ClientClosedError());
    };
    incoming.on('data', onData);
    incoming.on('end', onEnd);
    incoming.on('error', onError);
    incoming.on('close', onClose);
  });
}

/** A web Request's body (under `app.request()`), copied into one buffer as it arrives. */
export async function readBody(request: Request, limit: number): Promise<BoundedBody> {
  const declared = Number(request.headers.get('content-length') ?? Number.NaN);
  if (Number.isFinite(declared) && declared > limit) {
    await request.body?.cancel().catch(() => undefined);
    return { bytes: new Uint8Array(0), tooLarge: true };
  }
  if (!request.body) return { bytes: new Uint8Array(0), tooLarge: false };
  let buffer = new Uint8Array(Number.isFinite(declared) ? declared : Math.min(limit, 16_384));
  let size = 0;
  const reader = request.body.getReader();
  for (;;) {
    let read: Awaited<ReturnType<typeof reader.read>>;
    try {
      read = await reader.read();
    } catch (cause) {
      throw new ClientClosedError({ cause });
    }
    if (read.done) break;
    const chunk = read.value;
    if (size + chunk.byteLength > limit) {
      await reader.cancel().catch(() => undefined);
      const out = new Uint8Array(limit);
      out.set(buffer.subarray(0, size));
      out.set(chunk.subarray(0, limit - size), size);
      return { bytes: out, tooLarge: true };
    }
    if (size + chunk.byteLength > buffer.byteLength) {
      const grown = new Uint8Array(
        Math.min(limit, Math.max(buffer.byteLength * 2, size + chunk.byteLength)),
      );
      grown.set(buffer.subarray(0, size));
      buffer = grown;
    }
    buffer.set(chunk, size);
    size += chunk.byteLength;
  }
  return { bytes: buffer.subarray(0, size), tooLarge: false };
}
