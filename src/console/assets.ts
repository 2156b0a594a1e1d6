import { createHash } from 'node:crypto';
import { COLORS } from '../compare/html/palette.js';
import { STYLE as REPORT_STYLE } from '../compare/html/stylesheet.js';

// What the console's pages load, served by the service itself under /console/assets/: no
// third-party asset, nothing inline but the two colour swatches of the report, whose style
// attributes the Content-Security-Policy allows by their hashes.

const CONSOLE_STYLE = `
:root { color-scheme: light; }
* { box-sizing: border-box; }
body { margin: 0; background: #f8fafc; color: #1f2937;
  font: 15px/1.55 system-ui, -apple-system, "Segoe UI", Roboto, Helvetica, Arial, sans-serif; }
a { color: #1d4ed8; }
a:focus-visible, button:focus-visible, input:focus-visible, select:focus-visible, summary:focus-visible {
  outline: 3px solid #1d4ed8; outline-offset: 2px; }
.skip { position: absolute; left: -999px; top: 0; background: #fff; padding: 8px; }
.skip:focus { left: 8px; z-index: 10; }
.bar { background: #0f172a; color: #f8fafc; }
.bar-inner { max-width: 1120px; margin: 0 auto; padding: 8px 20px; display: flex; flex-wrap: wrap;
  align-items: center; gap: 6px 18px; }
.bar .brand { font-weight: 700; color: #f8fafc; text-decoration: none; }
.bar nav ul { display: flex; flex-wrap: wrap; gap: 4px 14px; list-style: none; margin: 0; padding: 0; }
.bar nav a { color: #e2e8f0; }
.bar nav a[aria-current="page"] { color: #fff; font-weight: 700; }
.bar form { margin-left: auto; }
.bar button { background: transparent; color: #f8fafc; border: 1px solid #94a3b8; }
main { max-width: 1120px; margin: 0 auto; padding: 20px 20px 56px; }
h1 { font-size: 1.5rem; margin: 4px 0 12px; }
h2 { font-size: 1.15rem; margin: 28px 0 8px; padding-bottom: 4px; border-bottom: 1px solid #e5e7eb; }
h3 { font-size: 1rem; margin: 18px 0 6px; }
.muted { color: #4b5563; }
.notice { padding: 10px 14px; border-radius: 6px; background: #dcfce7; color: #14532d; border-left: 6px solid #16a34a; }
.problem { padding: 10px 14px; border-radius: 6px; background: #fee2e2; color: #7f1d1d; border-left: 6px solid #dc2626; }
.cards { display: grid; grid-template-columns: repeat(auto-fit, minmax(160px, 1fr)); gap: 10px; }
.card { background: #fff; border: 1px solid #e5e7eb; border-radius: 8px; padding: 8px 12px; }
.card .value { display: block; font-size: 1.35rem; font-weight: 700; font-variant-numeric: tabular-nums; }
.card .name { color: #4b5563; font-size: 0.85rem; }
dl.facts { display: grid; grid-template-columns: max-content 1fr; gap: 4px 14px; margin: 0; }
dl.facts dt { font-weight: 600; }
dl.facts dd { margin: 0; overflow-wrap: anywhere; }
.table-wrap { overflow-x: auto; }
table { border-collapse: collapse; background: #fff; font-size: 14px; }
th, td { padding: 5px 9px; border: 1px solid #e5e7eb; text-align: left; vertical-align: top; }
th { background: #f1f5f9; font-weight: 600; }
td.id { overflow-wrap: anywhere; }
.num { text-align: right; font-variant-numeric: tabular-nums; }
code, pre { font: 13px ui-monospace, SFMono-Regular, Menlo, Consolas, "DejaVu Sans Mono", monospace; }
pre { background: #fff; border: 1px solid #e5e7eb; border-radius: 6px; padding: 10px; overflow-x: auto;
  white-space: pre-wrap; overflow-wrap: anywhere; }
form.filters { display: grid; grid-template-columns: repeat(auto-fit, minmax(170px, 1fr)); gap: 8px 12px;
  align-items: end; background: #fff; border: 1px solid #e5e7eb; border-radius: 8px; padding: 10px 12px; }
label { display: block; font-weight: 600; font-size: 0.9rem; }
input, select, button { font: inherit; }
input, select { width: 100%; padding: 5px 7px; border: 1px solid #6b7280; border-radius: 4px; background: #fff; color: #111827; }
button, .button { display: inline-block; padding: 6px 12px; border-radius: 4px; border: 1px solid #1d4ed8;
  background: #1d4ed8; color: #fff; cursor: pointer; text-decoration: none; }
.button.secondary, button.secondary { background: #fff; color: #1d4ed8; }
button.danger { background: #b91c1c; border-color: #b91c1c; }
.actions { display: flex; flex-wrap: wrap; gap: 8px; align-items: center; margin: 10px 0; }
.actions form { margin: 0; }
form.stack { display: grid; gap: 8px; max-width: 420px; }
.status-PASS { color: #166534; font-weight: 600; }
.status-FAIL { color: #b91c1c; font-weight: 600; }
.good { color: #166534; font-weight: 600; }
.bad { color: #b91c1c; font-weight: 600; }
figure { margin: 0; padding: 10px 12px; background: #fff; border: 1px solid #e5e7eb; border-radius: 8px; }
figcaption { font-weight: 600; margin-bottom: 6px; }
svg.chart { display: block; width: 100%; height: auto; }
.chart .delivered { fill: #15803d; }
.chart .failed { fill: #b91c1c; }
.chart .axis { stroke: #6b7280; stroke-width: 1; }
.chart text { fill: #374151; font-size: 11px; }
.legend { display: flex; gap: 14px; font-size: 0.9rem; margin-top: 4px; }
.key { display: inline-block; width: 10px; height: 10px; margin-right: 5px; border-radius: 2px; }
.key.delivered { background: #15803d; }
.key.failed { background: #b91c1c; }
.visually-hidden { position: absolute; width: 1px; height: 1px; margin: -1px; padding: 0;
  overflow: hidden; clip-path: inset(50%); white-space: nowrap; border: 0; }
@media (max-width: 640px) {
  main { padding: 14px 12px 40px; }
  table { font-size: 13px; }
  th, td { padding: 4px 6px; }
  dl.facts { grid-template-columns: 1fr; }
  dl.facts dd { margin-bottom: 6px; }
}
`;

