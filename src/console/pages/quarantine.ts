import { html } from '../../compare/html/fragment.js';
import type { QuarantineRecord } from '../../store/admin-types.js';
import type { PageContext } from '../context.js';
import { eventHref, layout, when, withQuery } from '../layout.js';

export function quarantinePage(
  ctx: PageContext,
  page: { items: QuarantineRecord[]; next: string | null },
  notice: string | null,
): string {
  return layout(
    {
      title: 'Quarantine',
      current: '/console/quarantine',
      session: ctx.session,
      notice: notice ? { kind: 'notice', text: notice } : null,
    },
    html`<p>Bodies the webhooks refused, with the reason. Once the cause is fixed (a mapping, a setting), a body can be taken in again through the webhook's own checks.</p>
<h2 id="q-h">Refused bodies, newest first</h2>
${
  page.items.length === 0
    ? html`<p>None.</p>`
    : html`<div class="table-wrap" role="region" aria-labelledby="q-h" tabindex="0"><table>
<thead><tr><th scope="col">Received</th><th scope="col">Id</th><th scope="col">Route</th><th scope="col">Refused</th><th scope="col">Issues</th><th scope="col">Taken in again</th></tr></thead>
<tbody>${page.items.map(
        (q) =>
          html`<tr><td>${when(q.receivedAt)}</td><td class="id">${q.id}</td><td>${q.route}</td><td>${q.httpStatus} ${q.code}: ${q.message}${q.truncated ? ' (kept cut short)' : ''}</td><td>${
            q.issues && q.issues.length > 0
              ? html`<ul>${q.issues.map((i) => html`<li><code>${i.path}</code>: ${i.message}</li>`)}</ul>`
              : '—'
          }</td><td>${
            q.reingested
              ? html`as <a href="${eventHref(q.reingested.eventId)}">${q.reingested.eventId}</a>`
              : q.truncated
                ? 'cannot be'
                : html`<a href="/console/quarantine/${encodeURIComponent(q.id)}/reingest">Re-ingest…</a>`
          }</td></tr>`,
      )}</tbody></table></div>`
}
${page.next ? html`<p><a href="${withQuery('/console/quarantine', { before: page.next })}">Older</a></p>` : ''}`,
  );
}
