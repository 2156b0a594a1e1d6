import { customerView } from '../admin/customer-view.js';
import { NOT_CANCELLED } from '../admin/views.js';
import { forwardingMode } from '../cutover/preference.js';
import { modeFor, parseForwardSource, sourceText } from '../cutover/source-value.js';
import { readStored } from '../cutover/stored.js';
import type { Store } from '../store/store.js';
import { type CliContext, type Command, fail, line, withStore } from './command.js';
import { table } from './table.js';

/** The mode in force: the stored switch, or FORWARD_SOURCE as this shell has it. */
async function modeInForce(store: Store, env: CliContext['env']) {
  const stored = await readStored(store);
  if (stored) return { mode: forwardingMode(stored.mode), source: sourceText(stored.mode) };
  const text = env.FORWARD_SOURCE?.trim() || 'legacy';
  const parsed = parseForwardSource(text);
  const value = 'error' in parsed ? 'legacy' : parsed.value;
  const mode = modeFor(value, { word: 'legacy' }, Date.now(), 'environment');
  return { mode: forwardingMode(mode), source: value };
}

export const cancel: Command = {
  name: 'cancel',
  summary: "cancel an event: it is never delivered, and its customer's line moves on",
  help: `usage: faceauth-shim cancel <event id>

Cancels an event the callback must never get (it refuses it for good, say): it is kept with
status cancelled, never delivered, and its customer's later events go ahead. Its login counts as
forwarded: a report of the same login from the other source is not sent in its place. An event
being sent at this moment is not cancelled (try again a few seconds later); nor is a delivered
one. The counterpart of POST /admin/events/:id/cancel. Reads DATABASE_URL. Exit code 1 when the
event does not exist or cannot be cancelled (the reason is printed).`,
  options: {},
  positionals: { min: 1, max: 1 },
  async run(_values, [id], ctx) {
    const eventId = id as string;
    const result = await withStore(ctx, (store) => store.cancel(eventId, Date.now()));
    if (result === 'not_found') {
      fail(ctx, `event ${eventId}: not found`);
      return 1;
    }
    if (result === 'cancelled' || result === 'already_cancelled') {
      line(
        ctx,
        `cancelled event ${eventId}${result === 'already_cancelled' ? ' (it was already)' : ''}`,
      );
      return 0;
    }
    fail(ctx, `event ${eventId} ${NOT_CANCELLED[result]}; not cancelled`);
    return 1;
  },
};

export const customer: Command = {
  name: 'customer',
  summary: 'a customer: moved to Workflows at the current share or not, and their recent logins',
  help: `usage: faceauth-shim customer <customer id> [--json]

Whether the customer's Workflows reports are the ones forwarded now (FORWARD_SOURCE as switched
at run time, or as this shell's environment sets it; for a share, by the customer's bucket), and
their recent logins, newest first: when, the interview, which sources reported it, and what the
callback got (the report sent, its result, whether it was delivered). What
GET /admin/customers/:id answers. Reads DATABASE_URL and FORWARD_SOURCE.

  --json          the answer as JSON, as the admin API gives it`,
  options: { json: { type: 'boolean', default: false } },
  positionals: { min: 1, max: 1 },
  async run(values, [id], ctx) {
    const customerId = id as string;
    const view = await withStore(ctx, async (store) =>
      customerView(store, customerId, await modeInForce(store, ctx.env)),
    );
    if (values.json) {
      line(ctx, JSON.stringify(view, null, 2));
      return 0;
    }
    const verdict =
      view.moved === null
        ? 'no source preferred'
        : view.moved
          ? 'moved: its Workflows reports are forwarded'
          : 'not moved: its legacy reports are forwarded';
    line(ctx, `customer ${customerId}: ${verdict} (${view.forwardSource}: ${view.why})`);
    if (view.logins.length === 0) {
      line(ctx, 'no logins stored');
      return 0;
    }
    const rows = view.logins.map((login) => {
      const sent = login.callback;
      const got = sent
        ? `${sent.source} ${sent.result ?? '-'}${sent.reason ? ` ${sent.reason}` : ''}, ${sent.status}${sent.deliveredAt ? ` ${sent.deliveredAt}` : ''}${sent.status !== 'delivered' && sent.lastError ? ` (${sent.lastError})` : ''}`
        : 'nothing (yet)';
      return [
        login.at,
        login.interviewId ?? '-',
        login.reports.map((r) => `${r.source} ${r.eventId}`).join(', '),
        got,
      ];
    });
    for (const text of table(['RECEIVED', 'INTERVIEW', 'REPORTS', 'CALLBACK GOT'], rows)) {
      line(ctx, text);
    }
    return 0;
  },
};
