import { Hono } from 'hono';
import { z } from 'zod';
import { timeRange } from '../admin/time-range.js';
import { eventDetailView, NOT_REPLAYED, quarantineView } from '../admin/views.js';
import { produceReport, REPORT_FORMATS, reportRange } from '../compare/report.js';
import type { Config } from '../config/config.js';
import { maskedConfig } from '../config/masked-config.js';
import { ForwardSourceError, parseForwardSource } from '../cutover/source-value.js';
import { readStatus } from '../cutover/status.js';
import type { ForwardSourceSwitch } from '../cutover/switch.js';
import { Source } from '../normalize/normalized-schema.js';
import type { Logger } from '../ops/logger.js';
import type { Metrics } from '../ops/metrics.js';
import { EVENT_STATUSES, type Store } from '../store/store.js';
import { codeOf } from '../util/errors.js';
import { secretsEqual } from './constant-time.js';
import { HttpError } from './http-error.js';
import type { Ingest } from './ingest.js';
import { operatingRoutes } from './operating-routes.js';
import { readRequestBody } from './read-body.js';

const PageQuery = z.object({
  limit: z.coerce.number().int().min(1).max(500).default(50),
  before: z.string().regex(/^\d+$/, 'expected the "next" value of a previous page').optional(),
});
/** An id as the filters take it: what a customer or an interview id can be, never empty. */
const IdFilter = z.string().min(1).max(256);
const EventsQuery = PageQuery.extend({
  status: z.enum(EVENT_STATUSES).optional(),
  source: Source.optional(),
  customerId: IdFilter.optional(),
  interviewId: IdFilter.optional(),
  from: z.string().optional(),
  to: z.string().optional(),
});

/** `from`/`to` as milliseconds, or a 400 naming the word that is no date-time. */
function rangeOf(query: { from?: string | undefined; to?: string | undefined }) {
  const range = timeRange(query.from, query.to);
  if ('error' in range) throw new HttpError(400, 'invalid_query', range.error);
  return range;
}

function parseQuery<T extends z.ZodType>(schema: T, query: Record<string, string>): z.infer<T> {
  const result = schema.safeParse(query);
  if (result.success) return result.data;
  const issues = result.error.issues.map((i) => ({ path: i.path.join('.'), message: i.message }));
  throw new HttpError(
    400,
    'invalid_query',
    issues.map((i) => `${i.path}: ${i.message}`).join('; '),
    issues,
  );
}

const ForwardSourceBody = z.union([
  z.strictObject({ source: z.string() }),
  z.strictObject({ plan: z.string() }),
]);
const FORWARD_SOURCE_BODY =
  'expected {"source":"legacy"|"workflows"|"both"|"workflows:<N>%"} or {"plan":"1%,10%@2d,50%@7d,100%@14d"}';

/** What the guard goes by, from the configuration. */
export function guardSettings(config: Config) {
  return {
    minPairs: config.compareMinPairs,
    minAgreement: config.compareMinAgreement,
    counts: config.forwardSourceGuard.counts,
    windowMs: config.forwardSourceGuard.windowMs,
    compareWindowMs: config.compareWindowMs,
  };
}

/** An admin request's body (a forward-source switch is a few bytes). */
const ADMIN_BODY_BYTES = 8 * 1024;

export interface AdminRoutesOptions {
  store: Store;
  adminToken: string;
  config: Config;
  forwardSource: ForwardSourceSwitch;
  /** The webhooks' way in (ingest.ts): a quarantined body taken in again goes through it. */
  ingest: Ingest;
  /** Called when events are put back in the outbox (wakes the delivery worker). */
  onEnqueued: () => void;
  logger: Logger;
  metrics: Metrics;
}

