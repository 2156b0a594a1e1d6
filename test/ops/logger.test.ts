import { describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/config/config.js';
import { createLogger } from '../../src/ops/logger.js';

// The logger's redaction list, through the real logger (pino, as the service builds it) writing
// to a captured stream: every secret-bearing field the service knows, at the top of a log object
// and one level down (where the service puts them: `headers`, `incodeError`, `event`, ...).

/** A logger at `trace` whose lines are kept in `lines`. */
function capturedLogger() {
  const lines: string[] = [];
  const logger = createLogger({
    level: 'trace',
    destination: {
      write(line: string) {
        lines.push(line);
      },
    },
  });
  return { logger, lines };
}

let counter = 0;
/** A value no log line holds unless the field leaked. */
const secret = (name: string) => `SECRET-${name}-${++counter}-0x5eed`;

/** Field names that carry a secret, as the service, Incode, OAuth and HTTP spell them. */
const SECRET_FIELDS = [
  'token',
  'interviewToken',
  'authorization',
  'access_token',
  'adminToken',
  'apiKey',
  'x-api-key',
  'X-Incode-Hardware-Id',
  'x-incode-hardware-id',
  'password',
  'secret',
  'clientSecret',
  'clientSecrets',
  'client_secret',
  'callbackSigningSecret',
  'cookie',
  'set-cookie',
] as const;

/** Where a field turns up one level down in what the service logs. */
const PARENTS = ['headers', 'event', 'body', 'incodeError', 'auth', 'form', 'callbackOAuth'];

describe('the logger redacts secrets', () => {
  it.each(SECRET_FIELDS)('%s: at the top of a log object and one level down', (field) => {
    const { logger, lines } = capturedLogger();
    const values: string[] = [];
    const top = secret(field);
    values.push(top);
    logger.info({ marker: 'top', [field]: top }, 'top-level');
    for (const parent of PARENTS) {
      const nested = secret(`${parent}.${field}`);
      values.push(nested);
      logger.warn({ marker: parent, [parent]: { [field]: nested, kept: 'visible' } }, 'nested');
    }
    // Every line was written, with its other fields: the redaction hid the secret only.
    expect(lines).toHaveLength(1 + PARENTS.length);
    const output = lines.join('');
    for (const parent of PARENTS) expect(output).toContain(`"marker":"${parent}"`);
    expect(output.match(/"kept":"visible"/g)).toHaveLength(PARENTS.length);
    expect(output).toContain('[redacted]');
    for (const value of values) expect(output).not.toContain(value);
  });

  it('an array of secrets (rotation lists) is redacted whole', () => {
    const { logger, lines } = capturedLogger();
    const values = [secret('a'), secret('b')];
    logger.info({ clientSecrets: values, inboundOAuth: { clientSecrets: values } }, 'lists');
    logger.info({ inboundHeader: { name: 'x-incode-key', values } }, 'header values');
    const output = lines.join('');
    for (const value of values) expect(output).not.toContain(value);
    expect(output).toContain('"name":"x-incode-key"');
  });

  it('the whole configuration logged as one object shows none of its secrets', () => {
    const values = {
      inbound: secret('inbound-header'),
      oauth: secret('inbound-oauth'),
      admin: secret('admin-token'),
      metrics: secret('metrics-token'),
      callbackHeader: secret('callback-header'),
      callbackOAuth: secret('callback-oauth'),
      signing: `whsec_${Buffer.from(secret('signing')).toString('base64')}`,
      apiKey: secret('incode-api-key'),
      password: secret('incode-password'),
    };
    const config = loadConfig({
      CALLBACK_URL: 'https://client.example/callback',
      INBOUND_HEADER_NAME: 'x-incode-key',
      INBOUND_HEADER_VALUE: values.inbound,
      INBOUND_OAUTH_CLIENT_ID: 'incode-client',
      INBOUND_OAUTH_CLIENT_SECRET: values.oauth,
      ADMIN_TOKEN: values.admin,
      METRICS_TOKEN: values.metrics,
      CALLBACK_HEADERS: JSON.stringify({ 'x-client-key': values.callbackHeader }),
      CALLBACK_OAUTH_TOKEN_URL: 'https://auth.client.example/token',
      CALLBACK_OAUTH_CLIENT_ID: 'shim',
      CALLBACK_OAUTH_CLIENT_SECRET: values.callbackOAuth,
      CALLBACK_SIGNING_SECRET: values.signing,
      INCODE_API_URL: 'https://demo-api.incodesmile.com',
      INCODE_API_KEY: values.apiKey,
      INCODE_ADMIN_EMAIL: 'ops@client.example',
      INCODE_ADMIN_PASSWORD: values.password,
    });
    const { logger, lines } = capturedLogger();
    logger.info(config, 'configuration');
    const output = lines.join('');
    expect(output).toContain('"callbackUrl":"https://client.example/callback"');
    for (const value of Object.values(values)) expect(output).not.toContain(value);
    expect(output).not.toContain('ops@client.example');
  });
});
