import { errors, Pool } from 'undici';
import type { OutboxItem } from '../store/delivery-types.js';
import { deadline } from '../util/deadline.js';
import { codeOf } from '../util/errors.js';
import type { CallbackTokens } from './callback-token.js';
import { parseRetryAfter } from './retry-after.js';
import type { Signer } from './signing.js';

// Deliveries go out through undici's Pool, not global fetch: a keep-alive pool per callback
// origin, its own timeouts, and no redirect following. msw does not see undici.request, so
// tests deliver to a real HTTP server on loopback (see docs/decisions.md, "Why undici").

export interface CallbackClientOptions {
  url: string;
  timeoutMs: number;
  /** Static headers sent on every delivery (CALLBACK_HEADERS). */
  headers: Record<string, string>;
  connections: number;
  /** OAuth 2.0 client credentials towards the callback (CALLBACK_OAUTH_*). */
  tokens?: CallbackTokens | undefined;
  /** Standard Webhooks signatures (CALLBACK_SIGNING_SECRET). */
  signer?: Signer | undefined;
}

export interface DeliveryOutcome {
  ok: boolean;
  statusCode: number | null;
  /** Why the attempt failed when there was no HTTP answer (timeout, refused, reset...). */
  error: string | null;
  /** From Retry-After on a failed answer (429 and 503 send it most). */
  retryAfterMs: number | null;
  /** The attempt was cut short by `signal` (a stop), not by the callback: it does not count. */
  abandoned: boolean;
}

export interface CallbackClient {
  /** One attempt; `signal` abandons it (the outcome then says `abandoned`). */
  send(item: OutboxItem, signal?: AbortSignal): Promise<DeliveryOutcome>;
  /** Waits for requests in flight, then closes the connections. */
  close(): Promise<void>;
}

const USER_AGENT = 'faceauth-shim/0.1';
/** Past this, the rest of a callback's answer is not read. */
const MAX_ANSWER_BYTES = 64 * 1024;

export function createCallbackClient(options: CallbackClientOptions): CallbackClient {
  const url = new URL(options.url);
  const path = `${url.pathname}${url.search}`;
  const pool = new Pool(url.origin, {
    connections: options.connections,
    keepAliveTimeout: 30_000,
    connectTimeout: Math.min(options.timeoutMs, 10_000),
    headersTimeout: options.timeoutMs,
    bodyTimeout: options.timeoutMs,
  });

  /** One request; the answer read to its end (a reset mid-answer fails the attempt). */
  async function post(item: OutboxItem, signal: AbortSignal, token: string | undefined) {
    const response = await pool.request({
      method: 'POST',
      path,
      headers: {
        ...options.headers,
        ...(token ? { authorization: `Bearer ${token}` } : {}),
        ...(options.signer ? options.signer(item.eventId, item.body, Date.now()) : {}),
        'content-type': 'application/json',
        'user-agent': USER_AGENT,
        'x-faceauth-event-id': item.eventId,
        'x-faceauth-source': item.source,
      },
      body: item.body,
      signal,
    });
    let read = 0;
    for await (const chunk of response.body) {
      read += (chunk as Buffer).byteLength;
      if (read > MAX_ANSWER_BYTES) {
        response.body.destroy();
        break;
      }
    }
    return response;
  }

  return {
    async send(item, abandon) {
      const attempt = deadline(options.timeoutMs, abandon);
      const { signal } = attempt;
      try {
        let token = options.tokens ? await options.tokens.get() : undefined;
        let response = await post(item, signal, token);
        if (response.statusCode === 401 && options.tokens && token) {
          // The callback refused the token: fetch a new one, and try once more now.
          options.tokens.invalidate(token);
          token = await options.tokens.get();
          response = await post(item, signal, token);
        }
        const { statusCode } = response;
        const retryAfter = response.headers['retry-after'];
        return {
          ok: statusCode >= 200 && statusCode < 300,
          statusCode,
          error: null,
          abandoned: false,
          // Honoured on any failed answer; 429 and 503 are the usual senders.
          retryAfterMs:
            statusCode >= 300
              ? parseRetryAfter(Array.isArray(retryAfter) ? retryAfter[0] : retryAfter, Date.now())
              : null,
        };
      } catch (error) {
        return {
          ok: false,
          statusCode: null,
          error:
            codeOf(error) === 'callback_token_failed' ? (error as Error).message : describe(error),
          retryAfterMs: null,
          abandoned: abandon?.aborted === true && !attempt.timedOut,
        };
      } finally {
        attempt.release();
      }
    },
    async close() {
      await pool.close();
    },
  };
}

/** A short, stable description of why no HTTP answer came. */
function describe(error: unknown): string {
  if (error instanceof Error) {
    if (
      error.name === 'TimeoutError' ||
      error instanceof errors.HeadersTimeoutError ||
      error instanceof errors.BodyTimeoutError
    ) {
      return 'timeout';
    }
    const code = (error as { code?: unknown }).code;
    if (typeof code === 'string') return code;
    const causeCode = (error.cause as { code?: unknown } | undefined)?.code;
    if (typeof causeCode === 'string') return causeCode;
    return error.name;
  }
  return 'unknown error';
}