/** `/admin/*`, behind `Authorization: Bearer ADMIN_TOKEN`. */
export function adminRoutes(options: AdminRoutesOptions): Hono {
  const { store, adminToken, config, forwardSource, onEnqueued, logger, metrics } = options;
  const app = new Hono();

  app.use('*', async function requireAdminToken(c, next) {
    const header = c.req.header('authorization');
    // The scheme is case-insensitive (RFC 7235 2.1), as on the webhook routes.
    const token = /^Bearer (.+)$/i.exec(header ?? '')?.[1];
    if (!secretsEqual(token, adminToken)) {
      metrics.unauthorized.inc({ route: '/admin' });
      c.header('www-authenticate', 'Bearer');
      throw new HttpError(
        401,
        'unauthorized',
        'missing or wrong admin token (Authorization: Bearer ADMIN_TOKEN)',
      );
    }
    await next();
  });

  app.get('/events', async function listEvents(c) {
    const { from, to, ...query } = parseQuery(EventsQuery, c.req.query());
    const page = await store.listEvents({ ...query, ...rangeOf({ from, to }) });
    return c.json({ events: page.items, next: page.next });
  });

  app.get('/events/:id', async function getEvent(c) {
    const event = await store.getEvent(c.req.param('id'));
    if (!event) throw new HttpError(404, 'not_found', `no event with id ${c.req.param('id')}`);
    return c.json(eventDetailView(event));
  });

  app.get('/quarantine', async function listQuarantine(c) {
    const query = parseQuery(PageQuery, c.req.query());
    const page = await store.listQuarantine(query);
    return c.json({
      items: page.items.map(quarantineView),
      next: page.next,
    });
  });

  app.post('/events/:id/replay', async function replayOne(c) {
    const id = c.req.param('id');
    const result = await store.replay(id, Date.now());
    if (result === 'not_found') throw new HttpError(404, 'not_found', `no event with id ${id}`);
    if (result !== 'replayed') {
      throw new HttpError(409, 'conflict', `event ${id} ${NOT_REPLAYED[result]}`);
    }
    logger.info({ eventId: id }, 'admin: event replayed');
    onEnqueued();
    // pending, or enriching: an ONBOARDING_FINISHED that never got its score asks for it again.
    const status = (await store.getEvent(id))?.status ?? 'pending';
    return c.json({ success: true, eventId: id, status });
  });

  app.post('/replay', async function replayAll(c) {
    const { status, customerId, from, to } = parseQuery(
      z.object({
        status: z.enum(['dead', 'delivered']),
        customerId: IdFilter.optional(),
        from: z.string().optional(),
        to: z.string().optional(),
      }),
      c.req.query(),
    );
    const range = rangeOf({ from, to });
    // Sending delivered events again is for a callback that lost them: a customer or a range.
    if (status === 'delivered' && customerId === undefined && range.from === undefined) {
      throw new HttpError(
        400,
        'invalid_query',
        'status=delivered sends delivered events again: give a customerId or a from',
      );
    }
    const scope = { customerId, ...range };
    const replayed = await store.replayAll(status, Date.now(), scope);
    logger.info({ status, ...scope, replayed }, 'admin: events replayed');
    if (replayed > 0) onEnqueued();
    return c.json({ success: true, replayed });
  });

  app.put('/forward-source', async function switchForwardSource(c) {
    const read = await readRequestBody(c, ADMIN_BODY_BYTES);
    if (read.tooLarge) {
      throw new HttpError(
        413,
        'payload_too_large',
        `the body is larger than ${ADMIN_BODY_BYTES} bytes`,
      );
    }
    let body: unknown;
    try {
      body = JSON.parse(Buffer.from(read.bytes).toString('utf8'));
    } catch {
      throw new HttpError(
        400,
        'invalid_json',
        'expected a JSON body such as {"source":"workflows"}',
      );
    }
    const parsed = ForwardSourceBody.safeParse(body);
    if (!parsed.success) throw new HttpError(422, 'invalid_payload', FORWARD_SOURCE_BODY);
    const previous = forwardSource.get();
    const now = Date.now();
    try {
      if ('plan' in parsed.data) {
        await forwardSource.setPlan(parsed.data.plan, now);
      } else {
        const value = parseForwardSource(parsed.data.source);
        if ('error' in value) throw new ForwardSourceError(value.error);
        await forwardSource.set(value.value, now);
      }
    } catch (error) {
      if (codeOf(error) !== 'forward_source_refused') throw error;
      throw new HttpError(422, 'invalid_payload', (error as Error).message);
    }
    const source = forwardSource.get();
    logger.warn(
      {
        previous,
        forwardSource: source,
        ...('plan' in parsed.data ? { plan: parsed.data.plan } : {}),
      },
      'admin: FORWARD_SOURCE switched',
    );
    return c.json({ success: true, source, previous, status: await status(now) });
  });

  /** Where the cut-over stands: the share, the plan, the guard, and why the plan waits. */
  function status(now = Date.now()) {
    return readStatus(
      store,
      forwardSource.mode(),
      guardSettings(config),
      now,
      forwardSource.environment(),
    );
  }

  app.get('/forward-source', async function showForwardSource(c) {
    const query = parseQuery(
      z.object({ from: z.string().optional(), to: z.string().optional() }),
      c.req.query(),
    );
    const now = Date.now();
    // The logins over the same range as the report's (its default: the last 7 days).
    const range = reportRange(query.from, query.to, now);
    if ('error' in range) throw new HttpError(400, 'invalid_query', range.error);
    await forwardSource.refresh();
    const view = await readStatus(
      store,
      forwardSource.mode(),
      guardSettings(config),
      now,
      forwardSource.environment(),
      range,
    );
    return c.json({ ...view, origin: forwardSource.origin() });
  });

  app.post('/forward-source/resume', async function resumeCutover(c) {
    const now = Date.now();
    try {
      await forwardSource.resume(now);
    } catch (error) {
      if (codeOf(error) !== 'forward_source_refused') throw error;
      throw new HttpError(409, 'conflict', (error as Error).message);
    }
    logger.warn({ forwardSource: forwardSource.get() }, 'admin: the cut-over resumed');
    return c.json({ success: true, status: await status(now) });
  });

  app.get('/config', (c) => c.json(maskedConfig(config, forwardSource)));

  // Cancel, re-ingest, customers: what operators do during the migration.
  app.route(
    '/',
    operatingRoutes({ store, config, forwardSource, ingest: options.ingest, onEnqueued, logger }),
  );

  app.get('/report', async function comparisonReport(c) {
    const query = parseQuery(
      z.object({
        from: z.string().optional(),
        to: z.string().optional(),
        format: z.enum(REPORT_FORMATS).default('json'),
      }),
      c.req.query(),
    );
    const range = reportRange(query.from, query.to, Date.now());
    if ('error' in range) throw new HttpError(400, 'invalid_query', range.error);
    const { contentType, body } = await produceReport(store, {
      ...range,
      format: query.format,
      minPairs: config.compareMinPairs,
      minAgreement: config.compareMinAgreement,
    });
    return c.body(body, 200, { 'content-type': contentType });
  });

  return app;
}