/**
 * Live refresh, where a page marks a part of itself `data-live`: that part is fetched again
 * every few seconds and replaced when it changed. The page works the same without it.
 */
const LIVE_SCRIPT = `'use strict';
(function () {
  var live = document.querySelector('[data-live]');
  if (!live) return;
  setInterval(function () {
    if (document.hidden) return;
    fetch(location.href, { credentials: 'same-origin', headers: { 'x-console-live': '1' } })
      .then(function (response) { return response.ok ? response.text() : null; })
      .then(function (text) {
        if (text === null) return;
        var fresh = new DOMParser().parseFromString(text, 'text/html').querySelector('[data-live]');
        if (fresh && fresh.innerHTML !== live.innerHTML) live.innerHTML = fresh.innerHTML;
      })
      .catch(function () {});
  }, ${3_000});
})();
`;

export const ASSETS: Record<string, { type: string; body: string }> = {
  'console.css': { type: 'text/css; charset=utf-8', body: CONSOLE_STYLE },
  'report.css': { type: 'text/css; charset=utf-8', body: REPORT_STYLE },
  'live.js': { type: 'text/javascript; charset=utf-8', body: LIVE_SCRIPT },
  // A browser asks for an icon; this one saves it a 404.
  'icon.svg': {
    type: 'image/svg+xml',
    body: '<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 16 16"><rect width="16" height="16" rx="3" fill="#0f172a"/><path d="M4 8.5l2.5 2.5L12 5" stroke="#fff" stroke-width="2" fill="none"/></svg>',
  },
};

const sha256 = (text: string) => `'sha256-${createHash('sha256').update(text).digest('base64')}'`;

/** The style attributes the report's sections hold (its colour swatches), by their hashes. */
const SWATCH_HASHES = Object.values(COLORS).map((color) => sha256(`background:${color}`));

/**
 * The console's Content-Security-Policy: scripts and styles from the service only (and the
 * report's swatches by hash), no frame, no form to elsewhere, nothing else loaded.
 */
export const CONTENT_SECURITY_POLICY = [
  "default-src 'none'",
  "script-src 'self'",
  `style-src 'self' 'unsafe-hashes' ${SWATCH_HASHES.join(' ')}`,
  "img-src 'self'",
  "connect-src 'self'",
  "form-action 'self'",
  "frame-ancestors 'none'",
  "base-uri 'none'",
].join('; ');
