import type { Config } from '../config/config.js';
import { secretsEqual } from './constant-time.js';
import type { InboundTokens } from './inbound-token.js';

export interface InboundAuthOptions {
  header: Config['inboundHeader'];
  /** Set when INBOUND_OAUTH_* is: webhooks then need `Authorization: Bearer <token>`. */
  tokens: InboundTokens | undefined;
}

/**
 * Checks a webhook's credentials from its headers alone. Every configured method must pass:
 * with both the static header and OAuth set, Incode sends both.
 * Returns undefined when the request may go on, else what is missing, for the 401.
 */
export function createInboundAuth(options: InboundAuthOptions) {
  const { header, tokens } = options;
  return function checkInbound(
    get: (name: string) => string | undefined,
    now: number,
  ): string | undefined {
    if (header) {
      const presented = get(header.name);
      // Compare with every accepted value, so the time taken does not tell which one matched.
      let matched = false;
      for (const value of header.values) matched = secretsEqual(presented, value) || matched;
      if (!matched) return `missing or wrong ${header.name} header`;
    }
    if (tokens) {
      const authorization = get('authorization');
      const token = /^Bearer (\S+)$/i.exec(authorization ?? '')?.[1];
      if (!tokens.verify(token, now)) {
        return token
          ? 'the bearer token is not valid or has expired; get a new one from POST /oauth/token'
          : 'missing Authorization: Bearer <token> (from POST /oauth/token)';
      }
    }
    return undefined;
  };
}

export type InboundAuth = ReturnType<typeof createInboundAuth>;
