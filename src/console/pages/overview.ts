import { html } from '../../compare/html/fragment.js';
import { produceReport } from '../../compare/report.js';
import type { ComparisonReport } from '../../compare/report-schema.js';
import { verdictHeading } from '../../compare/report-text.js';
import { cutoverStatus } from '../../http/admin-actions.js';
import { EVENT_STATUSES } from '../../store/store.js';
import { perMinuteChart } from '../chart.js';
import type { PageContext } from '../context.js';
import { age, eventHref, layout, when, withQuery } from '../layout.js';

/** The chart's range. */
export const CHART_HOURS = 3;
/** How far back events are looked for: one delivered or failing later than this is not counted. */
export const CHART_LOOKBACK_HOURS = 24;
const HOUR = 3_600_000;
/** The verdict is the report's over its default range (7 days), read again after this. */
const VERDICT_TTL_MS = 30_000;

/** The report of the last 7 days, kept VERDICT_TTL_MS (one per console, so two apps in one process never share it). */
export function createRecentReport() {
  let cached: { at: number; report: ComparisonReport } | undefined;
  return async function recentReport(ctx: PageContext): Promise<ComparisonReport> {
    if (cached && ctx.now - cached.at < VERDICT_TTL_MS) return cached.report;
    const { config } = ctx.actions;
    const { report } = await produceReport(
      ctx.store,
      {
        from: ctx.now - 7 * 86_400_000,
        to: ctx.now,
        format: 'json',
        minPairs: config.compareMinPairs,
        minAgreement: config.compareMinAgreement,
      },
      ctx.now,
    );
    cached = { at: ctx.now, report };
    return report;
  };
}

export async function overviewPage(
  ctx: PageContext,
  notice: string | null,
  recentReport: ReturnType<typeof createRecentReport>,
): Promise<string> {
  const { store, now } = ctx;
  await ctx.forwardSource.refresh();
  const [status, counts, backlog, figures, report] = await Promise.all([
    cutoverStatus(ctx.actions, now),
    store.countByStatus(),
    store.backlogFigures(),
    store.deliveryFigures({
      from: now - CHART_HOURS * HOUR,
      to: now,
      since: now - (CHART_HOURS + CHART_LOOKBACK_HOURS) * HOUR,
    }),
    recentReport(ctx),
  ]);
  const { logins } = status;
  const failingNow =
    figures.lastFailure !== null &&
    (figures.lastSuccessAt === null || figures.lastFailure.at > figures.lastSuccessAt);
  const verdict = report.verdict;
  return layout(
    {
      title: 'Overview',
      current: '/console',
      session: ctx.session,
      notice: notice ? { kind: 'notice', text: notice } : null,
    },
    html`<section aria-labelledby="cutover-h">
<h2 id="cutover-h">Cut-over</h2>
<dl class="facts">
<dt>Forwarded source</dt><dd>${status.source}</dd>
<dt>Share on Workflows</dt><dd>${status.share}</dd>
<dt>Plan</dt><dd>${status.plan ? `${status.plan.text} (step ${status.plan.step} of ${status.plan.steps.length})` : 'none'}</dd>
<dt>Guard</dt><dd>${status.guard ? html`<span class="${status.guard.status === 'green' ? 'good' : 'bad'}">${status.guard.status}</span>: ${status.guard.window.agreeing} of ${status.guard.window.pairs} pairs agree since ${when(status.guard.windowFrom)}` : 'not watching (no share in force)'}</dd>
${status.paused ? html`<dt>Paused</dt><dd class="bad">${status.paused.reason} (at ${when(status.paused.at)})</dd>` : ''}
${status.next ? html`<dt>Next</dt><dd>${status.next.action}: ${status.next.reason}</dd>` : ''}
<dt>Days left</dt><dd>${status.legacy.timeLeft}</dd>
</dl>
<p><a href="/console/cutover">Change the cut-over</a></p>
</section>
<section aria-labelledby="logins-h">
<h2 id="logins-h">Logins by who reported them</h2>
<p class="muted">From ${when(logins.range.from)} to ${when(logins.range.to)}.</p>
<div class="cards">
<div class="card"><span class="value">${logins.total}</span><span class="name">logins</span></div>
<div class="card"><span class="value">${logins.bothSources}</span><span class="name">reported by both sources</span></div>
<div class="card"><span class="value">${logins.legacyOnly}</span><span class="name">legacy only</span></div>
<div class="card"><span class="value">${logins.workflowsOnly}</span><span class="name">Workflows only</span></div>
</div>
<p>${logins.line}.</p>
<p>Next: ${logins.next}.</p>
</section>
<section aria-labelledby="status-h">
<h2 id="status-h">Events by status</h2>
<div class="cards">
${EVENT_STATUSES.map(
  (s) =>
    html`<div class="card"><a class="value" href="${withQuery('/console/events', { status: s })}">${counts[s]}</a><span class="name">${s}</span></div>`,
)}
</div>
<p>Oldest pending event: ${backlog.oldestPendingAt === null ? 'none pending' : `received ${when(backlog.oldestPendingAt)}, ${age(now - backlog.oldestPendingAt)} ago`}. Customers held behind a refused event: ${backlog.heldCustomers}.</p>
${counts.dead > 0 ? html`<p><a href="${withQuery('/console/replay', { status: 'dead' })}">Replay all ${counts.dead} dead events…</a></p>` : ''}
</section>
<section aria-labelledby="deliveries-h">
<h2 id="deliveries-h">Deliveries</h2>
${perMinuteChart(now - CHART_HOURS * 3_600_000, now, figures.delivered, figures.failed)}
<p class="muted">Of the events received in the last ${CHART_HOURS + CHART_LOOKBACK_HOURS} hours (an older event sent again is not counted), from every instance.</p>
<h3>Callback health</h3>
<dl class="facts">
<dt>Now</dt><dd>${figures.lastFailure === null && figures.lastSuccessAt === null ? 'no attempt in this range' : html`<span class="${failingNow ? 'bad' : 'good'}">${failingNow ? 'failing: the last attempt failed' : 'answering'}</span>`}</dd>
<dt>Last success</dt><dd>${when(figures.lastSuccessAt)}</dd>
<dt>Last error</dt><dd>${figures.lastFailure ? html`${when(figures.lastFailure.at)}: ${figures.lastFailure.statusCode === null ? '' : `HTTP ${figures.lastFailure.statusCode} `}${figures.lastFailure.error ?? ''} (<a href="${eventHref(figures.lastFailure.eventId)}">event ${figures.lastFailure.eventId}</a>)` : '—'}</dd>
</dl>
</section>
<section aria-labelledby="verdict-h">
<h2 id="verdict-h">Comparison verdict</h2>
<p class="${verdict.safe ? 'good' : 'bad'}">${verdict.safe ? '✓' : '✗'} ${verdictHeading(verdict)}</p>
${verdict.reasons.length > 0 ? html`<ul>${verdict.reasons.map((r) => html`<li>${r}</li>`)}</ul>` : ''}
<p>Evidence: ${verdict.evidence}${verdict.note ? `: ${verdict.note}` : ''}. ${report.pairs.count} pairs over the last 7 days.</p>
<p><a href="/console/report">The comparison report</a></p>
</section>`,
  );
}
