import { html } from '../../compare/html/fragment.js';
import type { EventSummary } from '../../store/admin-types.js';
import { EVENT_STATUSES } from '../../store/store.js';
import type { PageContext } from '../context.js';
import { customerHref, eventHref, layout, when, withQuery } from '../layout.js';

export interface EventFilters {
  status?: string | undefined;
  source?: string | undefined;
  customerId?: string | undefined;
  interviewId?: string | undefined;
  from?: string | undefined;
  to?: string | undefined;
}

const SOURCES = ['legacy', 'workflows'] as const;

function select(
  name: string,
  label: string,
  values: readonly string[],
  chosen: string | undefined,
) {
  return html`<div><label for="f-${name}">${label}</label><select id="f-${name}" name="${name}"><option value="">any</option>${values.map(
    (v) => html`<option value="${v}"${v === chosen ? html` selected` : ''}>${v}</option>`,
  )}</select></div>`;
}

function text(name: string, label: string, value: string | undefined, hint = '') {
  return html`<div><label for="f-${name}">${label}</label><input id="f-${name}" name="${name}" value="${value ?? ''}"${hint ? html` placeholder="${hint}"` : ''}></div>`;
}

export function eventRows(events: readonly EventSummary[]) {
  return html`<div class="table-wrap" role="region" aria-labelledby="events-h" tabindex="0"><table>
<thead><tr><th scope="col">Received</th><th scope="col">Event</th><th scope="col">Source</th><th scope="col">Status</th><th scope="col">Result</th><th scope="col">Customer</th><th scope="col">Interview</th><th scope="col" class="num">Attempts</th><th scope="col">Last error</th></tr></thead>
<tbody>
${events.map(
  (e) =>
    html`<tr><td>${when(e.receivedAt)}</td><td class="id"><a href="${eventHref(e.id)}">${e.id}</a></td><td>${e.source}</td><td>${e.status}</td><td>${e.result.status ? html`<span class="status-${e.result.status}">${e.result.status}</span>` : '—'}${e.result.reason ? ` ${e.result.reason}` : ''}</td><td class="id">${e.result.customerId ? html`<a href="${customerHref(e.result.customerId)}">${e.result.customerId}</a>` : '—'}</td><td class="id">${e.result.interviewId ?? '—'}</td><td class="num">${e.attempts}</td><td>${e.lastError ?? ''}</td></tr>`,
)}
</tbody></table></div>`;
}

export async function eventsPage(
  ctx: PageContext,
  filters: EventFilters,
  query: Parameters<PageContext['store']['listEvents']>[0],
  before: string | undefined,
  notice: string | null,
): Promise<string> {
  const page = await ctx.store.listEvents(query);
  const here = { ...filters };
  return layout(
    {
      title: 'Events',
      current: '/console/events',
      session: ctx.session,
      live: before === undefined,
      notice: notice ? { kind: 'notice', text: notice } : null,
    },
    html`<form class="filters" method="get" action="/console/events" role="search" aria-label="Filter events">
${select('status', 'Status', EVENT_STATUSES, filters.status)}
${select('source', 'Source', SOURCES, filters.source)}
${text('customerId', 'Customer id', filters.customerId)}
${text('interviewId', 'Interview id', filters.interviewId)}
${text('from', 'Received from (UTC)', filters.from, '2026-11-25T14:00:00Z')}
${text('to', 'Received before (UTC)', filters.to, '2026-11-26T00:00:00Z')}
<div><button type="submit">Filter</button> <a href="/console/events">Clear</a></div>
</form>
<div class="actions">
<a href="${withQuery('/console/replay', { status: 'dead', customerId: filters.customerId })}">${filters.customerId ? 'Replay this customer’s dead events…' : 'Replay all dead events…'}</a>
${filters.customerId ? html`<a href="${customerHref(filters.customerId)}">The customer</a>` : ''}
</div>
<h2 id="events-h">${before === undefined ? 'Newest events' : 'Older events'}</h2>
<div data-live>
${page.items.length === 0 ? html`<p>No event matches.</p>` : eventRows(page.items)}
</div>
${page.next ? html`<p><a href="${withQuery('/console/events', { ...here, before: page.next })}">Older events</a></p>` : ''}
${before !== undefined ? html`<p><a href="${withQuery('/console/events', here)}">Back to the newest</a></p>` : ''}`,
  );
}
