import { generateKeyPairSync } from 'node:crypto';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Adapter, AdapterPayload } from 'oidc-provider';

// A standards-strict OAuth 2.0 token endpoint in the test process: panva's oidc-provider (the
// certified OpenID provider many real token servers are built on) with the client credentials
// grant, on 127.0.0.1 and a free port. It reads Basic credentials as RFC 6749 §2.3.1 says
// (form-urlencoded before base64) and answers errors as §5.2 says.

export interface OidcClient {
  id: string;
  secret: string;
  method: 'client_secret_basic' | 'client_secret_post';
}

export interface OidcTokenServer {
  /** The token endpoint, for CALLBACK_OAUTH_TOKEN_URL. */
  tokenUrl: string;
  /** Access tokens issued so far (opaque tokens: the value is the token's id). */
  issued: string[];
  /** Token requests refused, with the OAuth error code each got. */
  refused: string[];
  /**
   * How each request authenticated: a Basic Authorization header, or not (then the form). The
   * server itself takes either for a client registered with one of them.
   */
  methods: OidcClient['method'][];
  /** oidc-provider's own failures (answered 500 server_error); none in a passing test. */
  serverErrors: string[];
  close(): Promise<void>;
}

/**
 * oidc-provider keeps what it issues in an adapter; its own in-memory one warns on the console
 * (which fails a test here), so this is the same idea in a Map, one per server.
 */
function memoryAdapter(): (name: string) => Adapter {
  const store = new Map<string, AdapterPayload>();
  return (name) => {
    const key = (id: string) => `${name}:${id}`;
    return {
      async upsert(id, payload) {
        store.set(key(id), payload);
      },
      async find(id) {
        return store.get(key(id));
      },
      async findByUserCode() {
        return undefined;
      },
      async findByUid() {
        return undefined;
      },
      async consume(id) {
        const payload = store.get(key(id));
        if (payload) payload.consumed = Math.floor(Date.now() / 1000);
      },
      async destroy(id) {
        store.delete(key(id));
      },
      async revokeByGrantId() {},
    };
  };
}

// oidc-provider warns on the console when it is loaded on a Node release that is not (yet) an
// LTS one, as Node 26 was before its LTS date; the suite fails on any console output
// (test/helpers/no-console.ts). That one warning is about the test's token server, not the
// product: it is dropped while the module loads, and any other output still fails the test.
async function loadProvider(): Promise<typeof import('oidc-provider').default> {
  const warn = console.warn;
  console.warn = (...args: unknown[]) => {
    if (String(args[0]).includes('oidc-provider WARNING: Unsupported runtime')) return;
    warn(...args);
  };
  try {
    return (await import('oidc-provider')).default;
  } finally {
    console.warn = warn;
  }
}

export async function startOidcTokenServer(clients: OidcClient[]): Promise<OidcTokenServer> {
  const Provider = await loadProvider();
  const server: Server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const issuer = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  // A signing key of its own, so that oidc-provider does not fall back to (and warn about)
  // its development keys; a client credentials token is opaque and is never signed with it.
  const jwk = generateKeyPairSync('rsa', { modulusLength: 2048 }).privateKey.export({
    format: 'jwk',
  });
  const provider = new Provider(issuer, {
    adapter: memoryAdapter(),
    clients: clients.map((client) => ({
      client_id: client.id,
      client_secret: client.secret,
      grant_types: ['client_credentials'],
      redirect_uris: [],
      response_types: [],
      token_endpoint_auth_method: client.method,
    })),
    jwks: { keys: [{ ...jwk, kid: 'test', use: 'sig', alg: 'RS256' }] },
    features: {
      clientCredentials: { enabled: true },
      devInteractions: { enabled: false },
    },
    cookies: { keys: ['oidc-token-server-test-cookie-key'] },
    // Set, so that oidc-provider does not call (and announce on the console) its default.
    ttl: { ClientCredentials: 600 },
  });
  const issued: string[] = [];
  const refused: string[] = [];
  const serverErrors: string[] = [];
  const seen: OidcClient['method'][] = [];
  provider.on('client_credentials.saved', (token) => issued.push(token.jti));
  provider.on('grant.error', (_ctx, error) => refused.push(String(error.error)));
  provider.on('server_error', (_ctx, error) => serverErrors.push(String(error)));
  const handle = provider.callback();
  server.on('request', (req, res) => {
    seen.push(
      /^basic /i.test(req.headers.authorization ?? '')
        ? 'client_secret_basic'
        : 'client_secret_post',
    );
    void handle(req, res);
  });
  return {
    tokenUrl: `${issuer}/token`,
    issued,
    refused,
    serverErrors,
    methods: seen,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}
