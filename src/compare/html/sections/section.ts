import type { ComparisonReport } from '../../report-schema.js';
import { type Content, type Fragment, html, lines } from '../fragment.js';

/**
 * A part of the page: the report in, a fragment out. The page is the list of them in
 * render-html.ts, in order; a new part is a function of this type added to that list.
 */
export type Section = (report: ComparisonReport) => Fragment;

/**
 * A section under a heading of its own. `id` is the heading's (a link can point at it, and the
 * section's tables are named by it); it comes from the code, never from the report.
 */
export function titled(id: string, title: string, ...body: Content[]): Fragment {
  return html`<section>
${lines([html`<h2 id="${id}">${title}</h2>`, body])}
</section>`;
}
