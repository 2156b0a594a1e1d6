import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { readFixtureBytes } from '../helpers/fixtures.js';
import { type RawConnection, rawConnect, responsesIn, rssMB } from '../helpers/raw-http.js';
import { type ServiceProcess, startServiceProcess } from '../helpers/service-process.js';
import { until } from '../helpers/until.js';

// The hostile group of the fault suite: the real service process, and clients that send too
// slowly, in tiny pieces, too much, or not valid HTTP. What they may hold is bounded in time
// and memory, and every answer has docs/contract.md's JSON error body.

const KEY = { name: 'x-incode-key', value: 'hostile-suite-inbound-secret' };
const LEGACY = '/webhooks/legacy/authentication';
const SESSION = '/webhooks/workflows/session';

const cleanups: (() => unknown)[] = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

async function shim(env: Record<string, string> = {}): Promise<ServiceProcess> {
  const dir = mkdtempSync(join(tmpdir(), 'faceauth-hostile-'));
  cleanups.push(() => rmSync(dir, { recursive: true, force: true }));
  const proc = await startServiceProcess({
    CALLBACK_URL: 'http://127.0.0.1:9/callback',
    DATABASE_URL: `sqlite:${join(dir, 'shim.db')}`,
    INBOUND_HEADER_NAME: KEY.name,
    INBOUND_HEADER_VALUE: KEY.value,
    ...env,
  });
  cleanups.push(async () => {
    proc.child.kill('SIGKILL');
    await proc.exited;
  });
  return proc;
}

async function connection(url: string): Promise<RawConnection> {
  const conn = await rawConnect(url);
  cleanups.push(() => conn.socket.destroy());
  return conn;
}

const head = (route: string, headers: Record<string, string | number>) =>
  `POST ${route} HTTP/1.1\r\nHost: shim\r\n${Object.entries(headers)
    .map(([name, value]) => `${name}: ${value}\r\n`)
    .join('')}\r\n`;

const AUTHED = { [KEY.name]: KEY.value, 'content-type': 'application/json' };

/** A valid legacy body of exactly `size` bytes (the padding is an extra field, kept). */
function legacyBody(size: number, customerId = 'hostile-customer'): string {
  const base = JSON.parse(readFixtureBytes('legacy/success.json').toString('utf8'));
  const empty = JSON.stringify({ ...base, customerId, pad: '' });
  return JSON.stringify({ ...base, customerId, pad: 'x'.repeat(size - empty.length) });
}

/** `text` as chunked transfer encoding, one byte a chunk (each becomes a body event in Node). */
const oneByteChunks = (text: string) => Array.from(text, (ch) => `1\r\n${ch}\r\n`).join('');

async function metric(url: string, name: string): Promise<number> {
  const text = await (await fetch(`${url}/metrics`)).text();
  const line = text.split('\n').find((l) => l.startsWith(name));
  return line ? Number(line.split(' ').pop()) : 0;
}

