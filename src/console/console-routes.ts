import { getConnInfo } from '@hono/node-server/conninfo';
import { type Context, Hono } from 'hono';
import { getCookie, setCookie } from 'hono/cookie';
import { customerView } from '../admin/customer-view.js';
import { timeRange } from '../admin/time-range.js';
import { eventDetailView } from '../admin/views.js';
import { html } from '../compare/html/fragment.js';
import { produceReport, reportRange } from '../compare/report.js';
import { forwardingMode } from '../cutover/preference.js';
import type { ForwardSourceSwitch } from '../cutover/switch.js';
import {
  type AdminActionDeps,
  cancelEvent,
  cutoverStatus,
  reingestQuarantined,
  replayEvent,
  replayEvents,
  resumeCutover,
  switchForwardSource,
} from '../http/admin-actions.js';
import { secretsEqual } from '../http/constant-time.js';
import { createFailureLimiter } from '../http/failure-limiter.js';
import { HttpError } from '../http/http-error.js';
import { readRequestBody } from '../http/read-body.js';
import type { Logger } from '../ops/logger.js';
import type { Metrics } from '../ops/metrics.js';
import { EVENT_STATUSES, type EventStatus, type Store } from '../store/store.js';
import { codeOf } from '../util/errors.js';
import { ASSETS, CONTENT_SECURITY_POLICY } from './assets.js';
import type { PageContext } from './context.js';
import { customerHref, eventHref, withQuery } from './layout.js';
import { maskedBody } from './mask-secrets.js';
import { customerPage } from './pages/customer.js';
import { type CutoverAsk, cutoverConfirmPage, cutoverPage } from './pages/cutover.js';
import { eventPage } from './pages/event.js';
import { type EventFilters, eventsPage } from './pages/events.js';
import { createRecentReport, overviewPage } from './pages/overview.js';
import { quarantinePage } from './pages/quarantine.js';
import { reportPage } from './pages/report.js';
import { confirmPage, problemPage, signInPage } from './pages/simple.js';
import { COOKIE_NAME, createSessions, SESSION_TTL_MS, type Session } from './session.js';

// The operator console under /console (only when ADMIN_TOKEN is set: app.ts mounts it then).
// Server-rendered pages; every state change is a POST with the session's CSRF token from a
// page of the same origin, and does what the admin API does, through the same functions
// (http/admin-actions.ts). No page needs a script.

export interface ConsoleOptions {
  store: Store;
  adminToken: string;
  forwardSource: ForwardSourceSwitch;
  actions: AdminActionDeps;
  logger: Logger;
  metrics: Metrics;
}

/** A form's body at most (a plan or an id is a few bytes). */
const FORM_BYTES = 16 * 1024;
/** Wrong tokens from one address before it must wait (the window's length). */
const SIGN_IN_TRIES = 5;
const SIGN_IN_WINDOW_MS = 60_000;
const PAGE_SIZE = 50;
const ID = /^.{1,256}$/s;

/** What a `done` in a page's address says (a fixed text per word: nothing of the address shows). */
const DONE: Record<string, string> = {
  replayed: 'Replayed: it is sent again from the first attempt of the schedule.',
  cancelled: "Cancelled: it is never delivered, and its customer's line moved on.",
  reingested: 'Taken in again through the webhook’s checks: this is the event it became.',
  duplicate: 'Already taken in: this is the event it became.',
  switched: 'The cut-over changed; every instance follows within a second.',
  resumed: 'The cut-over resumed.',
};

type Env = { Variables: { session: Session; form: URLSearchParams } };

