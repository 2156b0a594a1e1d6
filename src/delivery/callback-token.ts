import { request } from 'undici';
import { FaceauthError } from '../util/errors.js';

// OAuth 2.0 client credentials towards the callback, as Incode authenticated to it: a token
// fetched once, cached until shortly before it expires, fetched again when the callback
// answers 401. undici.request like the deliveries themselves; tests use a real token server.

export interface CallbackTokenOptions {
  tokenUrl: string;
  clientId: string;
  clientSecret: string;
  timeoutMs: number;
}

/** Thrown when the token endpoint does not give a token; the delivery attempt fails with it. */
export class CallbackTokenError extends FaceauthError {
  override readonly name = 'CallbackTokenError';
  readonly code = 'callback_token_failed';
}

/** Renew this long before the token says it expires. */
const EARLY_MS = 30_000;

/**
 * The largest token endpoint answer read, in bytes. A token answer is a few hundred bytes (a
 * JWT a few kilobytes); a larger one fails the token fetch without being read further.
 */
export const TOKEN_ANSWER_LIMIT = 64 * 1024;

type ResponseBody = Awaited<ReturnType<typeof request>>['body'];

/** The body as text, or undefined when it is longer than `limit` (then it is not read further). */
async function readLimited(
  body: ResponseBody,
  declaredLength: string | string[] | undefined,
  limit: number,
): Promise<string | undefined> {
  const declared = Number(typeof declaredLength === 'string' ? declaredLength : Number.NaN);
  if (Number.isFinite(declared) && declared > limit) {
    body.destroy();
    return undefined;
  }
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of body) {
    const bytes = Buffer.isBuffer(chunk) ? chunk : Buffer.from(chunk as Uint8Array);
    size += bytes.byteLength;
    // Leaving the loop destroys the stream: the rest is never read.
    if (size > limit) return undefined;
    chunks.push(bytes);
  }
  return Buffer.concat(chunks).toString('utf8');
}

export function createCallbackTokens(options: CallbackTokenOptions) {
  let cached: { token: string; until: number } | undefined;
  let pending: Promise<string> | undefined;
  // As Incode sent it to the same token endpoint: plain base64(client_id:client_secret).
  const basic = Buffer.from(`${options.clientId}:${options.clientSecret}`).toString('base64');

  async function fetchToken(): Promise<string> {
    const started = Date.now();
    let response: Awaited<ReturnType<typeof request>>;
    try {
      response = await request(options.tokenUrl, {
        method: 'POST',
        headers: {
          authorization: `Basic ${basic}`,
          'content-type': 'application/x-www-form-urlencoded',
          accept: 'application/json',
        },
        body: 'grant_type=client_credentials',
        signal: AbortSignal.timeout(options.timeoutMs),
      });
    } catch (error) {
      throw new CallbackTokenError(
        `token endpoint: ${(error as { code?: string }).code ?? (error as Error).name}`,
      );
    }
    let text: string | undefined;
    let readError: unknown;
    try {
      text = await readLimited(
        response.body,
        response.headers['content-length'],
        TOKEN_ANSWER_LIMIT,
      );
    } catch (error) {
      readError = error;
    }
    if (response.statusCode !== 200) {
      throw new CallbackTokenError(`token endpoint answered ${response.statusCode}`);
    }
    if (readError !== undefined) {
      const { code, name } = readError as { code?: string; name?: string };
      throw new CallbackTokenError(`token endpoint: ${code ?? name} while reading the answer`);
    }
    if (text === undefined) {
      throw new CallbackTokenError(
        `token endpoint answered more than ${TOKEN_ANSWER_LIMIT} bytes; a token answer is a short JSON object`,
      );
    }
    let body: { access_token?: unknown; expires_in?: unknown };
    try {
      body = JSON.parse(text) as typeof body;
    } catch {
      throw new CallbackTokenError('token endpoint answered no JSON');
    }
    if (typeof body.access_token !== 'string' || body.access_token === '') {
      throw new CallbackTokenError('token endpoint answered no access_token');
    }
    const expiresIn =
      typeof body.expires_in === 'number' && body.expires_in > 0 ? body.expires_in : 300;
    cached = {
      token: body.access_token,
      until: started + Math.max(expiresIn * 1000 - EARLY_MS, expiresIn * 500),
    };
    return body.access_token;
  }

  return {
    /** A valid token: the cached one, or a new one (one request at a time). */
    async get(): Promise<string> {
      if (cached && Date.now() < cached.until) return cached.token;
      pending ??= fetchToken().finally(() => {
        pending = undefined;
      });
      return pending;
    },
    /** Forgets `token` after the callback refused it, so the next get() fetches a new one. */
    invalidate(token: string): void {
      if (cached?.token === token) cached = undefined;
    },
  };
}

export type CallbackTokens = ReturnType<typeof createCallbackTokens>;
