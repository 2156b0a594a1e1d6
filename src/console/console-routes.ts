import { Hono } from 'hono';
import { HttpError } from '../http/http-error.js';
import { codeOf } from '../util/errors.js';
import { ASSETS, CONTENT_SECURITY_POLICY } from './assets.js';
import { cutoverRoutes } from './cutover-routes.js';
import { eventRoutes } from './event-routes.js';
import { createRecentReport, overviewPage } from './pages/overview.js';
import { problemPage } from './pages/simple.js';
import { type ConsoleEnv, type ConsoleOptions, notice, pageContext } from './route-helpers.js';
import { signInRoutes } from './sign-in-routes.js';

// The operator console under /console (only when ADMIN_TOKEN is set: app.ts mounts it then).
// Server-rendered pages; every state change is a POST with the session's CSRF token from a
// page of the same origin, and does what the admin API does, through the same functions
// (http/admin-actions.ts). No page needs a script.
//
// This file puts the console together, in the order Hono runs it: the headers and the assets,
// the sign-in and the session check (sign-in-routes.ts), then the pages and actions behind it
// (the overview here, event-routes.ts, cutover-routes.ts), and the page for an error.

export type { ConsoleOptions } from './route-helpers.js';

export function consoleRoutes(options: ConsoleOptions): Hono<ConsoleEnv> {
  const { logger } = options;
  const app = new Hono<ConsoleEnv>();

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

  // Every route added after this one needs a session.
  signInRoutes(app, options);

  const recentReport = createRecentReport();
  app.get('/', async (c) =>
    c.html(await overviewPage(pageContext(options, c), notice(c), recentReport)),
  );

  eventRoutes(app, options);
  cutoverRoutes(app, options);

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
