import { eventDetailView, NOT_REPLAYED, quarantineView } from '../admin/views.js';
import { Source } from '../normalize/normalized-schema.js';
import { EVENT_STATUSES, type EventStatus } from '../store/store.js';
import { beforeOf, type Command, fail, limitOf, line, UsageError, withStore } from './command.js';
import { table } from './table.js';
import { replayScopeOf, timeRangeOf } from './time-options.js';

// The commands that read the stored events and the refused bodies, and replay events.

export const replay: Command = {
  name: 'replay',
  summary: 'send dead events (or one event) again, with their own event ids',
  help: `usage: faceauth-shim replay --status dead [--customer ID] [--from ISO] [--to ISO]
       faceauth-shim replay --status delivered (--customer ID | --from ISO) [--to ISO]
       faceauth-shim replay --id <event id>

Puts every dead event (of one customer, received in a range), or one event, back in the outbox
from its first attempt; the running service delivers it with its original X-Faceauth-Event-Id.
--status delivered sends delivered events again (a callback that lost them): it needs a
customer or a start. Reads DATABASE_URL. Exit code 1 when the event does not exist or cannot be
replayed (the reason is printed).

  --customer ID   only this customer's events
  --from ISO      only events received at or after, e.g. 2026-11-25T14:00:00Z
  --to ISO        only events received before`,
  options: {
    status: { type: 'string' },
    id: { type: 'string' },
    customer: { type: 'string' },
    from: { type: 'string' },
    to: { type: 'string' },
  },
  async run(values, _positionals, ctx) {
    if ((values.status === undefined) === (values.id === undefined)) {
      throw new UsageError('replay needs --status dead or --id <event id>');
    }
    if (values.status !== undefined && values.status !== 'dead' && values.status !== 'delivered') {
      throw new UsageError(`replay --status takes "dead" or "delivered", not "${values.status}"`);
    }
    const scope = replayScopeOf(values);
    if (values.id !== undefined && Object.keys(scope).length > 0) {
      throw new UsageError('replay --id takes no --customer, --from or --to');
    }
    if (values.status === 'delivered' && !scope.customerId && scope.from === undefined) {
      throw new UsageError('replay --status delivered needs --customer or --from');
    }
    return withStore(ctx, async (store) => {
      if (typeof values.id === 'string') {
        const result = await store.replay(values.id, Date.now());
        if (result === 'not_found') {
          fail(ctx, `event ${values.id}: not found`);
          return 1;
        }
        if (result !== 'replayed') {
          fail(ctx, `event ${values.id} ${NOT_REPLAYED[result]}; not replayed`);
          return 1;
        }
        line(ctx, `replayed event ${values.id}`);
      } else {
        const status = values.status === 'delivered' ? 'delivered' : 'dead';
        const count = await store.replayAll(status, Date.now(), scope);
        line(ctx, `replayed ${count} ${status} event${count === 1 ? '' : 's'}`);
      }
      return 0;
    });
  },
};

