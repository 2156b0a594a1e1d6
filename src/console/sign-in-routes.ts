import { getConnInfo } from '@hono/node-server/conninfo';
import type { Context, Hono } from 'hono';
import { getCookie, setCookie } from 'hono/cookie';
import { secretsEqual } from '../http/constant-time.js';
import { createFailureLimiter } from '../http/failure-limiter.js';
import { HttpError } from '../http/http-error.js';
import { readRequestBody } from '../http/read-body.js';
import { problemPage, signInPage } from './pages/simple.js';
import type { ConsoleEnv, ConsoleOptions } from './route-helpers.js';
import { COOKIE_NAME, createSessions, SESSION_TTL_MS } from './session.js';

// The console's sign-in, the session every other page and action needs (with a POST's origin
// and CSRF token checked), and the sign-out.

/** A form's body at most (a plan or an id is a few bytes). */
const FORM_BYTES = 16 * 1024;
/** Wrong tokens from one address before it must wait (the window's length). */
const SIGN_IN_TRIES = 5;
const SIGN_IN_WINDOW_MS = 60_000;

/** A POST comes from a page of this origin (when a browser says where from). */
function sameOrigin(c: Context<ConsoleEnv>): boolean {
  const from = c.req.header('origin') ?? c.req.header('referer');
  if (from === undefined) return true;
  const host = c.req.header('host') ?? new URL(c.req.url).host;
  try {
    return new URL(from).host === host;
  } catch {
    return false;
  }
}

async function readForm(c: Context<ConsoleEnv>): Promise<URLSearchParams> {
  const read = await readRequestBody(c, FORM_BYTES);
  if (read.tooLarge) throw new HttpError(413, 'payload_too_large', 'the form is too large');
  return new URLSearchParams(Buffer.from(read.bytes).toString('utf8'));
}

/**
 * Adds POST /sign-in, then the session check every route added after it passes (a page
 * without a session is the sign-in page), then POST /sign-out.
 */
export function signInRoutes(app: Hono<ConsoleEnv>, options: ConsoleOptions): void {
  const { store, logger, metrics } = options;
  const sessions = createSessions(options.adminToken, store);
  const limiter = createFailureLimiter({
    max: SIGN_IN_TRIES,
    windowMs: SIGN_IN_WINDOW_MS,
    capacity: 10_000,
  });

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
}
