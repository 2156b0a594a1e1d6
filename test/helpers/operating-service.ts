import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { expect, onTestFinished } from 'vitest';
import { type CallbackServer, type Responder, startCallbackServer } from './callback-server.js';
import { type ServiceProcess, startServiceProcess } from './service-process.js';

// The real service as a process (from source) on a SQLite file of its own, a real callback and a
// real alert receiver on loopback: what the end-to-end tests of operating the migration run on.

export const LEGACY = '/webhooks/legacy/authentication';
export const WORKFLOWS = '/webhooks/workflows/face-authentication';
export const KEY = { name: 'X-Incode-Key', value: 'e2e-inbound-secret' };
export const ADMIN = 'admin-token-operating-0123';

/**
 * Runs after the test, in reverse order of registration (Vitest's onTestFinished). Call it
 * inside a test. Not a module-level afterEach: with `isolate: false` a worker imports this
 * helper once for all its files, so a hook registered at import would guard only the first.
 */
export function onCleanup(cleanup: () => Promise<void> | void): void {
  onTestFinished(() => cleanup());
}

/** A folder of its own, removed after the test. */
export function tempDir(): string {
  const dir = mkdtempSync(join(tmpdir(), 'faceauth-operating-'));
  onCleanup(() => rmSync(dir, { recursive: true, force: true }));
  return dir;
}

export async function receiver(respond?: Responder): Promise<CallbackServer> {
  const server = await startCallbackServer(respond);
  onCleanup(() => server.close());
  return server;
}

/** The settings every test starts from: credentials, the admin token, a SQLite file. */
export function baseEnv(db = join(tempDir(), 'shim.db')): Record<string, string> {
  return {
    INBOUND_HEADER_NAME: KEY.name,
    INBOUND_HEADER_VALUE: KEY.value,
    ADMIN_TOKEN: ADMIN,
    DATABASE_URL: `sqlite:${db}`,
  };
}

/** Starts the service; it is stopped (SIGTERM, then SIGKILL) after the test. */
export async function service(env: Record<string, string>): Promise<ServiceProcess> {
  const proc = await startServiceProcess(env);
  onCleanup(async () => {
    if (proc.child.exitCode !== null || proc.child.signalCode !== null) return;
    proc.child.kill('SIGTERM');
    const stopped = await Promise.race([
      proc.exited,
      new Promise((resolve) => setTimeout(() => resolve('slow'), 10_000)),
    ]);
    if (stopped === 'slow') proc.child.kill('SIGKILL');
  });
  return proc;
}

export async function send(base: string, route: string, body: unknown): Promise<void> {
  const response = await fetch(`${base}${route}`, {
    method: 'POST',
    body: JSON.stringify(body),
    headers: { 'content-type': 'application/json', [KEY.name]: KEY.value },
  });
  expect(response.status).toBe(200);
}

export async function admin<T = Record<string, unknown>>(
  base: string,
  path: string,
  method = 'GET',
): Promise<{ status: number; body: T }> {
  const response = await fetch(`${base}/admin${path}`, {
    method,
    headers: { authorization: `Bearer ${ADMIN}` },
  });
  return { status: response.status, body: (await response.json()) as T };
}

export async function metrics(base: string): Promise<string> {
  return (await fetch(`${base}/metrics`)).text();
}

/** A legacy 1:1 body of one login. */
export const legacyBody = (customerId: string, interviewId: string, overallStatus = 'PASS') => ({
  customerId,
  interviewId,
  faceMatch: overallStatus === 'PASS',
  spoofAttempt: false,
  overallStatus,
});

export interface EventRow {
  id: string;
  status: string;
  result: { customerId: string | null; interviewId: string | null };
}