export function consoleRoutes(options: ConsoleOptions): Hono<Env> {
  const { store, forwardSource, actions, logger, metrics } = options;
  const sessions = createSessions(options.adminToken, store);
  const limiter = createFailureLimiter({
    max: SIGN_IN_TRIES,
    windowMs: SIGN_IN_WINDOW_MS,
    capacity: 10_000,
  });
  const app = new Hono<Env>();

  const context = (c: Context<Env>): PageContext => ({
    store,
    forwardSource,
    actions,
    session: c.get('session'),
    now: Date.now(),
  });
  const notice = (c: Context<Env>): string | null => {
    const done = c.req.query('done');
    if (done === 'replayed-all') {
      const n = Number(c.req.query('n'));
      return `${Number.isSafeInteger(n) ? n : 0} dead events replayed: each is sent again from the first attempt.`;
    }
    return done !== undefined ? (DONE[done] ?? null) : null;
  };

  app.use('*', async function consoleHeaders(c, next) {
    await next();
    c.header('content-security-policy', CONTENT_SECURITY_POLICY);
    c.header('x-frame-options', 'DENY');
    c.header('referrer-policy', 'same-origin');
    c.header('cross-origin-opener-policy', 'same-origin');
  });

  app.get('/assets/:name', (c) => {
    const asset = ASSETS[c.req.param('name')];
    if (!asset) return c.text('not found', 404);
    return c.body(asset.body, 200, { 'content-type': asset.type, 'cache-control': 'no-cache' });
  });

  /** A POST comes from a page of this origin (when a browser says where from). */
  function sameOrigin(c: Context<Env>): boolean {
    const from = c.req.header('origin') ?? c.req.header('referer');
    if (from === undefined) return true;
    const host = c.req.header('host') ?? new URL(c.req.url).host;
    try {
      return new URL(from).host === host;
    } catch {
      return false;
    }
  }

  async function readForm(c: Context<Env>): Promise<URLSearchParams> {
    const read = await readRequestBody(c, FORM_BYTES);
    if (read.tooLarge) throw new HttpError(413, 'payload_too_large', 'the form is too large');
    return new URLSearchParams(Buffer.from(read.bytes).toString('utf8'));
  }

  app.post('/sign-in', async function signIn(c) {
    if (!sameOrigin(c)) return c.html(signInPage('Refused: the form came from another site.'), 403);
    let address = 'unknown';
    try {
      address = getConnInfo(c).remote.address ?? 'unknown';
    } catch {
      // app.request in tests: no socket.
    }
    const now = Date.now();
    const wait = limiter.retryAfterMs(address, now);
    if (wait > 0) {
      c.header('retry-after', String(Math.ceil(wait / 1000)));
      return c.html(
        signInPage(`Too many wrong tokens: try again in ${Math.ceil(wait / 1000)} seconds.`),
        429,
      );
    }
    const form = await readForm(c);
    if (!secretsEqual(form.get('token') ?? undefined, options.adminToken)) {
      limiter.fail(address, now);
      metrics.unauthorized.inc({ route: '/console' });
      logger.warn({ address }, 'console: a wrong admin token at sign-in');
      return c.html(signInPage('Wrong token.'), 401);
    }
    limiter.succeed(address);
    const { cookie } = await sessions.start(now);
    setCookie(c, COOKIE_NAME, cookie, {
      path: '/console',
      httpOnly: true,
      sameSite: 'Strict',
      maxAge: SESSION_TTL_MS / 1000,
      // Behind TLS: the service itself, or a proxy in front of it as the browser's Origin says.
      secure:
        new URL(c.req.url).protocol === 'https:' ||
        (c.req.header('origin') ?? '').startsWith('https://'),
    });
    logger.info({ address }, 'console: signed in');
    return c.redirect('/console', 303);
  });

  // Every other page and action needs a session.
  app.use('*', async function requireSession(c, next) {
    const session = await sessions.read(getCookie(c, COOKIE_NAME), Date.now());
    if (!session) {
      if (c.req.method === 'GET' && c.req.path.replace(/\/$/, '') === '/console') {
        return c.html(signInPage(null), 200);
      }
      if (c.req.method === 'GET') return c.redirect('/console', 303);
      return c.html(signInPage('Your session ended: sign in again.'), 401);
    }
    c.set('session', session);
    if (c.req.method === 'POST') {
      if (!sameOrigin(c)) {
        return c.html(problemPage(session, 'Refused', 'The form came from another site.'), 403);
      }
      const form = await readForm(c);
      if (!sessions.csrfMatches(session, form.get('csrf') ?? undefined)) {
        return c.html(
          problemPage(
            session,
            'Refused',
            'The form’s CSRF token is missing or wrong: reload the page and try again.',
          ),
          403,
        );
      }
      c.set('form', form);
    }
    return next();
  });

  app.post('/sign-out', async function signOut(c) {
    await sessions.end(c.get('session'));
    setCookie(c, COOKIE_NAME, '', {
      path: '/console',
      httpOnly: true,
      sameSite: 'Strict',
      maxAge: 0,
    });
    return c.redirect('/console', 303);
  });

  const recentReport = createRecentReport();
  app.get('/', async (c) => c.html(await overviewPage(context(c), notice(c), recentReport)));

  app.get('/events', async function events(c) {
    const q = c.req.query();
    const filters: EventFilters = {
      status: q.status || undefined,
      source: q.source || undefined,
      customerId: q.customerId || undefined,
      interviewId: q.interviewId || undefined,
      from: q.from || undefined,
      to: q.to || undefined,
    };
    if (filters.status && !(EVENT_STATUSES as readonly string[]).includes(filters.status)) {
      throw new HttpError(400, 'invalid_query', `status: no status ${filters.status}`);
    }
    if (filters.source && filters.source !== 'legacy' && filters.source !== 'workflows') {
      throw new HttpError(400, 'invalid_query', `source: no source ${filters.source}`);
    }
    for (const id of [filters.customerId, filters.interviewId]) {
      if (id !== undefined && !ID.test(id))
        throw new HttpError(400, 'invalid_query', 'an id is 256 characters at most');
    }
    const before = q.before || undefined;
    if (before !== undefined && !/^\d+$/.test(before)) {
      throw new HttpError(400, 'invalid_query', 'before: expected the link to older events');
    }
    const range = timeRange(filters.from, filters.to);
    if ('error' in range) throw new HttpError(400, 'invalid_query', range.error);
    const page = await eventsPage(
      context(c),
      filters,
      {
        limit: PAGE_SIZE,
        status: filters.status as EventStatus | undefined,
        source: filters.source as 'legacy' | 'workflows' | undefined,
        customerId: filters.customerId,
        interviewId: filters.interviewId,
        before,
        ...range,
      },
      before,
      notice(c),
    );
    return c.html(page);
  });

  async function eventOr404(id: string) {
    const event = await store.getEvent(id);
    if (!event) throw new HttpError(404, 'not_found', `no event with id ${id}`);
    return event;
  }

  app.get('/events/:id', async (c) => {
    const event = await eventOr404(c.req.param('id'));
    return c.html(eventPage(context(c), eventDetailView(event), notice(c)));
  });

  app.get('/events/:id/replay', async (c) => {
    const event = await eventOr404(c.req.param('id'));
    const href = eventHref(event.id);
    return c.html(
      confirmPage(
        c.get('session'),
        'Replay one event',
        html`Send event <strong>${event.id}</strong> (${event.status}, customer ${event.result.customerId ?? 'none'}) to the callback again, from the first attempt of the schedule: 1 event.`,
        `${href}/replay`,
        'Yes, replay 1 event',
        href,
      ),
    );
  });

  app.post('/events/:id/replay', async (c) => {
    const { eventId } = await replayEvent(actions, c.req.param('id'));
    return c.redirect(`${eventHref(eventId)}?done=replayed`, 303);
  });

  app.get('/events/:id/cancel', async (c) => {
    const event = await eventOr404(c.req.param('id'));
    const href = eventHref(event.id);
    return c.html(
      confirmPage(
        c.get('session'),
        'Cancel one event',
        html`Cancel event <strong>${event.id}</strong> (${event.status}, customer ${event.result.customerId ?? 'none'}): it is never delivered, is kept as cancelled, and its customer's later events go ahead. 1 event.`,
        `${href}/cancel`,
        'Yes, cancel 1 event',
        href,
      ),
    );
  });

  app.post('/events/:id/cancel', async (c) => {
    const { eventId } = await cancelEvent(actions, c.req.param('id'));
    return c.redirect(`${eventHref(eventId)}?done=cancelled`, 303);
  });

  /** The customer a bulk replay is scoped to, if any. */
  function replayCustomer(value: string | null | undefined): string | undefined {
    if (value === null || value === undefined || value === '') return undefined;
    if (!ID.test(value))
      throw new HttpError(400, 'invalid_query', 'an id is 256 characters at most');
    return value;
  }

  app.get('/replay', async (c) => {
    if ((c.req.query('status') ?? 'dead') !== 'dead') {
      throw new HttpError(400, 'invalid_query', 'the console replays dead events (status=dead)');
    }
    const customerId = replayCustomer(c.req.query('customerId'));
    let count: string;
    if (customerId === undefined) {
      count = String((await store.countByStatus()).dead);
    } else {
      const page = await store.listEvents({ customerId, status: 'dead', limit: 500 });
      count = page.next === null ? String(page.items.length) : 'more than 500';
    }
    const back = customerId ? customerHref(customerId) : '/console/events?status=dead';
    return c.html(
      confirmPage(
        c.get('session'),
        'Replay dead events',
        html`Send <strong>${count}</strong> dead event${count === '1' ? '' : 's'}${customerId ? html` of customer <strong>${customerId}</strong>` : ''} to the callback again, each from the first attempt of the schedule, in its customer's order.`,
        '/console/replay',
        `Yes, replay ${count} dead event${count === '1' ? '' : 's'}`,
        back,
        customerId ? { customerId } : {},
      ),
    );
  });

  app.post('/replay', async (c) => {
    const customerId = replayCustomer(c.get('form').get('customerId'));
    const n = await replayEvents(actions, 'dead', { customerId });
    return c.redirect(withQuery('/console/events', { customerId, done: 'replayed-all', n }), 303);
  });

  app.get('/customers/:id', async (c) => {
    const id = replayCustomer(c.req.param('id'));
    if (id === undefined) throw new HttpError(404, 'not_found', 'no customer id');
    const view = await customerView(store, id, {
      mode: forwardingMode(forwardSource.mode()),
      source: forwardSource.get(),
    });
    return c.html(customerPage(context(c), view));
  });

  app.get('/quarantine', async (c) => {
    const before = c.req.query('before') || undefined;
    if (before !== undefined && !/^\d+$/.test(before)) {
      throw new HttpError(400, 'invalid_query', 'before: expected the link to older bodies');
    }
    const page = await store.listQuarantine({ limit: PAGE_SIZE, before });
    return c.html(quarantinePage(context(c), page, notice(c)));
  });

  app.get('/quarantine/:id/reingest', async (c) => {
    const id = c.req.param('id');
    const entry = await store.getQuarantine(id);
    if (!entry) throw new HttpError(404, 'not_found', `no quarantined body with id ${id}`);
    const body = entry.body;
    const text = new TextDecoder().decode(body);
    return c.html(
      confirmPage(
        c.get('session'),
        'Re-ingest a refused body',
        html`Take body <strong>${entry.id}</strong> (refused ${entry.httpStatus} ${entry.code}: ${entry.message}) in again through the checks of ${entry.route}: 1 body. Fields that hold credentials are hidden here.</p><pre>${maskedBody({ body: text })}</pre><p>`,
        `/console/quarantine/${encodeURIComponent(entry.id)}/reingest`,
        'Yes, re-ingest 1 body',
        '/console/quarantine',
      ),
    );
  });

  app.post('/quarantine/:id/reingest', async (c) => {
    const outcome = await reingestQuarantined(actions, c.req.param('id'));
    return c.redirect(
      `${eventHref(outcome.eventId)}?done=${outcome.duplicate ? 'duplicate' : 'reingested'}`,
      303,
    );
  });

  async function report(now: number, from?: string, to?: string) {
    const range = reportRange(from, to, now);
    if ('error' in range) throw new HttpError(400, 'invalid_query', range.error);
    const { config } = actions;
    const { report } = await produceReport(
      store,
      {
        ...range,
        format: 'json',
        minPairs: config.compareMinPairs,
        minAgreement: config.compareMinAgreement,
      },
      now,
    );
    return { range, report };
  }

  app.get('/report', async (c) => {
    const { range, report: built } = await report(
      Date.now(),
      c.req.query('from'),
      c.req.query('to'),
    );
    const iso = (ms: number) => new Date(ms).toISOString();
    return c.html(reportPage(context(c), { from: iso(range.from), to: iso(range.to) }, built));
  });

  app.get('/cutover', async (c) => {
    await forwardSource.refresh();
    return c.html(cutoverPage(context(c), await cutoverStatus(actions), notice(c)));
  });

  /** What a cut-over form asks for; a 400 when it asks for nothing it can. */
  function askOf(get: (name: string) => string | undefined): CutoverAsk {
    const source = get('source');
    const share = get('share');
    const plan = get('plan');
    if (get('resume') === '1') return { resume: true };
    if (plan) return { plan };
    if (share) return { source: `workflows:${share.replace(/%$/, '')}%` };
    if (source) return { source };
    throw new HttpError(
      400,
      'invalid_query',
      'say what to change: a source, a share, a plan or resume',
    );
  }

  app.get('/cutover/confirm', async (c) => {
    const ask = askOf((name) => c.req.query(name) || undefined);
    const now = Date.now();
    await forwardSource.refresh();
    const [status, { report: built }] = await Promise.all([
      cutoverStatus(actions, now),
      report(now),
    ]);
    return c.html(cutoverConfirmPage(context(c), ask, status, built));
  });

  app.post('/cutover', async (c) => {
    const form = c.get('form');
    const ask = askOf((name) => form.get(name) || undefined);
    if ('resume' in ask) {
      await resumeCutover(actions);
      return c.redirect('/console/cutover?done=resumed', 303);
    }
    await switchForwardSource(actions, ask);
    return c.redirect('/console/cutover?done=switched', 303);
  });

  // A refusal as a page with the admin API's words and status; anything else is logged.
  app.onError(function consoleError(error, c) {
    const session = c.get('session');
    const code = codeOf(error);
    if (error instanceof HttpError) {
      if (error.retryAfterS !== undefined) c.header('retry-after', String(error.retryAfterS));
      const title =
        error.status === 404 ? 'Not found' : error.status >= 500 ? 'Unavailable' : 'Not done';
      return c.html(problemPage(session, title, error.message), error.status as 400);
    }
    if (code === 'store_unavailable') {
      logger.error({ err: error, path: c.req.path }, 'console: the store is unavailable');
      return c.html(
        problemPage(session, 'Unavailable', 'The store is unavailable; try again later.'),
        503,
      );
    }
    logger.error(
      { err: error, method: c.req.method, path: c.req.path },
      'console: unexpected error',
    );
    return c.html(problemPage(session, 'Error', 'Unexpected error; see the service log.'), 500);
  });

  return app;
}
