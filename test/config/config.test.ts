import { describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/config/config.js';
import { ConfigError } from '../../src/config/config-error.js';

/** The least a valid configuration needs. */
const BASE = {
  CALLBACK_URL: 'https://client.example/incode/callback',
  INBOUND_HEADER_NAME: 'X-Incode-Secret',
  INBOUND_HEADER_VALUE: 's3cret-inbound-value',
};

function configError(env: Record<string, string | undefined>): ConfigError {
  try {
    loadConfig(env);
  } catch (error) {
    expect(error).toBeInstanceOf(ConfigError);
    const { message } = error as ConfigError;
    expect(message).not.toContain('\n');
    return error as ConfigError;
  }
  throw new Error(`loadConfig accepted ${JSON.stringify(env)}`);
}

describe('loadConfig: FORWARD_SOURCE and FORWARD_SOURCE_PLAN', () => {
  it('a plan alone, or with FORWARD_SOURCE=legacy, is accepted; FORWARD_SOURCE counts as set only when set', () => {
    expect(loadConfig({ ...BASE, FORWARD_SOURCE_PLAN: '50%,100%@1d' })).toMatchObject({
      forwardSource: 'legacy',
      forwardSourceExplicit: false,
      forwardSourcePlan: '50%,100%@1d',
    });
    expect(
      loadConfig({ ...BASE, FORWARD_SOURCE: 'legacy', FORWARD_SOURCE_PLAN: '50%,100%@1d' }),
    ).toMatchObject({ forwardSource: 'legacy', forwardSourceExplicit: true });
  });

  it('a plan with another FORWARD_SOURCE is refused, naming the plan', () => {
    expect(
      configError({ ...BASE, FORWARD_SOURCE: 'workflows', FORWARD_SOURCE_PLAN: '50%,100%@1d' })
        .message,
    ).toBe(
      'invalid configuration: FORWARD_SOURCE_PLAN: a plan sets the share itself: leave FORWARD_SOURCE unset (or legacy), not workflows',
    );
  });
});

describe('loadConfig', () => {
  it('applies the documented defaults', () => {
    expect(loadConfig({ ...BASE })).toStrictEqual({
      port: 8080,
      host: '0.0.0.0',
      callbackUrl: BASE.CALLBACK_URL,
      forwardSource: 'legacy',
      forwardSourceExplicit: false,
      forwardSourcePlan: undefined,
      forwardSourceGuard: { windowMs: 3_600_000, counts: 'reason', intervalMs: 5_000 },
      retired: [],
      forwardFormat: 'legacy',
      database: { kind: 'sqlite', path: 'data/faceauth-shim.db' },
      inboundHeader: { name: 'x-incode-secret', values: ['s3cret-inbound-value'] },
      inboundOAuth: undefined,
      callbackOAuth: undefined,
      callbackSigningSecret: undefined,
      adminToken: undefined,
      metricsToken: undefined,
      callbackHeaders: {},
      callbackTimeoutMs: 10_000,
      callbackConcurrency: 16,
      retryScheduleMs: [
        10_000, 60_000, 300_000, 900_000, 1_800_000, 3_600_000, 7_200_000, 14_400_000, 28_800_000,
      ],
      maxBodyBytes: 262_144,
      requestTimeoutMs: 30_000,
      maxBodiesInFlight: 128,
      acceptTimeoutMs: 5_000,
      dedupWindowMs: 3_600_000,
      orderHoldMaxMs: 180_000,
      alerts: { webhookUrl: undefined, callbackDownAfterMs: 300_000, intervalMs: 60_000 },
      shadowFallbackAfterMs: 10_000,
      shutdownGraceMs: 10_000,
      compareWindowMs: 300_000,
      compareMinPairs: 20,
      compareMinAgreement: 0.99,
      mappingsDir: undefined,
      incodeApi: undefined,
      enrichMaxWaitMs: 600_000,
      retentionMs: 2_592_000_000,
      logLevel: 'info',
    });
  });

  it('keeps retrying for hours by default', () => {
    const total = loadConfig({ ...BASE }).retryScheduleMs.reduce((sum, ms) => sum + ms, 0);
    expect(total).toBeGreaterThanOrEqual(2 * 3_600_000);
  });

  it('reads every variable', () => {
    const config = loadConfig({
      ...BASE,
      PORT: '9090',
      HOST: '127.0.0.1',
      FORWARD_SOURCE: 'both',
      FORWARD_FORMAT: 'normalized',
      DATABASE_URL: 'sqlite:/var/lib/shim/events.db',
      ADMIN_TOKEN: 'a-very-long-admin-token',
      METRICS_TOKEN: 'a-long-metrics-token',
      CALLBACK_HEADERS: '{"x-api-key":"k","X-Tenant":"acme"}',
      CALLBACK_TIMEOUT_MS: '2500',
      CALLBACK_CONCURRENCY: '8',
      DELIVERY_RETRY_SCHEDULE: '5s,30s,2m,10m,1h,6h',
      MAX_BODY_BYTES: '1024',
      REQUEST_TIMEOUT: '5s',
      MAX_BODIES_IN_FLIGHT: '8',
      ACCEPT_TIMEOUT: '2s',
      DEDUP_WINDOW: '30m',
      ORDER_HOLD_MAX: '90s',
      ALERT_WEBHOOK_URL: 'https://hooks.example.com/services/T0/B0/XYZ',
      ALERT_CALLBACK_DOWN_AFTER: '2m',
      ALERT_INTERVAL: '30s',
      SHADOW_FALLBACK_AFTER: '30s',
      MAPPINGS_DIR: '/etc/shim/mappings',
      INCODE_API_URL: 'https://demo-api.incodesmile.com/',
      INCODE_API_KEY: 'incode-api-key',
      INCODE_ADMIN_EMAIL: 'ops@example.com',
      INCODE_ADMIN_PASSWORD: 'incode-password',
      INCODE_TIMEOUT_MS: '4000',
      ENRICH_MAX_WAIT: '2m',
      RETENTION: '7d',
      LOG_LEVEL: 'debug',
    });
    expect(config).toStrictEqual({
      port: 9090,
      host: '127.0.0.1',
      callbackUrl: BASE.CALLBACK_URL,
      forwardSource: 'both',
      forwardSourceExplicit: true,
      forwardSourcePlan: undefined,
      forwardSourceGuard: { windowMs: 3_600_000, counts: 'reason', intervalMs: 5_000 },
      retired: [],
      forwardFormat: 'normalized',
      database: { kind: 'sqlite', path: '/var/lib/shim/events.db' },
      inboundHeader: { name: 'x-incode-secret', values: ['s3cret-inbound-value'] },
      inboundOAuth: undefined,
      callbackOAuth: undefined,
      callbackSigningSecret: undefined,
      adminToken: 'a-very-long-admin-token',
      metricsToken: 'a-long-metrics-token',
      callbackHeaders: { 'x-api-key': 'k', 'x-tenant': 'acme' },
      callbackTimeoutMs: 2500,
      callbackConcurrency: 8,
      retryScheduleMs: [5_000, 30_000, 120_000, 600_000, 3_600_000, 21_600_000],
      maxBodyBytes: 1024,
      requestTimeoutMs: 5_000,
      maxBodiesInFlight: 8,
      acceptTimeoutMs: 2_000,
      dedupWindowMs: 1_800_000,
      orderHoldMaxMs: 90_000,
      alerts: {
        webhookUrl: 'https://hooks.example.com/services/T0/B0/XYZ',
        callbackDownAfterMs: 120_000,
        intervalMs: 30_000,
      },
      shadowFallbackAfterMs: 30_000,
      shutdownGraceMs: 10_000,
      compareWindowMs: 300_000,
      compareMinPairs: 20,
      compareMinAgreement: 0.99,
      mappingsDir: '/etc/shim/mappings',
      incodeApi: {
        url: 'https://demo-api.incodesmile.com',
        apiKey: 'incode-api-key',
        auth: { email: 'ops@example.com', password: 'incode-password' },
        timeoutMs: 4000,
      },
      enrichMaxWaitMs: 120_000,
      retentionMs: 604_800_000,
      logLevel: 'debug',
    });
  });

  it.each([
    ['500ms', 500],
    ['45s', 45_000],
    ['2m', 120_000],
    ['1h', 3_600_000],
    ['7d', 604_800_000],
  ])('parses the duration %s', (text, ms) => {
    expect(loadConfig({ ...BASE, DEDUP_WINDOW: text }).dedupWindowMs).toBe(ms);
    expect(loadConfig({ ...BASE, DELIVERY_RETRY_SCHEDULE: text }).retryScheduleMs).toEqual([ms]);
  });

  it('trims the parts of the retry schedule', () => {
    expect(loadConfig({ ...BASE, DELIVERY_RETRY_SCHEDULE: '5s, 1m , 1h' }).retryScheduleMs).toEqual(
      [5_000, 60_000, 3_600_000],
    );
  });

  it('accepts INBOUND_AUTH=none without any inbound credentials', () => {
    const config = loadConfig({ CALLBACK_URL: BASE.CALLBACK_URL, INBOUND_AUTH: 'none' });
    expect(config.inboundHeader).toBeUndefined();
  });

  it('treats empty and blank strings as unset', () => {
    const config = loadConfig({
      ...BASE,
      PORT: '',
      HOST: '  ',
      FORWARD_SOURCE: '',
      DATABASE_URL: '',
      ADMIN_TOKEN: '',
      CALLBACK_HEADERS: '',
      DELIVERY_RETRY_SCHEDULE: '',
      INBOUND_AUTH: '',
      INBOUND_OAUTH_CLIENT_ID: '',
      CALLBACK_OAUTH_TOKEN_URL: '',
      UNRELATED: undefined,
    });
    expect(config).toStrictEqual(loadConfig({ ...BASE }));
    expect(configError({ ...BASE, CALLBACK_URL: '' }).message).toMatch(/CALLBACK_URL: required/);
  });

  it('ignores variables it does not know', () => {
    expect(loadConfig({ ...BASE, PATH: '/usr/bin', HOME: '/root' })).toStrictEqual(
      loadConfig({ ...BASE }),
    );
  });

  it('requires CALLBACK_URL', () => {
    const { CALLBACK_URL: _left, ...env } = BASE;
    const error = configError(env);
    expect(error.message).toContain('CALLBACK_URL');
    expect(error.message).toContain('required');
  });

  it.each([
    ['PORT', 'eighty'],
    ['PORT', '70000'],
    ['PORT', '-1'],
    ['CALLBACK_URL', 'not a url'],
    ['CALLBACK_URL', 'ftp://client.example/callback'],
    ['FORWARD_SOURCE', 'all'],
    ['FORWARD_SOURCE', 'workflows:101%'],
    ['FORWARD_SOURCE', 'workflows:-5%'],
    ['FORWARD_SOURCE', 'workflows:10'],
    ['FORWARD_SOURCE_PLAN', '10%,5%@2d'],
    ['FORWARD_SOURCE_PLAN', '1%,10%@2x'],
    ['FORWARD_SOURCE_PLAN', '1%,,10%'],
    ['FORWARD_SOURCE_PLAN', '1%@7d,10%@2d'],
    ['FORWARD_SOURCE_GUARD_WINDOW', '10s'],
    ['FORWARD_SOURCE_GUARD_COUNTS', 'everything'],
    ['FORWARD_SOURCE_GUARD_INTERVAL', 'often'],
    ['FORWARD_FORMAT', 'json'],
    ['DATABASE_URL', 'mysql://localhost/db'],
    ['DATABASE_URL', 'sqlite:'],
    ['INBOUND_HEADER_NAME', 'X Bad Header'],
    ['INBOUND_AUTH', 'off'],
    ['ADMIN_TOKEN', 'short'],
    ['METRICS_TOKEN', 'short-token'],
    ['METRICS_TOKEN', 'a token with blanks in it'],
    ['ACCEPT_TIMEOUT', '50ms'],
    ['ACCEPT_TIMEOUT', '2m'],
    ['ACCEPT_TIMEOUT', 'soon'],
    ['CALLBACK_HEADERS', 'not json'],
    ['CALLBACK_TIMEOUT_MS', '0'],
    ['CALLBACK_TIMEOUT_MS', '10s'],
    ['DELIVERY_RETRY_SCHEDULE', '5s,soon,1h'],
    ['DELIVERY_RETRY_SCHEDULE', '5s,,1h'],
    ['MAX_BODY_BYTES', '1.5'],
    ['REQUEST_TIMEOUT', '500ms'],
    ['REQUEST_TIMEOUT', '11m'],
    ['MAX_BODIES_IN_FLIGHT', '0'],
    ['DEDUP_WINDOW', '1 hour'],
    ['DEDUP_WINDOW', '60'],
    ['SHADOW_FALLBACK_AFTER', 'off'],
    ['SHADOW_FALLBACK_AFTER', '61s'],
    ['SHADOW_FALLBACK_AFTER', 'soon'],
    ['LOG_LEVEL', 'verbose'],
  ])('names %s when it is %j, in one line', (name, value) => {
    const error = configError({ ...BASE, [name]: value });
    expect(error.message).toContain(`${name}: `);
    // Only the bad variable is named.
    for (const other of ['PORT', 'CALLBACK_URL', 'DATABASE_URL', 'DEDUP_WINDOW', 'LOG_LEVEL']) {
      if (other !== name) expect(error.message).not.toContain(`${other}:`);
    }
  });

  it('SHADOW_FALLBACK_AFTER is on by default, at most a minute, never off; 0 forwards at once', () => {
    expect(loadConfig({ ...BASE }).shadowFallbackAfterMs).toBe(10_000);
    expect(loadConfig({ ...BASE, SHADOW_FALLBACK_AFTER: '1m' }).shadowFallbackAfterMs).toBe(60_000);
    expect(loadConfig({ ...BASE, SHADOW_FALLBACK_AFTER: '0s' }).shadowFallbackAfterMs).toBe(0);
    expect(configError({ ...BASE, SHADOW_FALLBACK_AFTER: 'off' }).message).toContain(
      'would never reach the callback',
    );
    expect(
      configError({ ...BASE, SHADOW_FALLBACK_AFTER: '30s', COMPARE_WINDOW: '20s' }).message,
    ).toContain('SHADOW_FALLBACK_AFTER: longer than COMPARE_WINDOW');
  });

  it('a retired variable changes nothing and is named, with what replaced it', () => {
    const config = loadConfig({ ...BASE, FORWARD_SOURCE_GUARD_DISAGREEMENTS: '3' });
    expect(config.retired).toEqual([
      expect.stringMatching(/^FORWARD_SOURCE_GUARD_DISAGREEMENTS: the guard judges a rate/),
    ]);
    expect(
      loadConfig({ ...BASE, FORWARD_SOURCE_GUARD_COUNTS: 'status' }).forwardSourceGuard.counts,
    ).toBe('status');
  });

  it('names every bad variable at once', () => {
    const error = configError({ ...BASE, PORT: 'x', DEDUP_WINDOW: 'y', FORWARD_FORMAT: 'z' });
    expect(error.message).toContain('PORT: ');
    expect(error.message).toContain('DEDUP_WINDOW: ');
    expect(error.message).toContain('FORWARD_FORMAT: ');
  });

  it('refuses INBOUND_HEADER_NAME without INBOUND_HEADER_VALUE, and the reverse', () => {
    const { INBOUND_HEADER_VALUE: _value, ...nameOnly } = BASE;
    expect(configError(nameOnly).message).toContain('INBOUND_HEADER_VALUE: ');
    const { INBOUND_HEADER_NAME: _name, ...valueOnly } = BASE;
    expect(configError(valueOnly).message).toContain('INBOUND_HEADER_NAME: ');
    expect(configError({ ...nameOnly, INBOUND_HEADER_VALUE: '' }).message).toContain(
      'INBOUND_HEADER_VALUE: ',
    );
  });

  it('refuses to start with no inbound authentication at all', () => {
    const error = configError({ CALLBACK_URL: BASE.CALLBACK_URL });
    expect(error.message).toContain('INBOUND_AUTH');
    expect(error.message).toContain('INBOUND_HEADER_NAME');
  });

  it.each([
    ['[]'],
    ['["x-api-key"]'],
    ['"x-api-key: k"'],
    ['42'],
    ['null'],
    ['{"x-api-key": 42}'],
    ['{"x-api-key": {"nested": "k"}}'],
    ['{"x-api-key": null}'],
    ['{"bad header": "k"}'],
    ['{"x-api-key": "a\\r\\nx-injected: 1"}'],
    ['{"x-api-key": " padded "}'],
    ['{"Content-Type": "text/plain"}'],
    ['{"X-Faceauth-Event-Id": "fixed"}'],
  ])('CALLBACK_HEADERS must be a JSON object of strings, not %s', (text) => {
    expect(configError({ ...BASE, CALLBACK_HEADERS: text }).message).toContain(
      'CALLBACK_HEADERS: ',
    );
  });

  it('refuses a CALLBACK_URL with credentials (they would not be sent)', () => {
    const error = configError({ ...BASE, CALLBACK_URL: 'https://user:pw@auth.example.com/cb' });
    expect(error.message).toContain('CALLBACK_URL: ');
    expect(error.message).toContain('CALLBACK_HEADERS');
    expect(error.message).not.toContain('pw');
  });

  it('refuses an INBOUND_HEADER_VALUE with surrounding blanks (no request could match it)', () => {
    const { INBOUND_AUTH: _, ...rest } = { ...BASE, INBOUND_AUTH: undefined };
    const error = configError({
      ...rest,
      INBOUND_HEADER_NAME: 'x-key',
      INBOUND_HEADER_VALUE: 'secret ',
    });
    expect(error.message).toContain('INBOUND_HEADER_VALUE: ');
  });

  it('takes a PostgreSQL DATABASE_URL, shown with its password masked', () => {
    for (const url of ['postgres://shim:pw@db:5432/shim', 'postgresql://shim@db/shim']) {
      const config = loadConfig({ ...BASE, DATABASE_URL: url });
      expect(config.database).toMatchObject({ kind: 'postgres', host: 'db', database: 'shim' });
      if (config.database.kind !== 'postgres') throw new Error('not postgres');
      expect(config.database.display).not.toContain(':pw@');
    }
  });

  it('refuses a malformed PostgreSQL DATABASE_URL, naming it, without its password', () => {
    const error = configError({
      ...BASE,
      DATABASE_URL: 'postgres://shim:pw@db:5432/shim?sslmode=nope',
    });
    expect(error.message).toContain('DATABASE_URL: ');
    expect(error.message).toMatch(/sslmode nope/);
    expect(error.message).not.toContain(':pw@');
  });

  it('does not put secrets in the message', () => {
    const error = configError({
      ...BASE,
      INBOUND_HEADER_VALUE: 'super-secret-inbound',
      ADMIN_TOKEN: 'tiny',
      CALLBACK_HEADERS: '{"authorization": 7}',
    });
    expect(error.message).not.toContain('super-secret-inbound');
  });
});

describe('loadConfig: inbound OAuth, callback OAuth and signing', () => {
  const { INBOUND_HEADER_NAME: _name, INBOUND_HEADER_VALUE: _value, ...NO_AUTH } = BASE;
  const OAUTH = {
    INBOUND_OAUTH_CLIENT_ID: 'incode-client',
    INBOUND_OAUTH_CLIENT_SECRET: 'incode-client-secret-0123456789',
  };
  const CALLBACK_OAUTH = {
    CALLBACK_OAUTH_TOKEN_URL: 'https://auth.client.example/oauth/token',
    CALLBACK_OAUTH_CLIENT_ID: 'faceauth-shim',
    CALLBACK_OAUTH_CLIENT_SECRET: 'callback-client-secret',
  };
  const signingSecret = (bytes: number) => `whsec_${Buffer.alloc(bytes, 7).toString('base64')}`;

  it('inbound OAuth alone satisfies the inbound-authentication requirement', () => {
    const config = loadConfig({ ...NO_AUTH, ...OAUTH });
    expect(config.inboundHeader).toBeUndefined();
    expect(config.inboundOAuth).toStrictEqual({
      clientId: 'incode-client',
      clientSecrets: ['incode-client-secret-0123456789'],
      tokenTtlMs: expect.any(Number),
    });
    expect(config.inboundOAuth?.tokenTtlMs).toBeGreaterThan(0);
  });

  it('reads the inbound token lifetime', () => {
    const config = loadConfig({ ...NO_AUTH, ...OAUTH, INBOUND_OAUTH_TOKEN_TTL: '15m' });
    expect(config.inboundOAuth?.tokenTtlMs).toBe(900_000);
    expect(
      configError({ ...NO_AUTH, ...OAUTH, INBOUND_OAUTH_TOKEN_TTL: 'soon' }).message,
    ).toContain('INBOUND_OAUTH_TOKEN_TTL: ');
  });

  it('the static header and OAuth can be set together', () => {
    const config = loadConfig({ ...BASE, ...OAUTH });
    expect(config.inboundHeader).toStrictEqual({
      name: 'x-incode-secret',
      values: ['s3cret-inbound-value'],
    });
    expect(config.inboundOAuth?.clientId).toBe('incode-client');
  });

  it('refuses INBOUND_OAUTH_CLIENT_ID without INBOUND_OAUTH_CLIENT_SECRET, and the reverse', () => {
    const idOnly = configError({ ...BASE, INBOUND_OAUTH_CLIENT_ID: OAUTH.INBOUND_OAUTH_CLIENT_ID });
    expect(idOnly.message).toContain('INBOUND_OAUTH_CLIENT_SECRET: ');
    const secretOnly = configError({
      ...BASE,
      INBOUND_OAUTH_CLIENT_SECRET: OAUTH.INBOUND_OAUTH_CLIENT_SECRET,
    });
    expect(secretOnly.message).toContain('INBOUND_OAUTH_CLIENT_ID: ');
    expect(secretOnly.message).not.toContain(OAUTH.INBOUND_OAUTH_CLIENT_SECRET);
    // Alone (no header either), a half pair is no authentication.
    expect(configError({ ...NO_AUTH, INBOUND_OAUTH_CLIENT_ID: 'incode-client' }).message).toContain(
      'INBOUND_OAUTH_CLIENT_SECRET: ',
    );
  });

  it('refuses an INBOUND_OAUTH_CLIENT_SECRET shorter than 16 characters', () => {
    const short = 'x'.repeat(15);
    const error = configError({ ...NO_AUTH, ...OAUTH, INBOUND_OAUTH_CLIENT_SECRET: short });
    expect(error.message).toContain('INBOUND_OAUTH_CLIENT_SECRET: ');
    expect(error.message).not.toContain(short);
    expect(
      loadConfig({ ...NO_AUTH, ...OAUTH, INBOUND_OAUTH_CLIENT_SECRET: 'y'.repeat(16) }).inboundOAuth
        ?.clientSecrets,
    ).toEqual(['y'.repeat(16)]);
  });

  it('refuses an INBOUND_OAUTH_CLIENT_ID with a colon (it could not be sent in Basic)', () => {
    expect(
      configError({ ...NO_AUTH, ...OAUTH, INBOUND_OAUTH_CLIENT_ID: 'incode:client' }).message,
    ).toContain('INBOUND_OAUTH_CLIENT_ID: ');
  });

  it('refuses INBOUND_AUTH=none together with a configured method', () => {
    expect(configError({ ...BASE, INBOUND_AUTH: 'none' }).message).toContain('INBOUND_AUTH: ');
    expect(configError({ ...NO_AUTH, ...OAUTH, INBOUND_AUTH: 'none' }).message).toContain(
      'INBOUND_AUTH: ',
    );
    expect(configError({ ...BASE, ...OAUTH, INBOUND_AUTH: 'none' }).message).toContain(
      'INBOUND_AUTH: ',
    );
  });

  it('reads several comma-separated INBOUND_HEADER_VALUE values', () => {
    const config = loadConfig({
      ...BASE,
      INBOUND_HEADER_VALUE: 'old-secret-value,new-secret-value',
    });
    expect(config.inboundHeader).toStrictEqual({
      name: 'x-incode-secret',
      values: ['old-secret-value', 'new-secret-value'],
    });
  });

  it.each([
    ['one short value', 'fifteen-chars-x'],
    ['a short value after a long one', 'old-secret-value,short-value'],
    ['a short value before a long one', 'short-value,new-secret-value'],
  ])('refuses %s in INBOUND_HEADER_VALUE: 16 characters or more each', (_name, value) => {
    const error = configError({ ...BASE, INBOUND_HEADER_VALUE: value });
    expect(error.message).toBe(
      'invalid configuration: INBOUND_HEADER_VALUE: use at least 16 characters for each value',
    );
  });

  it('accepts values of exactly 16 characters', () => {
    const value = 'sixteen-chars-xy';
    expect(value).toHaveLength(16);
    expect(
      loadConfig({ ...BASE, INBOUND_HEADER_VALUE: `${value},${value}` }).inboundHeader,
    ).toStrictEqual({ name: 'x-incode-secret', values: [value, value] });
  });

  it.each([['old-secret-value,,new-secret-value'], ['old-secret-value,'], [',new-secret-value']])(
    'refuses an empty value in INBOUND_HEADER_VALUE %j',
    (value) => {
      const error = configError({ ...BASE, INBOUND_HEADER_VALUE: value });
      expect(error.message).toContain('INBOUND_HEADER_VALUE: ');
      expect(error.message).not.toContain('secret-value');
    },
  );

  it('reads CALLBACK_OAUTH_* when all three are set; Basic client authentication by default', () => {
    expect(loadConfig({ ...BASE, ...CALLBACK_OAUTH }).callbackOAuth).toStrictEqual({
      tokenUrl: 'https://auth.client.example/oauth/token',
      clientId: 'faceauth-shim',
      clientSecret: 'callback-client-secret',
      authMethod: 'client_secret_basic',
    });
    expect(loadConfig({ ...BASE }).callbackOAuth).toBeUndefined();
  });

  it.each(['client_secret_basic', 'client_secret_post'] as const)(
    'reads CALLBACK_OAUTH_AUTH_METHOD=%s',
    (method) => {
      const config = loadConfig({ ...BASE, ...CALLBACK_OAUTH, CALLBACK_OAUTH_AUTH_METHOD: method });
      expect(config.callbackOAuth?.authMethod).toBe(method);
    },
  );

  it.each(['basic', 'client_secret_jwt', 'CLIENT_SECRET_POST', 'none'])(
    'refuses CALLBACK_OAUTH_AUTH_METHOD=%s, naming the two it takes',
    (method) => {
      const error = configError({ ...BASE, ...CALLBACK_OAUTH, CALLBACK_OAUTH_AUTH_METHOD: method });
      expect(error.message).toBe(
        'invalid configuration: CALLBACK_OAUTH_AUTH_METHOD: expected client_secret_basic or client_secret_post',
      );
    },
  );

  it('refuses CALLBACK_OAUTH_AUTH_METHOD without the other CALLBACK_OAUTH_*', () => {
    const error = configError({ ...BASE, CALLBACK_OAUTH_AUTH_METHOD: 'client_secret_post' });
    expect(error.message).toContain('CALLBACK_OAUTH_AUTH_METHOD: has no meaning without');
    expect(error.message).not.toContain('CALLBACK_OAUTH_TOKEN_URL: ');
  });

  it.each([
    ['CALLBACK_OAUTH_TOKEN_URL'],
    ['CALLBACK_OAUTH_CLIENT_ID'],
    ['CALLBACK_OAUTH_CLIENT_SECRET'],
  ] as const)('refuses CALLBACK_OAUTH_* without %s', (missing) => {
    const env: Record<string, string> = { ...BASE, ...CALLBACK_OAUTH };
    delete env[missing];
    const error = configError(env);
    expect(error.message).toContain(`${missing}: `);
    expect(error.message).not.toContain(CALLBACK_OAUTH.CALLBACK_OAUTH_CLIENT_SECRET);
  });

  it.each([
    ['CALLBACK_OAUTH_TOKEN_URL'],
    ['CALLBACK_OAUTH_CLIENT_ID'],
    ['CALLBACK_OAUTH_CLIENT_SECRET'],
  ] as const)('refuses %s alone, naming the two missing', (only) => {
    const error = configError({ ...BASE, [only]: CALLBACK_OAUTH[only] });
    for (const name of Object.keys(CALLBACK_OAUTH)) {
      if (name === only) expect(error.message).not.toContain(`${name}: `);
      else expect(error.message).toContain(`${name}: `);
    }
  });

  it('refuses a CALLBACK_OAUTH_TOKEN_URL that is not http(s)', () => {
    const error = configError({
      ...BASE,
      ...CALLBACK_OAUTH,
      CALLBACK_OAUTH_TOKEN_URL: 'ftp://auth.client.example/token',
    });
    expect(error.message).toContain('CALLBACK_OAUTH_TOKEN_URL: ');
  });

  it.each([24, 32, 64])('accepts a CALLBACK_SIGNING_SECRET of %i bytes', (bytes) => {
    const secret = signingSecret(bytes);
    expect(loadConfig({ ...BASE, CALLBACK_SIGNING_SECRET: secret }).callbackSigningSecret).toBe(
      secret,
    );
  });

  it.each([
    ['without the whsec_ prefix', Buffer.alloc(32, 7).toString('base64')],
    ['with a key that is not base64', 'whsec_not base64!'],
    ['with nothing after whsec_', 'whsec_'],
    ['with a key of 16 bytes', `whsec_${Buffer.alloc(16, 7).toString('base64')}`],
    ['with a key of 23 bytes', `whsec_${Buffer.alloc(23, 7).toString('base64')}`],
    ['with a key of 65 bytes', `whsec_${Buffer.alloc(65, 7).toString('base64')}`],
  ])('refuses a CALLBACK_SIGNING_SECRET %s, without printing it', (_name, secret) => {
    const error = configError({ ...BASE, CALLBACK_SIGNING_SECRET: secret });
    expect(error.message).toContain('CALLBACK_SIGNING_SECRET: ');
    if (secret.length > 'whsec_'.length) {
      expect(error.message).not.toContain(secret.slice('whsec_'.length));
    }
  });
});

describe('settings that contradict each other', () => {
  const secret = `whsec_${Buffer.alloc(32, 7).toString('base64')}`;
  it.each([
    [
      { CALLBACK_SIGNING_SECRET: secret, CALLBACK_HEADERS: '{"webhook-signature":"x"}' },
      'CALLBACK_HEADERS: ',
    ],
    [
      {
        CALLBACK_OAUTH_TOKEN_URL: 'https://auth.example/token',
        CALLBACK_OAUTH_CLIENT_ID: 'shim',
        CALLBACK_OAUTH_CLIENT_SECRET: 'callback-secret',
        CALLBACK_HEADERS: '{"Authorization":"Bearer x"}',
      },
      'CALLBACK_HEADERS: ',
    ],
    [
      {
        INBOUND_HEADER_NAME: 'Authorization',
        INBOUND_OAUTH_CLIENT_ID: 'incode',
        INBOUND_OAUTH_CLIENT_SECRET: 'incode-client-secret-0123',
      },
      'INBOUND_HEADER_NAME: ',
    ],
  ])('%o is refused', (env, named) => {
    expect(() => loadConfig({ ...BASE, ...env })).toThrow(named);
  });
});

describe('loadConfig: the Incode API', () => {
  const API = {
    ...BASE,
    INCODE_API_URL: 'https://demo-api.incodesmile.com',
    INCODE_API_KEY: 'incode-api-key',
  };

  it('takes an admin token as is', () => {
    const config = loadConfig({ ...API, INCODE_ADMIN_TOKEN: 'admin-token' });
    expect(config.incodeApi).toEqual({
      url: 'https://demo-api.incodesmile.com',
      apiKey: 'incode-api-key',
      auth: { token: 'admin-token' },
      timeoutMs: 10_000,
    });
    expect(config.enrichMaxWaitMs).toBe(600_000);
  });

  it.each([
    [
      { INCODE_API_URL: undefined, INCODE_ADMIN_TOKEN: 't' },
      'INCODE_API_KEY: set INCODE_API_URL too',
    ],
    [
      { INCODE_API_KEY: undefined, INCODE_ADMIN_TOKEN: 't' },
      'INCODE_API_KEY: required with INCODE_API_URL',
    ],
    [{}, 'INCODE_ADMIN_TOKEN: required with INCODE_API_URL'],
    [
      { INCODE_ADMIN_TOKEN: 't', INCODE_ADMIN_EMAIL: 'a@b.c', INCODE_ADMIN_PASSWORD: 'p' },
      'not both',
    ],
    [{ INCODE_ADMIN_EMAIL: 'a@b.c' }, 'INCODE_ADMIN_PASSWORD: required with INCODE_ADMIN_EMAIL'],
    [{ INCODE_ADMIN_PASSWORD: 'p' }, 'INCODE_ADMIN_EMAIL: required with INCODE_ADMIN_PASSWORD'],
    [
      { INCODE_API_URL: 'https://user:pw@api.example', INCODE_ADMIN_TOKEN: 't' },
      'INCODE_API_URL: expected the API base URL alone',
    ],
    [
      { INCODE_API_URL: 'https://api.example/?key=1', INCODE_ADMIN_TOKEN: 't' },
      'INCODE_API_URL: expected the API base URL alone',
    ],
    [
      { INCODE_API_KEY: 'has space', INCODE_ADMIN_TOKEN: 't' },
      'INCODE_API_KEY: cannot hold blanks',
    ],
    [{ INCODE_ADMIN_TOKEN: 'to ken' }, 'INCODE_ADMIN_TOKEN: cannot hold blanks'],
  ])('refuses an incomplete or unusable set: %j', (over, message) => {
    expect(() => loadConfig({ ...API, ...over })).toThrow(message);
  });

  it('never repeats the key, token or password in its message', () => {
    let message = '';
    try {
      loadConfig({
        ...API,
        INCODE_ADMIN_TOKEN: 'sec ret-token',
        INCODE_ADMIN_PASSWORD: 'pw-secret',
      });
    } catch (error) {
      message = (error as Error).message;
    }
    expect(message).not.toContain('sec ret-token');
    expect(message).not.toContain('pw-secret');
    expect(message).not.toContain('incode-api-key');
  });
});

describe('operating the migration: ORDER_HOLD_MAX and the alerts', () => {
  it.each([
    [
      'ORDER_HOLD_MAX',
      '6m',
      'ORDER_HOLD_MAX: at most 5m: a customer waits this long behind a refused event',
    ],
    [
      'ORDER_HOLD_MAX',
      '3 minutes',
      'ORDER_HOLD_MAX: "3 minutes" is not a duration such as 30s, 5m or 1h',
    ],
    [
      'ALERT_WEBHOOK_URL',
      'hooks.slack.com/x',
      'ALERT_WEBHOOK_URL: expected an http:// or https:// URL',
    ],
    [
      'ALERT_WEBHOOK_URL',
      'ftp://hooks.example.com/x',
      'ALERT_WEBHOOK_URL: expected an http:// or https:// URL',
    ],
    ['ALERT_CALLBACK_DOWN_AFTER', '500ms', 'ALERT_CALLBACK_DOWN_AFTER: at least 1s'],
    ['ALERT_INTERVAL', '2h', 'ALERT_INTERVAL: at most 1h'],
  ])('refuses %s=%s, naming it', (name, value, message) => {
    expect(configError({ ...BASE, [name]: value }).message).toBe(
      `invalid configuration: ${message}`,
    );
  });

  it('takes 0s and 5m for ORDER_HOLD_MAX', () => {
    expect(loadConfig({ ...BASE, ORDER_HOLD_MAX: '0s' }).orderHoldMaxMs).toBe(0);
    expect(loadConfig({ ...BASE, ORDER_HOLD_MAX: '5m' }).orderHoldMaxMs).toBe(300_000);
  });
});
