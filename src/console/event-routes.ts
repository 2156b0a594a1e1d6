import type { Hono } from 'hono';
import { customerView } from '../admin/customer-view.js';
import { timeRange } from '../admin/time-range.js';
import { eventDetailView } from '../admin/views.js';
import { html } from '../compare/html/fragment.js';
import { forwardingMode } from '../cutover/preference.js';
import {
  cancelEvent,
  reingestQuarantined,
  replayEvent,
  replayEvents,
} from '../http/admin-actions.js';
import { HttpError } from '../http/http-error.js';
import { EVENT_STATUSES, type EventStatus } from '../store/store.js';
import { customerHref, eventHref, withQuery } from './layout.js';
import { maskedBody } from './mask-secrets.js';
import { customerPage } from './pages/customer.js';
import { eventPage } from './pages/event.js';
import { type EventFilters, eventsPage } from './pages/events.js';
import { quarantinePage } from './pages/quarantine.js';
import { confirmPage } from './pages/simple.js';
import {
  type ConsoleEnv,
  type ConsoleOptions,
  ID,
  notice,
  PAGE_SIZE,
  pageContext,
} from './route-helpers.js';

// The console's pages of events, customers and refused bodies, and their actions: replay or
// cancel one event, replay the dead ones, take a refused body in again. Each action is asked
// for by a GET (its confirmation page) and done by a POST, through http/admin-actions.ts.

/** The customer a bulk replay is scoped to, if any. */
function replayCustomer(value: string | null | undefined): string | undefined {
  if (value === null || value === undefined || value === '') return undefined;
  if (!ID.test(value)) throw new HttpError(400, 'invalid_query', 'an id is 256 characters at most');
  return value;
}

/** Adds the pages under /events, /replay, /customers and /quarantine, and their actions. */
export function eventRoutes(app: Hono<ConsoleEnv>, options: ConsoleOptions): void {
  const { store, forwardSource, actions } = options;

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
      pageContext(options, c),
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
    return c.html(eventPage(pageContext(options, c), eventDetailView(event), notice(c)));
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
    return c.html(customerPage(pageContext(options, c), view));
  });

  app.get('/quarantine', async (c) => {
    const before = c.req.query('before') || undefined;
    if (before !== undefined && !/^\d+$/.test(before)) {
      throw new HttpError(400, 'invalid_query', 'before: expected the link to older bodies');
    }
    const page = await store.listQuarantine({ limit: PAGE_SIZE, before });
    return c.html(quarantinePage(pageContext(options, c), page, notice(c)));
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
}
