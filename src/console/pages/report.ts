import { html } from '../../compare/html/fragment.js';
import { reportSections } from '../../compare/render-html.js';
import type { ComparisonReport } from '../../compare/report-schema.js';
import type { PageContext } from '../context.js';
import { layout } from '../layout.js';

/** The comparison report for a range: the HTML report's own sections, in the console's page. */
export function reportPage(
  ctx: PageContext,
  range: { from: string; to: string },
  report: ComparisonReport,
): string {
  return layout(
    {
      title: 'Comparison',
      current: '/console/report',
      session: ctx.session,
      extraStyle: 'report.css',
    },
    html`<form class="filters" method="get" action="/console/report" aria-label="Range">
<div><label for="r-from">From (UTC)</label><input id="r-from" name="from" value="${range.from}"></div>
<div><label for="r-to">To (UTC)</label><input id="r-to" name="to" value="${range.to}"></div>
<div><button type="submit">Show</button></div>
</form>
<p>${report.range.from} → ${report.range.to}; the same content as the HTML report (<code>faceauth-shim report</code>, <code>GET /admin/report?format=html</code>).</p>
${reportSections(report)}`,
  );
}
