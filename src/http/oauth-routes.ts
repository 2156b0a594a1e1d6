import { getConnInfo } from '@hono/node-server/conninfo';
import { type Context, Hono } from 'hono';
import type { Metrics } from '../ops/metrics.js';
import type { RejectionLog } from '../ops/rejection-log.js';
import { secretsEqual } from './constant-time.js';
import type { FailureLimiter } from './failure-limiter.js';
import type { InboundTokens } from './inbound-token.js';
import { type BodyBudget, readRequestBody } from './read-body.js';

export interface OAuthRoutesOptions {
  clientId: string;
  /** Every accepted secret (the first is current; the others during a rotation). */
  clientSecrets: string[];
  tokens: InboundTokens;
  limiter: FailureLimiter;
  metrics: Metrics;
  /** Refused clients are logged through it: the first, then a count per interval. */
  rejections: RejectionLog;
  /** Bodies read at once across every connection (MAX_BODIES_IN_FLIGHT). */
  bodies?: BodyBudget;
}

const ROUTE = '/oauth/token';

/** The remote address of the request, when it came through a real socket. */
function addressOf(c: Context): string {
  try {
    return getConnInfo(c).remote.address ?? 'unknown';
  } catch {
    return 'unknown';
  }
}

/**
 * `{client_id}:{client_secret}` from `Authorization: Basic`, as sent: Incode sends plain
 * `base64(client_id:client_secret)`. A client that form-encodes them first (RFC 6749 2.3.1)
 * is understood too, see `matches`.
 */
function basicCredentials(header: string | undefined): { id: string; secret: string } | undefined {
  const encoded = /^Basic ([A-Za-z0-9+/=]+)$/i.exec(header ?? '')?.[1];
  if (!encoded) return undefined;
  const decoded = Buffer.from(encoded, 'base64').toString('utf8');
  const colon = decoded.indexOf(':');
  if (colon < 0) return undefined;
  return { id: decoded.slice(0, colon), secret: decoded.slice(colon + 1) };
}

const formDecoded = (text: string): string | undefined => {
  try {
    return decodeURIComponent(text.replace(/\+/g, ' '));
  } catch {
    return undefined;
  }
};

/** The presented value equals the expected one, as sent or form-decoded; constant time. */
function matches(presented: string | undefined, expected: string): boolean {
  const raw = secretsEqual(presented, expected);
  const decoded = secretsEqual(
    presented === undefined ? undefined : formDecoded(presented),
    expected,
  );
  return raw || decoded;
}

/**
 * The largest token request body read, in bytes. A client-credentials request is a few dozen
 * bytes (`grant_type=client_credentials`, plus `client_id` and `client_secret` with
 * client_secret_post); a larger one gets 413 after at most this much is read.
 */
export const TOKEN_BODY_LIMIT = 8 * 1024;

/** Form parameters that RFC 6749 (section 3.2) says must not be sent more than once. */
const SINGLE = ['grant_type', 'client_id', 'client_secret'] as const;

const utf8 = new TextDecoder('utf-8');

/**
 * `POST /oauth/token`: the OAuth 2.0 client-credentials grant (RFC 6749 section 4.4), as Incode
 * calls it before each webhook: the client authenticates with `Authorization: Basic`
 * (client_secret_basic) or with `client_id` and `client_secret` in the form body
 * (client_secret_post, RFC 6749 2.3.1), never both; the form body carries
 * `grant_type=client_credentials`; the answer is JSON with a signed bearer token.
 *
 * Order: with an Authorization header, its credentials are checked before the body is read
 * (401); without one, the body is read first, bounded by TOKEN_BODY_LIMIT (413), since it holds
 * the credentials.
 */
