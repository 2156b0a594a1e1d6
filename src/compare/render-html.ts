import type { Fragment } from './html/fragment.js';
import { page } from './html/page.js';
import { disagreements, unpaired } from './html/sections/events.js';
import { logins, populations } from './html/sections/logins.js';
import { atAGlance, charts, nextSteps, verdict } from './html/sections/overview.js';
import type { Section } from './html/sections/section.js';
import { delivery, legacyOnlyFields, pairs, shares, sources } from './html/sections/tables.js';
import type { ComparisonReport } from './report-schema.js';

// The comparison report as one self-contained HTML page: the Markdown's content, plus two
// inline SVG charts. Every piece of it is made by Hono's `html` template (html/fragment.ts),
// which escapes whatever value of the report it is given; the files under html/ hold the
// page around the sections (page.ts, stylesheet.ts), the tables, the charts and the sections.

/** The page's sections, top to bottom. A new section is a `Section` added here. */
const SECTIONS: readonly Section[] = [
  verdict,
  nextSteps,
  atAGlance,
  logins,
  populations,
  charts,
  sources,
  pairs,
  shares,
  disagreements,
  unpaired,
  legacyOnlyFields,
  delivery,
];

/** The report's sections, without the page around them (the operator console shows them in its own). */
export function reportSections(report: ComparisonReport): Fragment[] {
  return SECTIONS.map((section) => section(report));
}

/** The comparison report as one self-contained HTML page. Pure. */
export function renderHtml(report: ComparisonReport): string {
  return page(report, reportSections(report));
}
