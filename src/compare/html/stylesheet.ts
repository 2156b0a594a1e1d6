import { raw } from 'hono/html';
import type { Fragment } from './fragment.js';

// The page's one stylesheet, inline (the page travels alone). The only markup in the report
// that goes in unescaped, through `raw`: it is a constant, and no value of the report is in it.

/** The stylesheet's text: the operator console serves it as a file beside its own. */
export const STYLE = `
:root { color-scheme: light; }
* { box-sizing: border-box; }
body { margin: 0; background: #f8fafc; color: #1f2937;
  font: 15px/1.55 system-ui, -apple-system, "Segoe UI", Roboto, Helvetica, Arial, sans-serif; }
main { max-width: 1120px; margin: 0 auto; padding: 28px 20px 56px; }
h1 { font-size: 1.65rem; line-height: 1.25; margin: 0 0 4px; }
h2 { font-size: 1.2rem; margin: 36px 0 10px; padding-bottom: 4px; border-bottom: 1px solid #e5e7eb; }
h3 { font-size: 1rem; margin: 22px 0 8px; }
p { margin: 6px 0; }
.muted { color: #6b7280; }
#next-steps { margin-bottom: 22px; }
#next-steps h2 { margin-top: 0; }
#next-steps ul { margin: 0; padding-left: 22px; }
.verdict { margin: 18px 0 22px; padding: 14px 18px; border-radius: 8px; border-left: 8px solid; }
.verdict-safe { background: #dcfce7; border-color: #16a34a; color: #14532d; }
.verdict-unsafe { background: #fee2e2; border-color: #dc2626; color: #7f1d1d; }
.verdict-line { margin: 0; font-size: 1.3rem; font-weight: 700; }
.verdict ul { margin: 8px 0 4px; padding-left: 22px; }
.cards { display: grid; grid-template-columns: repeat(auto-fit, minmax(170px, 1fr)); gap: 12px; }
.card { background: #fff; border: 1px solid #e5e7eb; border-radius: 8px; padding: 10px 14px; }
.card .value { display: block; font-size: 1.5rem; font-weight: 700; font-variant-numeric: tabular-nums; }
.card .name { color: #6b7280; font-size: 0.85rem; }
.charts { display: grid; grid-template-columns: repeat(auto-fit, minmax(min(100%, 460px), 1fr));
  gap: 16px; margin-top: 22px; }
figure { margin: 0; padding: 12px 14px; background: #fff; border: 1px solid #e5e7eb; border-radius: 8px; }
figcaption { font-weight: 600; margin-bottom: 8px; }
.chart-note { font-size: 0.85rem; margin-top: 8px; }
svg.chart { display: block; width: 100%; height: auto; }
.table-wrap { overflow-x: auto; }
table { border-collapse: collapse; background: #fff; font-size: 14px; }
table code { font-size: 12.5px; }
th, td { padding: 6px 10px; border: 1px solid #e5e7eb; text-align: left; vertical-align: top; }
th { background: #f1f5f9; font-weight: 600; }
.num { text-align: right; font-variant-numeric: tabular-nums; white-space: nowrap; }
th.num { white-space: normal; }
.nowrap { white-space: nowrap; }
.id code { white-space: normal; overflow-wrap: anywhere; }
code { font: 13px ui-monospace, SFMono-Regular, Menlo, Consolas, "DejaVu Sans Mono", monospace;
  background: #f1f5f9; padding: 1px 4px; border-radius: 4px; white-space: nowrap; }
.status-PASS { color: #166534; font-weight: 600; }
.status-FAIL { color: #b91c1c; font-weight: 600; }
.swatch { display: inline-block; width: 10px; height: 10px; border-radius: 2px; margin-right: 6px; }
ul.diffs { margin: 0; padding-left: 18px; }
/* A table box scrolls on a narrow window, and can then be reached by Tab and scrolled by keys. */
.table-wrap:focus-visible { outline: 3px solid #1d4ed8; outline-offset: 2px; }
tbody th { background: #fff; }
/* Read by a screen reader, not shown: the name of a column whose cells name their row. */
.visually-hidden { position: absolute; width: 1px; height: 1px; margin: -1px; padding: 0;
  overflow: hidden; clip-path: inset(50%); white-space: nowrap; border: 0; }
/* A phone: tighter cells, long field names may break; wider tables scroll in their own box. */
@media (max-width: 640px) {
  main { padding: 20px 12px 40px; }
  table { font-size: 13px; }
  th, td { padding: 5px 6px; }
  .field code { white-space: normal; overflow-wrap: anywhere; }
}
@media print { body { background: #fff; } figure, table { break-inside: avoid; } }
`;

export const STYLESHEET: Fragment = raw(`<style>${STYLE}</style>`);