export function oauthRoutes(options: OAuthRoutesOptions): Hono {
  const { clientId, clientSecrets, tokens, limiter, metrics, rejections } = options;
  const app = new Hono();

  const oauthError = (c: Context, status: 400 | 413, error: string, description: string) =>
    c.json({ error, error_description: description }, status);

  /** Whether the presented credentials are the client's; compares with every secret. */
  function clientMatches(
    credentials: { id: string; secret: string } | undefined,
    compare: (presented: string | undefined, expected: string) => boolean,
  ): boolean {
    const idOk = compare(credentials?.id, clientId);
    const secretOk = clientSecrets
      .map((secret) => compare(credentials?.secret, secret))
      .some(Boolean);
    return credentials !== undefined && idOk && secretOk;
  }

  /** The answer to a refused client: counted once, slowed down after repeated failures. */
  function refuseClient(c: Context, address: string, now: number) {
    metrics.unauthorized.inc({ route: ROUTE });
    // Only wrong credentials are slowed down: right ones are never refused, so nobody can
    // lock Incode out by failing from the same address (a proxy's, say).
    const wait = limiter.retryAfterMs(address, now);
    if (wait > 0) {
      c.header('retry-after', String(Math.ceil(wait / 1000)));
      return c.json(
        { error: 'slow_down', error_description: 'too many failed attempts; try again later' },
        429,
      );
    }
    limiter.fail(address, now);
    rejections.warn(ROUTE, { route: ROUTE, address }, 'oauth: client authentication failed');
    c.header('www-authenticate', 'Basic realm="faceauth-shim"');
    return c.json(
      { error: 'invalid_client', error_description: 'unknown client or wrong secret' },
      401,
    );
  }

  const isForm = (c: Context) =>
    c.req.header('content-type')?.split(';')[0]?.trim().toLowerCase() ===
    'application/x-www-form-urlencoded';

  /** The form body, read up to TOKEN_BODY_LIMIT; undefined when it is larger. */
  async function readForm(c: Context): Promise<URLSearchParams | undefined> {
    const { bytes, tooLarge } = await readRequestBody(c, TOKEN_BODY_LIMIT, options.bodies);
    if (tooLarge) return undefined;
    return new URLSearchParams(utf8.decode(bytes));
  }

  const tooLarge = (c: Context) =>
    oauthError(
      c,
      413,
      'invalid_request',
      `the request body is larger than ${TOKEN_BODY_LIMIT} bytes; a token request is a short form`,
    );

  app.post(ROUTE, async function issueToken(c) {
    const now = Date.now();
    const address = addressOf(c);
    c.header('cache-control', 'no-store');
    c.header('pragma', 'no-cache');
    const authorization = c.req.header('authorization');
    let form: URLSearchParams;
    if (authorization !== undefined) {
      // client_secret_basic: the credentials are checked from the header alone.
      if (!clientMatches(basicCredentials(authorization), matches)) {
        return refuseClient(c, address, now);
      }
      if (!isForm(c)) return wrongContentType(c);
      const read = await readForm(c);
      if (!read) return tooLarge(c);
      if (read.has('client_id') || read.has('client_secret')) {
        return oauthError(
          c,
          400,
          'invalid_request',
          'use one client authentication method: Authorization: Basic, or client_id and client_secret in the body, not both',
        );
      }
      form = read;
    } else {
      // client_secret_post: the credentials are in the form body, so it is read first.
      if (!isForm(c)) return refuseClient(c, address, now);
      const read = await readForm(c);
      if (!read) return tooLarge(c);
      const id = read.get('client_id');
      const secret = read.get('client_secret');
      const presented = id !== null && secret !== null ? { id, secret } : undefined;
      if (!clientMatches(presented, secretsEqual)) return refuseClient(c, address, now);
      form = read;
    }
    const repeated = SINGLE.find((name) => form.getAll(name).length > 1);
    if (repeated) {
      return oauthError(c, 400, 'invalid_request', `${repeated} is sent more than once`);
    }
    const grant = form.get('grant_type');
    if (!grant) return oauthError(c, 400, 'invalid_request', 'grant_type is missing');
    if (grant !== 'client_credentials') {
      return c.json(
        {
          error: 'unsupported_grant_type',
          error_description: 'only client_credentials is supported',
        },
        400,
      );
    }
    limiter.succeed(address);
    const issued = tokens.issue(now);
    return c.json({
      access_token: issued.accessToken,
      token_type: 'Bearer',
      expires_in: issued.expiresInSeconds,
    });
  });

  return app;
}

const wrongContentType = (c: Context) =>
  c.json(
    {
      error: 'invalid_request',
      error_description: 'expected Content-Type: application/x-www-form-urlencoded',
    },
    400,
  );
