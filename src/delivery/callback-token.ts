import * as oauth from 'oauth4webapi';
import { request } from 'undici';
import type { CallbackOAuthAuthMethod } from './callback-oauth-method.js';
import { CallbackTokenError } from './callback-token-error.js';
import { describeTokenFailure } from './token-failure.js';

export { CallbackTokenError } from './callback-token-error.js';

// OAuth 2.0 client credentials towards the callback, as Incode authenticated to it: a token
// fetched once, cached until shortly before it expires, fetched again when the callback
// answers 401. The protocol (client authentication by RFC 6749 §2.3.1, the token answer's
// checks, error answers) is oauth4webapi's; the HTTP under it is undici.request, like the
// deliveries themselves, so that the answer is read with a cap and a timeout. Tests use a
// standards-strict token server (oidc-provider) on loopback.

export interface CallbackTokenOptions {
  tokenUrl: string;
  clientId: string;
  clientSecret: string;
  /** client_secret_basic (the default): an Authorization header; client_secret_post: the form. */
  authMethod?: CallbackOAuthAuthMethod | undefined;
  timeoutMs: number;
}

/** Renew this long before the token says it expires. */
const EARLY_MS = 30_000;
/** A token answer without expires_in is kept this long (RFC 6749 leaves it to the client). */
const DEFAULT_EXPIRES_IN_S = 300;

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

/**
 * undici's stable code (ECONNREFUSED, UND_ERR_SOCKET...), or the error's name (TimeoutError: a
 * DOMException's numeric code says nothing).
 */
function failureName(error: unknown): string {
  const code = (error as { code?: unknown } | null)?.code;
  if (typeof code === 'string') return code;
  return error instanceof Error ? error.name : 'unknown error';
}

/**
 * A token answer without token_type, read as Bearer. RFC 6749 §5.1 requires the field, and
 * oauth4webapi refuses an answer without it; faceauth-shim took such answers before it used
 * oauth4webapi (some token endpoints written for a single client leave it out), so an upgrade
 * keeps working with them. Any other token_type is still checked (Bearer only).
 */
function bearerByDefault(text: string): string {
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    return text;
  }
  if (json === null || typeof json !== 'object' || Array.isArray(json) || 'token_type' in json) {
    return text;
  }
  return JSON.stringify({ ...json, token_type: 'Bearer' });
}

/** Statuses whose Response cannot carry a body (the Fetch standard's "null body status"). */
const NULL_BODY = new Set([101, 103, 204, 205, 304]);

/**
 * oauth4webapi's fetch, made of undici.request: the answer is read to TOKEN_ANSWER_LIMIT at
 * most, within the timeout's signal, then handed over as a web Response. No redirect is
 * followed (undici.request never does; a token endpoint that redirects fails the fetch).
 */
async function cappedFetch(
  url: string,
  init: oauth.CustomFetchOptions<'POST', URLSearchParams>,
): Promise<Response> {
  let answer: Awaited<ReturnType<typeof request>>;
  try {
    answer = await request(url, {
      method: init.method,
      headers: init.headers,
      body: init.body.toString(),
      ...(init.signal ? { signal: init.signal } : {}),
    });
  } catch (error) {
    throw new CallbackTokenError(`token endpoint: ${failureName(error)}`);
  }
  let text: string | undefined;
  let readError: unknown;
  try {
    text = await readLimited(answer.body, answer.headers['content-length'], TOKEN_ANSWER_LIMIT);
  } catch (error) {
    readError = error;
  }
  // An error answer that cannot be read whole is still that status.
  if (answer.statusCode !== 200 && (readError !== undefined || text === undefined)) {
    throw new CallbackTokenError(`token endpoint answered ${answer.statusCode}`);
  }
  if (readError !== undefined) {
    throw new CallbackTokenError(
      `token endpoint: ${failureName(readError)} while reading the answer`,
    );
  }
  if (text === undefined) {
    throw new CallbackTokenError(
      `token endpoint answered more than ${TOKEN_ANSWER_LIMIT} bytes; a token answer is a short JSON object`,
    );
  }
  const headers = new Headers();
  for (const [name, value] of Object.entries(answer.headers)) {
    for (const one of Array.isArray(value) ? value : [value]) {
      if (one !== undefined) headers.append(name, one);
    }
  }
  const body = answer.statusCode === 200 ? bearerByDefault(text) : text;
  return new Response(NULL_BODY.has(answer.statusCode) ? null : body, {
    status: answer.statusCode,
    headers,
  });
}

export function createCallbackTokens(options: CallbackTokenOptions) {
  let cached: { token: string; until: number } | undefined;
  let pending: Promise<string> | undefined;
  const url = new URL(options.tokenUrl);
  // No discovery: the token endpoint is configured, and a client credentials answer carries no
  // ID token whose issuer would be checked.
  const server: oauth.AuthorizationServer = { issuer: url.origin, token_endpoint: url.href };
  const client: oauth.Client = { client_id: options.clientId };
  // Both encode the id and the secret as RFC 6749 §2.3.1 asks (application/x-www-form-urlencoded
  // before base64 for Basic): a secret holding + % : / = reaches a strict server intact.
  const authenticate =
    options.authMethod === 'client_secret_post'
      ? oauth.ClientSecretPost(options.clientSecret)
      : oauth.ClientSecretBasic(options.clientSecret);

  async function fetchToken(): Promise<string> {
    const started = Date.now();
    let answer: oauth.TokenEndpointResponse;
    try {
      const response = await oauth.clientCredentialsGrantRequest(
        server,
        client,
        authenticate,
        new URLSearchParams(),
        {
          [oauth.customFetch]: cappedFetch,
          // CALLBACK_OAUTH_TOKEN_URL may be http:// (config.ts allows it, as for the callback).
          [oauth.allowInsecureRequests]: url.protocol === 'http:',
          signal: AbortSignal.timeout(options.timeoutMs),
        },
      );
      answer = await oauth.processClientCredentialsResponse(server, client, response);
      // oauth4webapi also takes DPoP-bound tokens; this client sends every token as a Bearer.
      if (answer.token_type !== 'bearer') throw new oauth.UnsupportedOperationError('DPoP');
    } catch (error) {
      // No cause: oauth4webapi's errors hold the answer, which is not for logs.
      throw new CallbackTokenError(await describeTokenFailure(error, options.clientSecret));
    }
    const expiresIn =
      typeof answer.expires_in === 'number' && answer.expires_in > 0
        ? answer.expires_in
        : DEFAULT_EXPIRES_IN_S;
    cached = {
      token: answer.access_token,
      until: started + Math.max(expiresIn * 1000 - EARLY_MS, expiresIn * 500),
    };
    return answer.access_token;
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
