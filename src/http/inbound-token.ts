import { createHmac, hkdfSync, randomUUID, timingSafeEqual } from 'node:crypto';

// Access tokens for Incode's OAuth 2.0 client-credentials flow, signed rather than stored:
// any instance verifies them without the store, they survive a restart, and changing the
// client secret revokes every token issued under the old one.

const PREFIX = 'fas1';

export interface InboundTokenOptions {
  clientId: string;
  /** Tokens are signed with the first; any of them verifies (rotation without downtime). */
  clientSecrets: string[];
  ttlMs: number;
}

export interface IssuedToken {
  accessToken: string;
  expiresInSeconds: number;
}

const base64url = (data: Buffer | string) => Buffer.from(data).toString('base64url');

export function createInboundTokens(options: InboundTokenOptions) {
  const keys = options.clientSecrets.map((secret) =>
    Buffer.from(hkdfSync('sha256', secret, 'faceauth-shim', 'inbound access token v1', 32)),
  );
  const sign = (payload: string, key: Buffer) =>
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
      const signature = base64url(sign(payload, keys[0] as Buffer));
      return { accessToken: `${PREFIX}.${payload}.${signature}`, expiresInSeconds };
    },
    /** True for a token this service signed, for this client, not expired at `now`. */
    verify(token: string | undefined, now: number): boolean {
      if (!token) return false;
      const [prefix, payload, signature, extra] = token.split('.');
      if (prefix !== PREFIX || !payload || !signature || extra !== undefined) return false;
      const given = Buffer.from(signature, 'base64url');
      // One spelling only: base64url decoding ignores stray characters and padding.
      if (given.toString('base64url') !== signature) return false;
      let valid = false;
      for (const key of keys) {
        const expected = sign(payload, key);
        valid = (given.length === expected.length && timingSafeEqual(given, expected)) || valid;
      }
      if (!valid) return false;
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
