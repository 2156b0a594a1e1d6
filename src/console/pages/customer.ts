import type { CustomerView } from '../../admin/customer-view.js';
import { html } from '../../compare/html/fragment.js';
import type { PageContext } from '../context.js';
import { eventHref, layout, when, withQuery } from '../layout.js';

export function customerPage(ctx: PageContext, view: CustomerView): string {
  return layout(
    { title: `Customer ${view.customerId}`, current: '/console/events', session: ctx.session },
    html`<dl class="facts">
<dt>Moved to Workflows</dt><dd>${view.moved === null ? 'no source is preferred' : view.moved ? 'yes' : 'no'}</dd>
<dt>Why</dt><dd>${view.why}</dd>
<dt>Forwarded source</dt><dd>${view.forwardSource}</dd>
</dl>
<div class="actions">
<a href="${withQuery('/console/events', { customerId: view.customerId })}">All their events</a>
<a href="${withQuery('/console/replay', { status: 'dead', customerId: view.customerId })}">Replay their dead events…</a>
</div>
<h2 id="logins-h">Recent logins</h2>
${
  view.logins.length === 0
    ? html`<p>No login stored for this customer.</p>`
    : html`<div class="table-wrap" role="region" aria-labelledby="logins-h" tabindex="0"><table>
<thead><tr><th scope="col">At</th><th scope="col">Interview</th><th scope="col">Reports</th><th scope="col">What the callback got</th></tr></thead>
<tbody>${view.logins.map(
        (login) =>
          html`<tr><td>${when(login.at)}</td><td class="id">${login.interviewId ?? '—'}</td><td>${login.reports.map(
            (r) =>
              html`<div><a href="${eventHref(r.eventId)}">${r.source}</a>: ${r.status}, ${r.result ?? '—'}${r.reason ? ` ${r.reason}` : ''}</div>`,
          )}</td><td>${
            login.callback
              ? html`<a href="${eventHref(login.callback.eventId)}">${login.callback.source}</a> ${login.callback.result ?? ''}: ${login.callback.status}${login.callback.deliveredAt ? ` at ${when(login.callback.deliveredAt)}` : ''}, ${login.callback.attempts} attempts${login.callback.lastError ? ` (last error: ${login.callback.lastError})` : ''}`
              : 'nothing (yet)'
          }</td></tr>`,
      )}</tbody></table></div>`
}`,
  );
}