export const events: Command = {
  name: 'events',
  summary: 'list stored events, newest first',
  help: `usage: faceauth-shim events [--status S] [--source S] [--customer ID] [--interview ID]
                            [--from ISO] [--to ISO] [--limit N] [--before CURSOR] [--json]

Lists stored events, newest first, a page at a time (what GET /admin/events answers), only those
matching every filter given, under a header: received, id, source, status, result, reason,
customer, and the other report of its login when both sources reported it. Reads DATABASE_URL.

  --status S      ${EVENT_STATUSES.join(', ')}
  --source S      legacy or workflows
  --customer ID   one customer's events
  --interview ID  one interview's events (one login)
  --from ISO      received at or after, e.g. 2026-11-25T14:00:00Z
  --to ISO        received before
  --limit N       events per page, 1 to 500 (default 50)
  --before CURSOR the page after the one that printed this "next" cursor
  --json          the page as JSON, as the admin API gives it`,
  options: {
    status: { type: 'string' },
    source: { type: 'string' },
    customer: { type: 'string' },
    interview: { type: 'string' },
    from: { type: 'string' },
    to: { type: 'string' },
    limit: { type: 'string' },
    before: { type: 'string' },
    json: { type: 'boolean', default: false },
  },
  async run(values, _positionals, ctx) {
    const status = EVENT_STATUSES.find((s) => s === values.status);
    if (values.status !== undefined && !status) {
      throw new UsageError(`--status takes ${EVENT_STATUSES.join(', ')}, not "${values.status}"`);
    }
    const source = Source.safeParse(values.source);
    if (values.source !== undefined && !source.success) {
      throw new UsageError(`--source takes legacy or workflows, not "${values.source}"`);
    }
    const id = (name: 'customer' | 'interview') => {
      const value = values[name];
      if (value !== undefined && (typeof value !== 'string' || value === '')) {
        throw new UsageError(`--${name} takes an id`);
      }
      return value;
    };
    const query = {
      status: status as EventStatus | undefined,
      source: source.success ? source.data : undefined,
      customerId: id('customer'),
      interviewId: id('interview'),
      ...timeRangeOf(values),
      limit: limitOf(values.limit, 50),
      before: beforeOf(values.before),
    };
    const page = await withStore(ctx, (store) => store.listEvents(query));
    if (values.json) {
      line(ctx, JSON.stringify({ events: page.items, next: page.next }, null, 2));
      return 0;
    }
    if (page.items.length === 0) line(ctx, 'no events');
    else {
      const rows = page.items.map((e) => [
        e.receivedAt,
        e.id,
        e.source,
        e.status,
        e.result.status ?? '-',
        e.result.reason ?? '-',
        e.result.customerId ?? '-',
        e.pair
          ? `${e.pair.counterpartId}${e.pair.forwarded ? ` (${e.pair.forwarded} sent)` : ''}`
          : '-',
      ]);
      const headers = [
        'RECEIVED',
        'ID',
        'SOURCE',
        'STATUS',
        'RESULT',
        'REASON',
        'CUSTOMER',
        'PAIR',
      ];
      for (const text of table(headers, rows)) line(ctx, text);
    }
    if (page.next) line(ctx, `next page: faceauth-shim events --before ${page.next}`);
    return 0;
  },
};

export const event: Command = {
  name: 'event',
  summary: 'one event with its attempts, its raw body and what the callback gets',
  help: `usage: faceauth-shim event <event id>

Prints one event as JSON (what GET /admin/events/:id answers): its normalized result, its
delivery attempts, the raw body as Incode sent it, and under "callback" the body the callback
gets; for a shadowed event, the body it would get after a switch. Reads DATABASE_URL. Exit
code 1 when there is no such event.`,
  options: {},
  positionals: { min: 1, max: 1 },
  async run(_values, [id], ctx) {
    const found = await withStore(ctx, (store) => store.getEvent(id as string));
    if (!found) {
      fail(ctx, `event ${id}: not found`);
      return 1;
    }
    line(ctx, JSON.stringify(eventDetailView(found), null, 2));
    return 0;
  },
};

export const quarantine: Command = {
  name: 'quarantine',
  summary: 'the rejected bodies, with their reasons',
  help: `usage: faceauth-shim quarantine [--limit N] [--before CURSOR]

Prints the quarantined (rejected) webhook bodies as JSON, newest first, with the status, code
and message each got (what GET /admin/quarantine answers). Reads DATABASE_URL.

  --limit N       entries per page, 1 to 500 (default 50)
  --before CURSOR the page after the one that printed this "next" cursor`,
  options: { limit: { type: 'string' }, before: { type: 'string' } },
  async run(values, _positionals, ctx) {
    const page = await withStore(ctx, (store) =>
      store.listQuarantine({ limit: limitOf(values.limit, 50), before: beforeOf(values.before) }),
    );
    line(ctx, JSON.stringify({ items: page.items.map(quarantineView), next: page.next }, null, 2));
    return 0;
  },
};
