import { createServer } from 'node:net';

// What the PostgreSQL fault tests (postgres-start, postgres-outage) share: the service's
// settings, one legacy webhook, and /readyz as a load balancer sees it.

export const KEY = { name: 'x-incode-key', value: 'outage-suite-inbound-secret' };
export const LEGACY = '/webhooks/legacy/authentication';
export const ADMIN = 'outage-suite-admin-token';

export async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

export const serviceEnv = (databaseUrl: string, callbackUrl: string) => ({
  DATABASE_URL: databaseUrl,
  CALLBACK_URL: callbackUrl,
  INBOUND_HEADER_NAME: KEY.name,
  INBOUND_HEADER_VALUE: KEY.value,
  ADMIN_TOKEN: ADMIN,
  DELIVERY_RETRY_SCHEDULE: '100ms,200ms,300ms,500ms,1s,1s,1s,1s,1s,1s',
  CALLBACK_TIMEOUT_MS: '2000',
});

/** POSTs one legacy webhook: the status, or 0 when the connection failed. */
export async function post(base: string, n: number): Promise<number> {
  try {
    const response = await fetch(`${base}${LEGACY}`, {
      method: 'POST',
      body: JSON.stringify({
        customerId: `c${n % 7}`,
        transactionId: `t${n}`,
        faceMatch: true,
        overallStatus: 'PASS',
      }),
      headers: { 'content-type': 'application/json', [KEY.name]: KEY.value },
      signal: AbortSignal.timeout(10_000),
    });
    await response.arrayBuffer();
    return response.status;
  } catch {
    return 0;
  }
}

/** The last /readyz answers, for a failure's message. */
export const readyzSeen: string[] = [];

export async function readyz(base: string): Promise<number> {
  const started = Date.now();
  try {
    const response = await fetch(`${base}/readyz`, { signal: AbortSignal.timeout(5_000) });
    readyzSeen.push(`${response.status} ${await response.text()} (${Date.now() - started} ms)`);
    return response.status;
  } catch (error) {
    readyzSeen.push(`${(error as Error).message} (${Date.now() - started} ms)`);
    return 0;
  } finally {
    readyzSeen.splice(0, readyzSeen.length - 3);
  }
}
