import { getConnInfo } from '@hono/node-server/conninfo';
import { type Context, Hono } from 'hono';
import type { Logger } from '../ops/logger.js';
import type { Metrics } from '../ops/metrics.js';
import { secretsEqual } from './constant-time.js';
import type { FailureLimiter } from './failure-limiter.js';
import type { InboundTokens } from './inbound-token.js';

export interface OAuthRoutesOptions {
  clientId: string;
  /** Every accepted secret (the first is current; the others during a rotation). */
  clientSecrets: string[];
  tokens: InboundTokens;
  limiter: FailureLimiter;
  metrics: Metrics;
  logger: Logger;
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
 * `POST /oauth/token`: the OAuth 2.0 client-credentials grant (RFC 6749 section 4.4), as Incode
 * calls it before each webhook: Basic client authentication, a form body with
 * `grant_type=client_credentials`, a JSON answer with a signed bearer token.
 */
export function oauthRoutes(options: OAuthRoutesOptions): Hono {
  const { clientId, clientSecrets, tokens, limiter, metrics, logger } = options;
  const app = new Hono();

  app.post(ROUTE, async function issueToken(c) {
    const now = Date.now();
    const address = addressOf(c);
    c.header('cache-control', 'no-store');
    c.header('pragma', 'no-cache');
    const credentials = basicCredentials(c.req.header('authorization'));
    const idOk = matches(credentials?.id, clientId);
    const secretOk = clientSecrets
      .map((secret) => matches(credentials?.secret, secret))
      .some(Boolean);
    if (!credentials || !idOk || !secretOk) {
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
      logger.warn({ route: ROUTE, address }, 'oauth: client authentication failed');
      c.header('www-authenticate', 'Basic realm="faceauth-shim"');
      return c.json(
        { error: 'invalid_client', error_description: 'unknown client or wrong secret' },
        401,
      );
    }
    const type = c.req.header('content-type')?.split(';')[0]?.trim().toLowerCase();
    if (type !== 'application/x-www-form-urlencoded') {
      return c.json(
        {
          error: 'invalid_request',
          error_description: 'expected Content-Type: application/x-www-form-urlencoded',
        },
        400,
      );
    }
    const form = new URLSearchParams(await c.req.text());
    const grant = form.get('grant_type');
    if (!grant) {
      return c.json({ error: 'invalid_request', error_description: 'grant_type is missing' }, 400);
    }
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
