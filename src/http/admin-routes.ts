import { Hono } from 'hono';
import { z } from 'zod';
import { Source } from '../normalize/normalized-schema.js';
import { EVENT_STATUSES, type Store } from '../store/store.js';
import { secretsEqual } from './constant-time.js';
import { HttpError } from './http-error.js';

const PageQuery = z.object({
  limit: z.coerce.number().int().min(1).max(500).default(50),
  before: z.string().regex(/^\d+$/, 'expected the "next" value of a previous page').optional(),
});
const EventsQuery = PageQuery.extend({
  status: z.enum(EVENT_STATUSES).optional(),
  source: Source.optional(),
});

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

const decoder = new TextDecoder('utf-8', { fatal: true });
/** A stored body as text when it is UTF-8, else base64. */
function bodyFields(bytes: Uint8Array): { body: string } | { bodyBase64: string } {
  try {
    return { body: decoder.decode(bytes) };
  } catch {
    return { bodyBase64: Buffer.from(bytes).toString('base64') };
  }
}

/** `/admin/*`, behind `Authorization: Bearer ADMIN_TOKEN`. */
export function adminRoutes(options: { store: Store; adminToken: string }): Hono {
  const { store, adminToken } = options;
  const app = new Hono();

  app.use('*', async function requireAdminToken(c, next) {
    const header = c.req.header('authorization');
    const token = header?.startsWith('Bearer ') ? header.slice('Bearer '.length) : undefined;
    if (!secretsEqual(token, adminToken)) {
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
    const query = parseQuery(EventsQuery, c.req.query());
    const page = await store.listEvents(query);
    return c.json({ events: page.items, next: page.next });
  });

  app.get('/events/:id', async function getEvent(c) {
    const event = await store.getEvent(c.req.param('id'));
    if (!event) throw new HttpError(404, 'not_found', `no event with id ${c.req.param('id')}`);
    const { rawBody, attemptHistory, ...rest } = event;
    return c.json({
      ...rest,
      attemptHistory: attemptHistory.map((a) => ({ ...a, at: new Date(a.at).toISOString() })),
      ...bodyFields(rawBody),
    });
  });

  app.get('/quarantine', async function listQuarantine(c) {
    const query = parseQuery(PageQuery, c.req.query());
    const page = await store.listQuarantine(query);
    return c.json({
      items: page.items.map(({ body, ...rest }) => ({ ...rest, ...bodyFields(body) })),
      next: page.next,
    });
  });

  return app;
}
