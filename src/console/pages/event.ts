import type { eventDetailView } from '../../admin/views.js';
import { html } from '../../compare/html/fragment.js';
import type { PageContext } from '../context.js';
import { customerHref, eventHref, layout, when } from '../layout.js';
import { mask, maskedBody } from '../mask-secrets.js';

type Detail = ReturnType<typeof eventDetailView>;

const REPLAYABLE = ['dead', 'delivered'];
const CANCELLABLE = ['pending', 'dead', 'enriching'];

export function eventPage(ctx: PageContext, event: Detail, notice: string | null): string {
  const { pair, line } = event;
  const customer = event.result.customerId;
  return layout(
    {
      title: `Event ${event.id}`,
      current: '/console/events',
      session: ctx.session,
      notice: notice ? { kind: 'notice', text: notice } : null,
    },
    html`<dl class="facts">
<dt>Status</dt><dd>${event.status}${event.note ? ` (${event.note})` : ''}</dd>
<dt>Source</dt><dd>${event.source} (${event.route})</dd>
<dt>Received</dt><dd>${when(event.receivedAt)}</dd>
<dt>Customer</dt><dd>${customer ? html`<a href="${customerHref(customer)}">${customer}</a>` : '—'}</dd>
<dt>Interview</dt><dd>${event.result.interviewId ?? '—'}</dd>
<dt>Result</dt><dd>${event.result.status ? html`<span class="status-${event.result.status}">${event.result.status}</span>` : '—'}${event.result.reason ? ` ${event.result.reason}` : ''}</dd>
<dt>Attempts</dt><dd>${event.attempts}${event.nextAttemptAt ? `, next at ${when(event.nextAttemptAt)}` : ''}</dd>
<dt>Delivered</dt><dd>${when(event.deliveredAt)}</dd>
<dt>Redeliveries from Incode</dt><dd>${event.duplicates}</dd>
</dl>
<div class="actions">
${REPLAYABLE.includes(event.status) ? html`<a class="button" href="${eventHref(event.id)}/replay">Replay…</a>` : ''}
${CANCELLABLE.includes(event.status) ? html`<a class="button secondary" href="${eventHref(event.id)}/cancel">Cancel…</a>` : ''}
</div>
<h2 id="line-h">Order in its customer's line</h2>
${line ? html`<p>${line.held ? html`<strong>Held.</strong> ` : ''}${line.holding > 0 ? html`<strong>Holding ${line.holding} later event${line.holding === 1 ? '' : 's'}.</strong> ` : ''}${line.note}</p>${line.waitingFor ? html`<p>Waits for <a href="${eventHref(line.waitingFor.eventId)}">${line.waitingFor.eventId}</a>.</p>` : ''}` : html`<p>In no line: it is not waiting to be sent.</p>`}
<h2 id="pair-h">Its login's other report</h2>
${
  pair
    ? html`<p><a href="${eventHref(pair.counterpartId)}">${pair.counterpartId}</a> (${pair.counterpartSource}), paired ${when(pair.pairedAt)}; the callback gets the ${pair.forwarded ?? 'neither (yet)'} report.</p>
${
  pair.comparison
    ? html`<p>Status ${pair.comparison.statusAgrees ? html`<span class="good">agrees</span>` : html`<span class="bad">differs</span>`}; reason ${pair.comparison.reasonAgrees ? html`<span class="good">agrees</span>` : html`<span class="bad">differs</span>`}.</p>
${
  pair.comparison.differences.length > 0
    ? html`<div class="table-wrap" role="region" aria-labelledby="pair-h" tabindex="0"><table><thead><tr><th scope="col">Field</th><th scope="col">Legacy</th><th scope="col">Workflows</th></tr></thead><tbody>${pair.comparison.differences.map(
        (d) =>
          html`<tr><th scope="row"><code>${d.field}</code></th><td><code>${JSON.stringify(d.legacy)}</code></td><td><code>${JSON.stringify(d.workflows)}</code></td></tr>`,
      )}</tbody></table></div>`
    : html`<p>No field differs.</p>`
}`
    : html`<p>Not compared yet: one of the two waits for its score.</p>`
}`
    : html`<p>None: only one source reported this login (so far).</p>`
}
<h2 id="attempts-h">Attempts</h2>
${
  event.attemptHistory.length === 0
    ? html`<p>None.</p>`
    : html`<div class="table-wrap" role="region" aria-labelledby="attempts-h" tabindex="0"><table><thead><tr><th scope="col">At</th><th scope="col" class="num">Status code</th><th scope="col">Error</th><th scope="col" class="num">Duration</th></tr></thead><tbody>${event.attemptHistory.map(
        (a) =>
          html`<tr><td>${when(a.at)}</td><td class="num">${a.statusCode ?? '—'}</td><td>${a.error ?? ''}</td><td class="num">${a.durationMs} ms</td></tr>`,
      )}</tbody></table></div>`
}
<h2 id="normalized-h">Normalized result</h2>
<p class="muted">Fields that hold credentials are hidden.</p>
<pre>${event.normalized ? JSON.stringify(mask(event.normalized), null, 2) : 'none: this event carries no outcome'}</pre>
<h2 id="received-h">Body received</h2>
<p class="muted">${event.contentType}; fields that hold credentials are hidden.</p>
<pre>${maskedBody(event)}</pre>
<h2 id="forwarded-h">Body forwarded to the callback</h2>
${event.callback ? html`<p class="muted">${event.callback.format} format${event.status === 'shadowed' ? '; not sent: what the callback would get after a switch' : ''}; fields that hold credentials are hidden.</p><pre>${maskedBody(event.callback)}</pre>` : html`<p>Nothing to forward.</p>`}`,
  );
}
