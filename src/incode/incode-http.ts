import { STATUS_CODES } from 'node:http';
import { deadline } from '../util/deadline.js';
import { IncodeErrorBody } from './score-schema.js';

// One request to the Incode API and what came of it, in words a person can act on. Global
// fetch on purpose (the deliveries use undici.request): the Incode API is a few calls an
// event, and tests intercept them with msw as if Incode answered.

/** Past this, an answer is not read further: nothing Incode sends here comes near it. */
export const MAX_ANSWER_BYTES = 1024 * 1024;

export interface IncodeRequest {
  method: 'GET' | 'POST';
  url: string;
  /** The call named in messages, without host or query: `GET /omni/get/score`. */
  call: string;
  headers: Record<string, string>;
  body?: string;
  timeoutMs: number;
  /** Aborted when the client closes. */
  closed: AbortSignal;
}

export type Exchange =
  | {
      kind: 'answer';
      status: number;
      /** The reason phrase, or the standard one when the answer has none (HTTP/2). */
      statusText: string;
      /** The body, or null when it is larger than MAX_ANSWER_BYTES. */
      text: string | null;
    }
  | {
      kind: 'no-answer';
      /** One line: `Incode GET /omni/get/score timed out after 10000 ms`. */
      error: string;
    };

/** Errors that say the connection was never made, as opposed to one that broke. */
const CONNECT_CODES = new Set([
  'ECONNREFUSED',
  'ENOTFOUND',
  'EAI_AGAIN',
  'EHOSTUNREACH',
  'ENETUNREACH',
  'UND_ERR_CONNECT_TIMEOUT',
  'CERT_HAS_EXPIRED',
  'DEPTH_ZERO_SELF_SIGNED_CERT',
  'UNABLE_TO_VERIFY_LEAF_SIGNATURE',
  'ERR_TLS_CERT_ALTNAME_INVALID',
]);

/**
 * Sends one request and reads its answer, bounded by `timeoutMs` from start to last byte.
 * Redirects are not followed: the API key and token would go along to wherever they point.
 */
export async function exchange(request: IncodeRequest): Promise<Exchange> {
  const call = deadline(request.timeoutMs, request.closed);
  try {
    const response = await fetch(request.url, {
      method: request.method,
      headers: request.headers,
      ...(request.body === undefined ? {} : { body: request.body }),
      redirect: 'manual',
      signal: call.signal,
    });
    const text = await readText(response, MAX_ANSWER_BYTES);
    return {
      kind: 'answer',
      status: response.status,
      statusText: response.statusText || STATUS_CODES[response.status] || '',
      text,
    };
  } catch (error) {
    let why: string;
    if (call.timedOut) why = `timed out after ${request.timeoutMs} ms`;
    else if (request.closed.aborted) why = 'abandoned: the Incode client was closed';
    else why = describeFailure(error);
    return { kind: 'no-answer', error: `Incode ${request.call} ${why}` };
  } finally {
    call.release();
  }
}

/** The body as text, or null past `limit` bytes (the rest is not read). */
async function readText(response: Response, limit: number): Promise<string | null> {
  const declared = Number(response.headers.get('content-length') ?? Number.NaN);
  if (!response.body) return '';
  if (Number.isFinite(declared) && declared > limit) {
    await response.body.cancel().catch(() => undefined);
    return null;
  }
  const decoder = new TextDecoder();
  const reader = response.body.getReader();
  let size = 0;
  let text = '';
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    size += value.byteLength;
    if (size > limit) {
      await reader.cancel().catch(() => undefined);
      return null;
    }
    text += decoder.decode(value, { stream: true });
  }
  return text + decoder.decode();
}

/** Why fetch gave no answer: the system's error code when there is one. */
function describeFailure(error: unknown): string {
  if (!(error instanceof Error)) return 'failed: unknown error';
  const code = codeOf(error.cause) ?? codeOf(error);
  if (code)
    return CONNECT_CODES.has(code) ? `cannot connect: ${code}` : `connection failed: ${code}`;
  const cause = error.cause instanceof Error ? error.cause.message : undefined;
  return `network error: ${cause ?? error.message}`;
}

function codeOf(error: unknown): string | undefined {
  if (typeof error !== 'object' || error === null) return undefined;
  const code = (error as { code?: unknown }).code;
  if (typeof code === 'string') return code;
  // Node reports a refused dual-stack connect as an AggregateError of one error per address.
  const errors = (error as { errors?: unknown }).errors;
  return Array.isArray(errors) ? codeOf(errors[0]) : undefined;
}

/** The body as JSON, or undefined when it is none. */
export function parseJson(text: string): unknown {
  try {
    return JSON.parse(text) as unknown;
  } catch {
    return undefined;
  }
}

/** Incode's error body, when the answer carries one. */
export function readIncodeError(text: string | null): IncodeErrorBody | undefined {
  if (text === null) return undefined;
  const parsed = IncodeErrorBody.safeParse(parseJson(text));
  return parsed.success ? parsed.data : undefined;
}

/** Worth trying again later: Incode was unwell or busy, not the request wrong. */
export function isRetryableStatus(status: number): boolean {
  return status >= 500 || status === 429 || status === 408;
}

/** `Incode GET /omni/get/score answered 500 Internal Server Error: "<message>"`. */
export function describeAnswer(
  call: string,
  answer: { status: number; statusText: string },
  errorBody: IncodeErrorBody | undefined,
): string {
  const said = errorBody?.message || errorBody?.error;
  const quoted = said
    ? `: ${JSON.stringify(said.length > 300 ? `${said.slice(0, 300)}...` : said)}`
    : '';
  return `Incode ${call} answered ${answer.status} ${answer.statusText}`.trimEnd() + quoted;
}

/** The parts of an error body worth a log line; other fields are not copied. */
export function loggableError(
  errorBody: IncodeErrorBody | undefined,
  scrub: (text: string) => string,
): { status?: number | string; error?: string; message?: string; path?: string } | undefined {
  if (!errorBody) return undefined;
  const { status, error, message, path } = errorBody;
  return {
    ...(status == null ? {} : { status }),
    ...(error == null ? {} : { error: scrub(error) }),
    ...(message == null ? {} : { message: scrub(message) }),
    ...(path == null ? {} : { path: scrub(path) }),
  };
}

/**
 * Replaces every secret found in a text with `[redacted]`. Incode's messages are not ours:
 * one could echo the email or the token it refused, and they go into logs and the store.
 */
export function createScrubber(secrets: () => readonly string[]): (text: string) => string {
  return (text) => {
    let out = text;
    // Longest first: a secret that is part of another must not leave the rest readable.
    for (const secret of [...secrets()].sort((a, b) => b.length - a.length)) {
      if (secret !== '') out = out.split(secret).join('[redacted]');
    }
    return out;
  };
}

/** Whether a value can go into a header as is (fetch refuses control characters). */
export function isHeaderSafe(value: string): boolean {
  return /^[\x21-\x7e]+$/.test(value);
}
