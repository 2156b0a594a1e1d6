import { type Fragment, html } from '../../compare/html/fragment.js';
import type { ComparisonReport } from '../../compare/report-schema.js';
import { verdictHeading } from '../../compare/report-text.js';
import type { cutoverStatus } from '../../http/admin-actions.js';
import type { PageContext } from '../context.js';
import { actionForm, layout, when } from '../layout.js';

type Status = Awaited<ReturnType<typeof cutoverStatus>>;

/** What an operator asks of the cut-over, as the forms send it. */
export type CutoverAsk = { source: string } | { plan: string } | { resume: true };

export function describeAsk(ask: CutoverAsk): string {
  if ('resume' in ask) return 'resume the cut-over the guard paused';
  if ('plan' in ask) return `start the plan ${ask.plan}`;
  return `forward ${ask.source}`;
}

function statusFacts(status: Status): Fragment {
  return html`<dl class="facts">
<dt>Forwarded source</dt><dd>${status.source}</dd>
<dt>Share on Workflows</dt><dd>${status.share}</dd>
<dt>Plan</dt><dd>${status.plan ? status.plan.text : 'none'}</dd>
<dt>Guard</dt><dd>${status.guard ? html`<span class="${status.guard.status === 'green' ? 'good' : 'bad'}">${status.guard.status}</span>: ${status.guard.window.agreeing} of ${status.guard.window.pairs} pairs agree (at least ${status.guard.minPairs} pairs and ${Math.round(status.guard.minAgreement * 1000) / 10}% needed)` : 'not watching (no share in force)'}</dd>
${status.paused ? html`<dt>Paused</dt><dd class="bad">${status.paused.reason} (at ${when(status.paused.at)}, from ${status.paused.from} to ${status.paused.to})</dd>` : ''}
${status.next ? html`<dt>Next</dt><dd>${status.next.action}: ${status.next.reason}</dd>` : ''}
<dt>Days left</dt><dd>${status.legacy.daysLeft} before the legacy webhook is retired on 2027-04-01</dd>
</dl>`;
}

export function cutoverPage(ctx: PageContext, status: Status, notice: string | null): string {
  return layout(
    {
      title: 'Cut-over',
      current: '/console/cutover',
      session: ctx.session,
      notice: notice ? { kind: 'notice', text: notice } : null,
    },
    html`<h2 id="now-h">Where it stands</h2>
${statusFacts(status)}
${
  status.plan
    ? html`<h3 id="steps-h">Plan steps</h3><div class="table-wrap" role="region" aria-labelledby="steps-h" tabindex="0"><table><thead><tr><th scope="col">Share</th><th scope="col">Not before</th><th scope="col">Taken</th></tr></thead><tbody>${status.plan.steps.map(
        (s) =>
          html`<tr><td>${s.share}</td><td>${when(s.notBefore)}</td><td>${s.taken ? 'yes' : 'no'}</td></tr>`,
      )}</tbody></table></div>`
    : ''
}
${status.environments.differing > 0 ? html`<p class="problem">${status.environments.differing} instance(s) have an environment that asks for another cut-over; the stored one holds.</p>` : ''}
<h2 id="change-h">Change it</h2>
<p>Each change first shows what the comparison report and the guard say, and asks to confirm.</p>
<form class="stack" method="get" action="/console/cutover/confirm">
<label for="c-source">Forward</label>
<select id="c-source" name="source"><option value="legacy">legacy</option><option value="workflows">workflows</option><option value="both">both (no preference)</option></select>
<div><button type="submit">Review…</button></div>
</form>
<form class="stack" method="get" action="/console/cutover/confirm">
<label for="c-share">Share of customers on Workflows, in percent</label>
<input id="c-share" name="share" inputmode="decimal" placeholder="10">
<div><button type="submit">Review…</button></div>
</form>
<form class="stack" method="get" action="/console/cutover/confirm">
<label for="c-plan">Plan (shares and the time after its start)</label>
<input id="c-plan" name="plan" placeholder="1%,10%@2d,50%@7d,100%@14d">
<div><button type="submit">Review…</button></div>
</form>
${status.paused ? html`<form class="stack" method="get" action="/console/cutover/confirm"><input type="hidden" name="resume" value="1"><div><button type="submit">Resume after the guard's pause…</button></div></form>` : ''}`,
  );
}

export function cutoverConfirmPage(
  ctx: PageContext,
  ask: CutoverAsk,
  status: Status,
  report: ComparisonReport,
): string {
  const hidden: Record<string, string> =
    'resume' in ask ? { resume: '1' } : 'plan' in ask ? { plan: ask.plan } : { source: ask.source };
  const verdict = report.verdict;
  return layout(
    { title: 'Confirm the cut-over', current: '/console/cutover', session: ctx.session },
    html`<p>You are about to <strong>${describeAsk(ask)}</strong>. Every instance follows within a second.</p>
<h2 id="report-h">What the comparison report says (last 7 days)</h2>
<p class="${verdict.safe ? 'good' : 'bad'}">${verdict.safe ? '✓' : '✗'} ${verdictHeading(verdict)}</p>
${verdict.reasons.length > 0 ? html`<ul>${verdict.reasons.map((r) => html`<li>${r}</li>`)}</ul>` : ''}
<p>${report.pairs.count} pairs; evidence: ${verdict.evidence}.</p>
<h2 id="guard-h">What the guard says</h2>
${statusFacts(status)}
<div class="actions">
${actionForm(ctx.session, '/console/cutover', `Yes, ${describeAsk(ask)}`, hidden, 'danger')}
<a href="/console/cutover">No, go back</a>
</div>`,
  );
}
