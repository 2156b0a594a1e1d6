import type { Hono } from 'hono';
import { produceReport, reportRange } from '../compare/report.js';
import { cutoverStatus, resumeCutover, switchForwardSource } from '../http/admin-actions.js';
import { HttpError } from '../http/http-error.js';
import { type CutoverAsk, cutoverConfirmPage, cutoverPage } from './pages/cutover.js';
import { reportPage } from './pages/report.js';
import { type ConsoleEnv, type ConsoleOptions, notice, pageContext } from './route-helpers.js';

// The console's comparison report and cut-over pages, and the cut-over's change (a source, a
// share, a plan, or a resume after the guard paused), confirmed with the report beside it.

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

/** Adds the pages /report and /cutover, the cut-over's confirmation, and its change. */
export function cutoverRoutes(app: Hono<ConsoleEnv>, options: ConsoleOptions): void {
  const { store, forwardSource, actions } = options;

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
    return c.html(
      reportPage(pageContext(options, c), { from: iso(range.from), to: iso(range.to) }, built),
    );
  });

  app.get('/cutover', async (c) => {
    await forwardSource.refresh();
    return c.html(cutoverPage(pageContext(options, c), await cutoverStatus(actions), notice(c)));
  });

  app.get('/cutover/confirm', async (c) => {
    const ask = askOf((name) => c.req.query(name) || undefined);
    const now = Date.now();
    await forwardSource.refresh();
    const [status, { report: built }] = await Promise.all([
      cutoverStatus(actions, now),
      report(now),
    ]);
    return c.html(cutoverConfirmPage(pageContext(options, c), ask, status, built));
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
}
