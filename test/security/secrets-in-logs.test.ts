import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { startCallbackServer } from '../helpers/callback-server.js';
import { startServiceProcess } from '../helpers/service-process.js';

// The real service with known secrets, driven through every path: token requests right and
// wrong, webhooks accepted, refused, malformed and oversized, deliveries refused (401 with a
// token refresh, 503, a timeout) and retried, the admin API, a stop. None of the secrets, nor
// the JWTs in the legacy body, nor the tokens issued, may appear in what the process writes.

const SECRETS = {
  inboundHeaderOld: 'inbound-header-old-SECRET-1111',
  inboundHeaderNew: 'inbound-header-new-SECRET-2222',
  inboundClientSecret: 'inbound-client-SECRET-3333',
  adminToken: 'admin-token-SECRET-4444',
  metricsToken: 'metrics-token-SECRET-1212',
  callbackKey: 'callback-api-key-SECRET-5555',
  callbackClientSecret: 'callback-client-SECRET-6666',
  callbackAccessToken: 'callback-access-token-SECRET-7777',
  signingSecret: `whsec_${randomBytes(32).toString('base64')}`,
  legacyToken: 'eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiJsZWdhY3kifQ.SECRET-8888',
  legacyInterviewToken: 'eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiJpbnRlcnZpZXcifQ.SECRET-9999',
};

const dir = mkdtempSync(join(tmpdir(), 'faceauth-secrets-'));
const servers: Server[] = [];
afterAll(() => {
  for (const server of servers) server.close();
  rmSync(dir, { recursive: true, force: true });
});

describe('secrets never reach the output', () => {
  it('through success, failure, retries, bad input and the admin API', async () => {
    let tokenCalls = 0;
    const tokenServer = createServer((req, res) => {
      req.resume();
      tokenCalls++;
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end(
        JSON.stringify({
          access_token: `${SECRETS.callbackAccessToken}-${tokenCalls}`,
          expires_in: 3600,
        }),
      );
    });
    await new Promise<void>((resolve) => tokenServer.listen(0, '127.0.0.1', resolve));
    servers.push(tokenServer);
    const answers: ('401' | '503' | 'hang' | '200')[] = ['401', '503', 'hang', '200'];
    const cb = await startCallbackServer((_call, i) => {
      const answer = answers[Math.min(i, answers.length - 1)];
      if (answer === 'hang') return 'hang';
      return { status: Number(answer) };
    });

    const proc = await startServiceProcess({
      LOG_LEVEL: 'trace',
      CALLBACK_URL: cb.url,
      DATABASE_URL: `sqlite:${join(dir, 'secrets.db')}`,
      INBOUND_HEADER_NAME: 'x-incode-key',
      INBOUND_HEADER_VALUE: `${SECRETS.inboundHeaderOld},${SECRETS.inboundHeaderNew}`,
      INBOUND_OAUTH_CLIENT_ID: 'incode',
      INBOUND_OAUTH_CLIENT_SECRET: SECRETS.inboundClientSecret,
      ADMIN_TOKEN: SECRETS.adminToken,
      METRICS_TOKEN: SECRETS.metricsToken,
      CALLBACK_HEADERS: JSON.stringify({ 'x-api-key': SECRETS.callbackKey }),
      CALLBACK_OAUTH_TOKEN_URL: `http://127.0.0.1:${(tokenServer.address() as AddressInfo).port}/token`,
      CALLBACK_OAUTH_CLIENT_ID: 'shim',
      CALLBACK_OAUTH_CLIENT_SECRET: SECRETS.callbackClientSecret,
      CALLBACK_SIGNING_SECRET: SECRETS.signingSecret,
      CALLBACK_TIMEOUT_MS: '300',
      DELIVERY_RETRY_SCHEDULE: '50ms,50ms,50ms,50ms',
      MAX_BODY_BYTES: '2048',
    });
    const issued: string[] = [];
    const token = async (secret: string) => {
      const response = await fetch(`${proc.url}/oauth/token`, {
        method: 'POST',
        headers: {
          authorization: `Basic ${Buffer.from(`incode:${secret}`).toString('base64')}`,
          'content-type': 'application/x-www-form-urlencoded',
        },
        body: 'grant_type=client_credentials',
      });
      const body = (await response.json()) as { access_token?: string };
      if (body.access_token) issued.push(body.access_token);
      return body.access_token;
    };
    const access = await token(SECRETS.inboundClientSecret);
    await token('wrong-secret-but-long-enough');
    const post = (body: string, headers: Record<string, string> = {}) =>
      fetch(`${proc.url}/webhooks/legacy/authentication`, {
        method: 'POST',
        body,
        headers: {
          'content-type': 'application/json',
          'x-incode-key': SECRETS.inboundHeaderNew,
          authorization: `Bearer ${access}`,
          ...headers,
        },
      });
    const legacy = JSON.stringify({
      customerId: 'c1',
      token: SECRETS.legacyToken,
      interviewToken: SECRETS.legacyInterviewToken,
      faceMatch: true,
      overallStatus: 'PASS',
    });
    expect((await post(legacy)).status).toBe(200);
    expect((await post(legacy)).status).toBe(200); // a redelivery
    expect((await post(legacy, { 'x-incode-key': SECRETS.inboundHeaderOld })).status).toBe(200);
    expect((await post(legacy, { authorization: `Bearer ${access}x` })).status).toBe(401);
    expect((await post(legacy, { 'x-incode-key': `${SECRETS.inboundHeaderNew}x` })).status).toBe(
      401,
    );
    expect((await post(`{"token":"${SECRETS.legacyToken}",`)).status).toBe(400);
    expect((await post(`{"token":${SECRETS.legacyToken}}`)).status).toBe(400);
    expect((await post(legacy.replace('"faceMatch":true', '"faceMatch":"yes"'))).status).toBe(422);
    expect((await post(legacy, { 'content-type': 'text/plain' })).status).toBe(415);
    expect((await post(`${legacy}${' '.repeat(4096)}`)).status).toBe(413);
    const adminHeaders = { authorization: `Bearer ${SECRETS.adminToken}` };
    const metricsHeaders = { authorization: `Bearer ${SECRETS.metricsToken}` };
    expect((await fetch(`${proc.url}/metrics`, { headers: metricsHeaders })).status).toBe(200);
    expect(
      (await fetch(`${proc.url}/metrics`, { headers: { authorization: 'Bearer wrong' } })).status,
    ).toBe(401);
    expect((await fetch(`${proc.url}/admin/config`, { headers: adminHeaders })).status).toBe(200);
    expect((await fetch(`${proc.url}/admin/quarantine`, { headers: adminHeaders })).status).toBe(
      200,
    );
    expect(
      (await fetch(`${proc.url}/admin/events`, { headers: { authorization: 'Bearer wrong' } }))
        .status,
    ).toBe(401);

    // 401 (token refreshed, retried at once), 503, a timeout, then 200.
    await cb.waitForCalls(4, 15_000);
    expect(tokenCalls).toBeGreaterThanOrEqual(2);
    proc.child.kill('SIGTERM');
    expect(await proc.exited).toBe(0);

    const output = proc.output();
    expect(output).toContain('delivery: delivered');
    expect(output).toContain('webhook: rejected');
    for (const secret of [...Object.values(SECRETS), ...issued]) {
      expect(output, `found ${secret.slice(0, 12)}…`).not.toContain(secret);
    }
    // Also not in part: the distinctive halves of each secret.
    expect(output).not.toMatch(/SECRET-\d{4}/);
    await cb.close();
  }, 40_000);
});
