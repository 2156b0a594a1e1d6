import { createHmac, hkdfSync, randomUUID, timingSafeEqual } from 'node:crypto';

// Access tokens for Incode's OAuth 2.0 client-credentials flow, signed rather than stored:
// any instance verifies them without the store, they survive a restart, and changing the
// client secret revokes every token issued under the old one.

const PREFIX = 'fas1';

export interface InboundTokenOptions {
  clientId: string;
  clientSecret: string;
  ttlMs: number;
}

export interface IssuedToken {
  accessToken: string;
  expiresInSeconds: number;
}

const base64url = (data: Buffer | string) => Buffer.from(data).toString('base64url');

export function createInboundTokens(options: InboundTokenOptions) {
  const key = Buffer.from(
    hkdfSync('sha256', options.clientSecret, 'faceauth-shim', 'inbound access token v1', 32),
  );
  const sign = (payload: string) =>
    createHmac('sha256', key).update(`${PREFIX}.${payload}`).digest();

  return {
    issue(now: number): IssuedToken {
      const expiresInSeconds = Math.floor(options.ttlMs / 1000);
      const payload = base64url(
        JSON.stringify({
          sub: options.clientId,
          exp: Math.floor(now / 1000) + expiresInSeconds,
          jti: randomUUID(),
        }),
      );
      return { accessToken: `${PREFIX}.${payload}.${base64url(sign(payload))}`, expiresInSeconds };
    },
    /** True for a token this service signed, for this client, not expired at `now`. */
    verify(token: string | undefined, now: number): boolean {
      if (!token) return false;
      const [prefix, payload, signature, extra] = token.split('.');
      if (prefix !== PREFIX || !payload || !signature || extra !== undefined) return false;
      const expected = sign(payload);
      const given = Buffer.from(signature, 'base64url');
      if (given.length !== expected.length || !timingSafeEqual(given, expected)) return false;
      try {
        const claims = JSON.parse(Buffer.from(payload, 'base64url').toString('utf8')) as {
          sub?: unknown;
          exp?: unknown;
        };
        return (
          claims.sub === options.clientId &&
          typeof claims.exp === 'number' &&
          claims.exp * 1000 > now
        );
      } catch {
        return false;
      }
    },
  };
}

export type InboundTokens = ReturnType<typeof createInboundTokens>;
