import { mkdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type Browser, type BrowserContext, chromium, type Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { addAxe, axeViolations } from '../helpers/axe.js';
import { type CallbackServer, startCallbackServer } from '../helpers/callback-server.js';
import { CHROMIUM, hasChromium, LAUNCH_ARGS, runs, SKIPPED } from '../helpers/chromium.js';
import { type ServiceProcess, startServiceProcess } from '../helpers/service-process.js';

// The operator console in headless Chromium (Debian's chromium-headless-shell driven by
// playwright-core, as test/compare/report-browser.test.ts: skipped without it, saying why,
// unless CI is set), against the real service and a real callback on 127.0.0.1.

/** Where the screenshots go: docs/console when asked (CONSOLE_SCREENSHOTS=docs/console), else a temporary folder. */
const SHOTS = process.env.CONSOLE_SCREENSHOTS || join(tmpdir(), 'faceauth-console');

const ADMIN = 'admin-token-console-0123';
const KEY = { name: 'X-Incode-Key', value: 'console-inbound-secret' };
const LEGACY = '/webhooks/legacy/authentication';

function legacy(customerId: string, interviewId: string, status: 'PASS' | 'FAIL' = 'PASS') {
  return {
    customerId,
    token: 'a-session-token-not-to-show',
    interviewId,
    interviewToken: '',
    transactionId: `tx-${interviewId}`,
    faceMatch: status === 'PASS',
    spoofAttempt: false,
    secondFactor: false,
    children: [],
    hasFaceMask: false,
    hasLenses: false,
    spoofConfidence: 0.001,
    recognitionConfidence: { confidence: 0.93, candidates: [] },
    overallScore: 0.93,
    overallStatus: status,
  };
}

let browser: Browser | undefined;
let service: ServiceProcess | undefined;
let callback: CallbackServer | undefined;
/** How the callback answers a customer: 410 makes an event dead at once, 500 keeps it pending. */
const answers = new Map<string, number>();

async function send(body: unknown, raw?: string): Promise<number> {
  const response = await fetch(`${service?.url}${LEGACY}`, {
    method: 'POST',
    body: raw ?? JSON.stringify(body),
    headers: { 'content-type': 'application/json', [KEY.name]: KEY.value },
  });
  await response.arrayBuffer();
  return response.status;
}

async function admin<T>(path: string): Promise<T> {
  const response = await fetch(`${service?.url}/admin${path}`, {
    headers: { authorization: `Bearer ${ADMIN}` },
  });
  return (await response.json()) as T;
}

interface Summary {
  id: string;
  status: string;
  attempts: number;
}

async function eventOf(customerId: string): Promise<Summary> {
  const { events } = await admin<{ events: Summary[] }>(
    `/events?customerId=${encodeURIComponent(customerId)}`,
  );
  if (!events[0]) throw new Error(`no event of ${customerId}`);
  return events[0];
}

async function until(check: () => Promise<boolean>, what: string, timeoutMs = 8_000) {
  const end = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

interface Watched {
  requests: string[];
  consoleErrors: string[];
  pageErrors: string[];
}

function watch(context: BrowserContext): Watched {
  const watched: Watched = { requests: [], consoleErrors: [], pageErrors: [] };
  context.on('request', (request) => watched.requests.push(request.url()));
  context.on('page', (page) => {
    page.on('console', (m) => {
      if (m.type() === 'error') watched.consoleErrors.push(m.text());
    });
    page.on('pageerror', (e) => watched.pageErrors.push(e.message));
  });
  return watched;
}

async function signIn(page: Page, token = ADMIN) {
  await page.goto(`${service?.url}/console`);
  await page.getByLabel('Admin token (ADMIN_TOKEN)').fill(token);
  const [response] = await Promise.all([
    page.waitForResponse((r) => r.url().endsWith('/console/sign-in')),
    page.getByRole('button', { name: 'Sign in' }).click(),
  ]);
  await page.waitForLoadState('load');
  return response;
}

if (!runs) {
  process.stderr.write(`test/console/console-browser.test.ts: ${SKIPPED}\n`);
  it.skip(SKIPPED, () => {});
} else {
  describe('the operator console in headless Chromium', () => {
    let context: BrowserContext;
    let watched: Watched;
    let page: Page;

    beforeAll(async () => {
      if (!hasChromium)
        throw new Error(`${CHROMIUM} is missing: CI must install Debian's chromium-headless-shell`);
      callback = await startCallbackServer((call) => ({
        status: answers.get(String(call.json.customerId)) ?? 200,
      }));
      const db = join(tmpdir(), `faceauth-console-${process.pid}-${Date.now()}.db`);
      [service, browser] = await Promise.all([
        startServiceProcess({
          INBOUND_HEADER_NAME: KEY.name,
          INBOUND_HEADER_VALUE: KEY.value,
          ADMIN_TOKEN: ADMIN,
          DATABASE_URL: `sqlite:${db}`,
          CALLBACK_URL: `${callback.url}`,
          FORWARD_SOURCE: 'both',
          DELIVERY_RETRY_SCHEDULE: '1h,1h',
        }),
        chromium.launch({ executablePath: CHROMIUM, args: LAUNCH_ARGS }),
      ]);
      context = await browser.newContext({ viewport: { width: 1280, height: 900 } });
      watched = watch(context);
      page = await context.newPage();
      mkdirSync(SHOTS, { recursive: true });
    }, 60_000);

    afterAll(async () => {
      await browser?.close();
      service?.child.kill('SIGTERM');
      await service?.exited;
      await callback?.close();
    });

    it('refuses a wrong token, then signs in with a cookie that is HttpOnly and SameSite=Strict, under a strict CSP', async () => {
      const wrong = await signIn(page, 'not-the-token');
      expect(wrong.status()).toBe(401);
      expect(await page.getByRole('alert').textContent()).toContain('Wrong token');
      expect(await context.cookies()).toEqual([]);

      const right = await signIn(page);
      expect(right.status()).toBe(303);
      expect(await page.locator('h1').textContent()).toBe('Overview');
      const [cookie] = await context.cookies();
      expect(cookie).toMatchObject({
        name: 'faceauth_console',
        httpOnly: true,
        sameSite: 'Strict',
      });
      expect(cookie?.expires ?? 0).toBeGreaterThan(Date.now() / 1000 + 3600);
      const overview = await page.goto(`${service?.url}/console`);
      const csp = overview?.headers()['content-security-policy'] ?? '';
      expect(csp).toContain("script-src 'self'");
      expect(csp).not.toContain("'unsafe-inline'");
    }, 30_000);

    it('shows an arriving event without a reload, and opens it', async () => {
      await page.goto(`${service?.url}/console/events`);
      expect(await page.getByText('live-cust-1').count()).toBe(0);
      expect(await send(legacy('live-cust-1', 'live-int-1'))).toBe(200);
      // The live refresh (live.js) brings it in.
      await expect.poll(() => page.getByText('live-cust-1').count(), { timeout: 8_000 }).toBe(1);
      const { id } = await eventOf('live-cust-1');
      await page.getByRole('link', { name: id }).click();
      await page.waitForLoadState('load');
      expect(await page.locator('h1').textContent()).toBe(`Event ${id}`);
      expect(await page.locator('body').textContent()).not.toContain('a-session-token-not-to-show');
    }, 30_000);

    it('replays a dead event to the real callback, and cancels a pending one', async () => {
      answers.set('dead-cust', 410);
      answers.set('stuck-cust', 500);
      expect(await send(legacy('dead-cust', 'dead-int'))).toBe(200);
      expect(await send(legacy('stuck-cust', 'stuck-int', 'FAIL'))).toBe(200);
      await until(async () => (await eventOf('dead-cust')).status === 'dead', 'the dead event');
      await until(async () => (await eventOf('stuck-cust')).attempts >= 1, 'a refused attempt');
      const dead = await eventOf('dead-cust');
      const before = callback?.calls.length ?? 0;
      answers.set('dead-cust', 200);

      await page.goto(`${service?.url}/console/events/${dead.id}`);
      await page.getByRole('link', { name: 'Replay…' }).click();
      expect(await page.locator('main p').first().textContent()).toContain('1 event');
      await page.getByRole('button', { name: 'Yes, replay 1 event' }).click();
      await page.waitForLoadState('load');
      expect(await page.getByRole('status').textContent()).toContain('Replayed');
      const calls = (await callback?.waitForCalls(before + 1)) ?? [];
      expect(calls.slice(before).some((call) => call.json.customerId === 'dead-cust')).toBe(true);
      await until(async () => (await eventOf('dead-cust')).status === 'delivered', 'delivered');
      await page.reload();
      await page.screenshot({ path: join(SHOTS, 'event.png'), fullPage: true });

      const stuck = await eventOf('stuck-cust');
      await page.goto(`${service?.url}/console/events/${stuck.id}`);
      await page.getByRole('link', { name: 'Cancel…' }).click();
      await page.getByRole('button', { name: 'Yes, cancel 1 event' }).click();
      await page.waitForLoadState('load');
      expect(await page.getByRole('status').textContent()).toContain('Cancelled');
      expect((await eventOf('stuck-cust')).status).toBe('cancelled');
    }, 30_000);

    it('switches the source through its confirmation, which shows the report and the guard', async () => {
      await page.goto(`${service?.url}/console/cutover`);
      await page.getByLabel('Forward').selectOption('workflows');
      await page.getByRole('button', { name: 'Review…' }).first().click();
      await page.waitForLoadState('load');
      expect(await page.locator('h1').textContent()).toBe('Confirm the cut-over');
      expect(
        await page.getByRole('heading', { name: /What the comparison report says/ }).count(),
      ).toBe(1);
      expect(await page.getByRole('heading', { name: 'What the guard says' }).count()).toBe(1);
      expect((await admin<{ source: string }>('/forward-source')).source).toBe('both');
      await page.getByRole('button', { name: 'Yes, forward workflows' }).click();
      await page.waitForLoadState('load');
      expect(await page.getByRole('status').textContent()).toContain('cut-over changed');
      expect((await admin<{ source: string }>('/forward-source')).source).toBe('workflows');
    }, 30_000);

    it('refuses a POST without the CSRF token, even with the session cookie', async () => {
      const stuck = await eventOf('live-cust-1');
      const refused = await page.request.post(`${service?.url}/console/events/${stuck.id}/cancel`, {
        form: { nothing: 'here' },
      });
      expect(refused.status()).toBe(403);
      expect((await eventOf('live-cust-1')).status).toBe('delivered');
    }, 30_000);

    it('passes axe-core on every page at 1280 and 390 px', async () => {
      expect(await send(null, '{"customerId": 1')).toBe(400); // one body in quarantine
      const { id } = await eventOf('dead-cust');
      const pages = [
        '/console',
        '/console/events',
        `/console/events/${id}`,
        `/console/events/${id}/replay`,
        '/console/customers/dead-cust',
        '/console/quarantine',
        '/console/report',
        '/console/cutover',
        '/console/cutover/confirm?share=10',
        '/console/replay?status=dead',
      ];
      // axe-core is a script the test adds: a context of its own that lets it run.
      const axeContext = await browser?.newContext({ bypassCSP: true });
      if (!axeContext) throw new Error('no browser');
      await addAxe(axeContext);
      await axeContext.addCookies(await context.cookies());
      try {
        // Both widths at once: the check of every page is the test's longest part.
        await Promise.all(
          [1280, 390].map(async (width) => {
            const axePage = await axeContext.newPage();
            await axePage.setViewportSize({ width, height: 900 });
            for (const path of pages) {
              const response = await axePage.goto(`${service?.url}${path}`);
              expect(response?.status(), path).toBe(200);
              const severe = (await axeViolations(axePage)).filter(
                (v) => v.impact === 'serious' || v.impact === 'critical',
              );
              expect(severe, `${path} at ${width} px`).toEqual([]);
              const overflow = await axePage.evaluate<number>(
                'document.documentElement.scrollWidth - document.documentElement.clientWidth',
              );
              expect(
                overflow,
                `${path} at ${width} px is wider than the window`,
              ).toBeLessThanOrEqual(0);
            }
            await axePage.close();
          }),
        );
        // The sign-in page, signed out.
        const fresh = await browser?.newContext({ bypassCSP: true });
        if (fresh) await addAxe(fresh);
        const signInPage = await fresh?.newPage();
        await signInPage?.goto(`${service?.url}/console`);
        if (signInPage) expect(await axeViolations(signInPage)).toEqual([]);
        await fresh?.close();
      } finally {
        await axeContext.close();
      }
      await page.goto(`${service?.url}/console`);
      await page.screenshot({ path: join(SHOTS, 'overview.png'), fullPage: true });
    }, 120_000);

    it('asked nothing of anyone but the service, and logged no error (a CSP refusal would be one)', () => {
      const origin = new URL(service?.url ?? '').origin;
      expect(watched.requests.filter((url) => !url.startsWith(`${origin}/`))).toEqual([]);
      expect(origin).toMatch(/^http:\/\/127\.0\.0\.1:/);
      expect(watched.consoleErrors.filter((e) => !/status of 40[13]/.test(e))).toEqual([]);
      expect(watched.pageErrors).toEqual([]);
    });
  });
}
