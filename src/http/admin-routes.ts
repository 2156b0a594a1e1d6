import { Hono } from 'hono';
import { z } from 'zod';
import { timeRange } from '../admin/time-range.js';
import { eventDetailView, quarantineView } from '../admin/views.js';
import { produceReport, REPORT_FORMATS, reportRange } from '../compare/report.js';
import type { Config } from '../config/config.js';
import { maskedConfig } from '../config/masked-config.js';
import type { ForwardSourceSwitch } from '../cutover/switch.js';
import { Source } from '../normalize/normalized-schema.js';
import type { Logger } from '../ops/logger.js';
import type { Metrics } from '../ops/metrics.js';
import { EVENT_STATUSES, type Store } from '../store/store.js';
import {
  type AdminActionDeps,
  cutoverStatus,
  replayEvent,
  replayEvents,
  resumeCutover,
  switchForwardSource,
} from './admin-actions.js';
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
  const { store, adminToken, config, forwardSource, metrics } = options;
  const app = new Hono();
  const actions: AdminActionDeps = { ...options };

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
    const replayed = await replayEvent(actions, c.req.param('id'));
    return c.json({ success: true, ...replayed });
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
    const replayed = await replayEvents(actions, status, { customerId, ...rangeOf({ from, to }) });
    return c.json({ success: true, replayed });
  });

  app.put('/forward-source', async function switchSource(c) {
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
    return c.json({ success: true, ...(await switchForwardSource(actions, parsed.data)) });
  });

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
    const view = await cutoverStatus(actions, now, range);
    return c.json({ ...view, origin: forwardSource.origin() });
  });

  app.post('/forward-source/resume', async function resume(c) {
    return c.json({ success: true, ...(await resumeCutover(actions)) });
  });

  app.get('/config', (c) => c.json(maskedConfig(config, forwardSource)));

  // Cancel, re-ingest, customers: what operators do during the migration.
  app.route('/', operatingRoutes({ store, forwardSource, actions }));

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