describe('hostile clients (the hostile group of the fault suite)', () => {
  it('a body that does not arrive within REQUEST_TIMEOUT gets a JSON 408 and the connection is closed', async () => {
    const service = await shim({ REQUEST_TIMEOUT: '1s' });
    const conn = await connection(service.url);
    const started = Date.now();
    conn.socket.write(`${head(LEGACY, { ...AUTHED, 'content-length': 100 })}{"customerId":`);
    const text = await conn.closed(5_000);
    const elapsed = Date.now() - started;
    const [answer] = responsesIn(text);
    expect(answer?.status).toBe(408);
    expect(JSON.parse(answer?.body ?? '')).toEqual({
      success: false,
      error: {
        code: 'request_timeout',
        message: 'the request did not arrive in time (REQUEST_TIMEOUT); send it again',
      },
    });
    expect(answer?.head).toMatch(/\r\ncontent-type: application\/json/i);
    expect(elapsed).toBeGreaterThanOrEqual(900);
    expect(elapsed).toBeLessThan(4_000);
    expect(await metric(service.url, 'faceauth_client_errors_total{kind="request_timeout"}')).toBe(
      1,
    );
    // Nothing was stored or forwarded, and the service goes on.
    const ok = await fetch(`${service.url}${LEGACY}`, {
      method: 'POST',
      headers: AUTHED,
      body: legacyBody(500),
    });
    expect(ok.status).toBe(200);
  });

  it('memory per body stays near the body limit however small the chunks (5 bodies of 100 KB, a byte a chunk)', async () => {
    const service = await shim();
    const pid = service.child.pid as number;
    const before = rssMB(pid);
    const conns = await Promise.all(Array.from({ length: 5 }, () => connection(service.url)));
    const bodies = conns.map((_, i) => legacyBody(100_000, `tiny-chunks-${i}`));
    // Everything but the last chunk: the service holds 5 bodies of 100 KB, read a byte at a time.
    conns.forEach((conn, i) => {
      conn.socket.write(
        head(LEGACY, { ...AUTHED, 'transfer-encoding': 'chunked' }) +
          oneByteChunks(bodies[i] ?? ''),
      );
    });
    // Every byte handed to the kernel, then time for the service to read it.
    await until('the chunks to be sent', () => conns.every((c) => c.socket.writableLength === 0));
    await new Promise((r) => setTimeout(r, 1_500));
    const holding = rssMB(pid);
    for (const conn of conns) conn.socket.write('0\r\n\r\n');
    const answers = await Promise.all(conns.map((conn) => conn.waitFor(/\r\n\r\n\{.*\}/s, 10_000)));
    for (const text of answers) expect(responsesIn(text)[0]?.status).toBe(200);
    // Before: a chunk object per byte, about 47 MB per 200 KB body (556 MB for ten of them), so
    // about 117 MB for these five; the body limit allows a few MB.
    expect(holding - before).toBeLessThan(40);
  }, 30_000);

  it('a huge POST /oauth/token body gets 413 after a few KiB, without being held (50 MiB sent)', async () => {
    const service = await shim({
      INBOUND_OAUTH_CLIENT_ID: 'incode',
      INBOUND_OAUTH_CLIENT_SECRET: 'hostile-oauth-secret-0123',
    });
    const pid = service.child.pid as number;
    const before = rssMB(pid);
    const conn = await connection(service.url);
    conn.socket.write(
      head('/oauth/token', {
        // The right credentials: before, the body was then read whole.
        authorization: `Basic ${Buffer.from('incode:hostile-oauth-secret-0123').toString('base64')}`,
        'content-type': 'application/x-www-form-urlencoded',
        'transfer-encoding': 'chunked',
      }),
    );
    const piece = `100000\r\n${'a'.repeat(0x100000)}\r\n`;
    let peak = before;
    for (let i = 0; i < 50 && !conn.socket.destroyed; i++) {
      const ok = conn.socket.write(piece);
      if (!ok) {
        await Promise.race([
          new Promise((r) => conn.socket.once('drain', r)),
          new Promise((r) => conn.socket.once('close', r)),
        ]);
      }
      peak = Math.max(peak, rssMB(pid));
      if (/^HTTP\/1\.1 413/.test(conn.received())) break;
    }
    const text = await conn.waitFor(/\r\n\r\n\{.*\}/s, 5_000);
    const [answer] = responsesIn(text);
    expect(answer?.status).toBe(413);
    expect(JSON.parse(answer?.body ?? '')).toMatchObject({ error: 'invalid_request' });
    // Before: the whole body was read (300 MB took RSS from 90 to 1,009 MB).
    expect(peak - before).toBeLessThan(40);
  }, 30_000);

  it('past MAX_BODIES_IN_FLIGHT a request gets a JSON 503 with Retry-After, without its body being read', async () => {
    const service = await shim({ MAX_BODIES_IN_FLIGHT: '2' });
    const slow = await Promise.all([connection(service.url), connection(service.url)]);
    for (const conn of slow) {
      conn.socket.write(`${head(LEGACY, { ...AUTHED, 'content-length': 1000 })}{`);
    }
    await new Promise((r) => setTimeout(r, 300));
    const third = await fetch(`${service.url}${LEGACY}`, {
      method: 'POST',
      headers: AUTHED,
      body: legacyBody(500),
    });
    expect(third.status).toBe(503);
    expect(third.headers.get('retry-after')).toBe('1');
    expect(await third.json()).toMatchObject({ success: false, error: { code: 'busy' } });
    // The places come back when the slow ones go.
    for (const conn of slow) conn.socket.destroy();
    await until('a place to come back', async () => {
      const response = await fetch(`${service.url}${LEGACY}`, {
        method: 'POST',
        headers: AUTHED,
        body: legacyBody(500, 'after-busy'),
      });
      return response.status === 200;
    });
    expect(await metric(service.url, 'faceauth_client_errors_total{kind="busy"}')).toBe(1);
  });

  it('Expect: 100-continue gets the 401 without an invitation to send the body; with credentials, 100 then 200', async () => {
    const service = await shim();
    const denied = await connection(service.url);
    denied.socket.write(
      head(LEGACY, {
        'content-type': 'application/json',
        'content-length': 500,
        expect: '100-continue',
      }),
    );
    const deniedText = await denied.waitFor(/\r\n\r\n\{.*\}/s, 5_000);
    expect(responsesIn(deniedText).map((r) => r.status)).toEqual([401]);

    const allowed = await connection(service.url);
    const body = legacyBody(500, 'continue-customer');
    allowed.socket.write(
      head(LEGACY, { ...AUTHED, 'content-length': body.length, expect: '100-continue' }),
    );
    await allowed.waitFor(/^HTTP\/1\.1 100 Continue/, 5_000);
    allowed.socket.write(body);
    const text = await allowed.waitFor(/\r\n\r\n\{"success":true\}/, 5_000);
    expect(responsesIn(text).map((r) => r.status)).toEqual([100, 200]);
  });

  it('what Node answers by itself has the JSON error body: a header section over 16 KB, a body longer than its Content-Length', async () => {
    const service = await shim();
    const big = await connection(service.url);
    big.socket.write(
      head(LEGACY, { ...AUTHED, 'x-padding': 'p'.repeat(20_000), 'content-length': 2 }),
    );
    const [tooLarge] = responsesIn(await big.closed(5_000));
    expect(tooLarge?.status).toBe(431);
    expect(JSON.parse(tooLarge?.body ?? '')).toMatchObject({
      success: false,
      error: { code: 'headers_too_large' },
    });

    const longer = await connection(service.url);
    longer.socket.write(`${head(LEGACY, { ...AUTHED, 'content-length': 5 })}{"a":1}`);
    const answers = responsesIn(await longer.closed(5_000));
    expect(answers.length).toBeGreaterThan(0);
    for (const answer of answers) {
      expect(answer.status).toBe(400);
      expect(JSON.parse(answer.body)).toMatchObject({ success: false });
    }
  });

  it('clients that hang up mid-body are counted, and logged below error', async () => {
    const service = await shim({ LOG_LEVEL: 'info' });
    for (let i = 0; i < 20; i++) {
      const conn = await connection(service.url);
      conn.socket.write(`${head(LEGACY, { ...AUTHED, 'content-length': 1000 })}{"customerId":"x"`);
      await new Promise((r) => setTimeout(r, 20));
      conn.socket.destroy();
    }
    await until('the hang-ups to be counted', async () => {
      return (
        (await metric(service.url, 'faceauth_client_errors_total{kind="client_closed"}')) === 20
      );
    });
    expect(service.output()).not.toMatch(/"level":"error"/);
  });

  it('pipelined requests whose answers are never read: memory stays bounded, a webhook is answered meanwhile, the floods are cut and what they took is reused', async () => {
    const service = await shim();
    const pid = service.child.pid as number;
    const before = rssMB(pid);
    const flood = async () => {
      // Each connection pipelines 20,000 requests (740 KB) and never reads an answer.
      const conns = await Promise.all(Array.from({ length: 6 }, () => connection(service.url)));
      const request = 'GET /healthz HTTP/1.1\r\nHost: shim\r\n\r\n';
      for (const conn of conns) {
        conn.socket.pause();
        conn.socket.write(request.repeat(20_000));
      }
      let peak = rssMB(pid);
      const sampling = setInterval(() => {
        peak = Math.max(peak, rssMB(pid));
      }, 20);
      try {
        // A real webhook, while the floods are read.
        const sent = Date.now();
        const webhook = await fetch(`${service.url}${LEGACY}`, {
          method: 'POST',
          headers: AUTHED,
          body: legacyBody(500, `during-flood-${sent}`),
          signal: AbortSignal.timeout(10_000),
        });
        expect(webhook.status).toBe(200);
        // The service closes each connection that pipelined that far ahead of its answers.
        await Promise.all(conns.map((conn) => conn.closed(20_000)));
      } finally {
        clearInterval(sampling);
      }
      return peak;
    };
    const first = await flood();
    const second = await flood();
    // Before: every request read was handed to the app at once (6 x 20,000 here; 24 x 50,000
    // took 1.1 GB), and a webhook waited behind them for tens of seconds.
    expect(first - before).toBeLessThan(80);
    // What the first flood took was given back to the heap and reused by the second: the second
    // peak stays near the first (measured against the first peak, not against the RSS between
    // them, which a collection that returned pages to the system lowers on a loaded machine).
    expect(second - first).toBeLessThan(20);
    expect(
      await metric(service.url, 'faceauth_client_errors_total{kind="pipeline_overflow"}'),
    ).toBe(12);
  }, 60_000);

  it('a flood of wrong-key webhooks writes its first line and then a count, not a line each; the metrics count every one', async () => {
    const service = await shim({ LOG_LEVEL: 'info' });
    const flood = 1_000;
    let next = 0;
    const statuses: number[] = [];
    const sender = async () => {
      while (next < flood) {
        next++;
        const response = await fetch(`${service.url}${LEGACY}`, {
          method: 'POST',
          headers: { [KEY.name]: 'a-wrong-key-long-enough', 'content-type': 'application/json' },
          body: legacyBody(500),
        });
        await response.arrayBuffer();
        statuses.push(response.status);
      }
    };
    await Promise.all(Array.from({ length: 8 }, sender));
    expect(statuses.filter((s) => s === 401)).toHaveLength(flood);
    expect(await metric(service.url, `faceauth_unauthorized_total{route="${LEGACY}"}`)).toBe(flood);
    expect(
      await metric(
        service.url,
        `faceauth_webhooks_total{route="${LEGACY}",outcome="unauthorized"}`,
      ),
    ).toBe(flood);
    // A stop writes the count of the interval under way.
    service.child.kill('SIGTERM');
    expect(await service.exited).toBe(0);
    const rejected = service
      .output()
      .split('\n')
      .filter((line) => line.includes('webhook: rejected'))
      .map((line) => JSON.parse(line));
    expect(rejected).toEqual([
      expect.objectContaining({ level: 'warn', route: LEGACY, code: 'unauthorized' }),
      expect.objectContaining({ route: LEGACY, code: 'unauthorized', repeated: flood - 1 }),
    ]);
    // Before: a line each, 1,000 lines (about 235 KB).
    expect(service.output().length).toBeLessThan(20_000);
  }, 60_000);

  it('an event name from the body is logged only when mappings/ lists it, and no log line is long', async () => {
    const service = await shim({ LOG_LEVEL: 'info' });
    const send = (body: unknown) =>
      fetch(`${service.url}${SESSION}`, {
        method: 'POST',
        headers: AUTHED,
        body: JSON.stringify(body),
      });
    const huge = `X${'Y'.repeat(200_000)}`;
    expect((await send({ interviewId: 'i-hostile-1', eventType: huge })).status).toBe(200);
    expect((await send({ interviewId: 'i-hostile-2', eventType: 'SESSION_STARTED' })).status).toBe(
      200,
    );
    await until(
      'both accepted lines',
      () => (service.output().match(/webhook: accepted/g) ?? []).length === 2,
    );
    const lines = service
      .output()
      .split('\n')
      .filter((l) => l.includes('webhook: accepted'));
    expect(lines.map((l) => JSON.parse(l).event)).toEqual(['unlisted', 'SESSION_STARTED']);
    for (const line of service.output().split('\n')) expect(line.length).toBeLessThan(2_000);
    expect(service.output()).not.toContain('YYYYYYYYYY');
  });
});
