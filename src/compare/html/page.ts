import type { ComparisonReport } from '../report-schema.js';
import { type Fragment, html, lines } from './fragment.js';
import { STYLESHEET } from './stylesheet.js';

// The document around the sections: one self-contained page. No external asset, no script; a
// Content-Security-Policy forbids both, so even markup that slipped past the escaping could not
// load or run anything.

/** The report's range as the title and the header say it. */
export function rangeText(report: ComparisonReport): string {
  return `${report.range.from} → ${report.range.to}`;
}

export function page(report: ComparisonReport, sections: readonly Fragment[]): string {
  const range = rangeText(report);
  const document = html`<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta http-equiv="Content-Security-Policy" content="default-src 'none'; style-src 'unsafe-inline'; img-src data:">
<title>Face authentication comparison: ${range}</title>
${STYLESHEET}
</head>
<body>
<main>
<header>
<h1>Face authentication comparison</h1>
<p class="muted">${range} · generated ${report.generatedAt}</p>
</header>
${lines(sections)}
</main>
</body>
</html>
`;
  return document.toString();
}
