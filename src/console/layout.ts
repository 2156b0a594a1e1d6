import { type Content, type Fragment, html } from '../compare/html/fragment.js';
import type { Session } from './session.js';

// The page around every console page: a skip link, the navigation, the sign-out form, one h1.
// Every value goes through Hono's `html`, which escapes it.

export const NAV = [
  { href: '/console', label: 'Overview' },
  { href: '/console/events', label: 'Events' },
  { href: '/console/quarantine', label: 'Quarantine' },
  { href: '/console/report', label: 'Comparison' },
  { href: '/console/cutover', label: 'Cut-over' },
] as const;

export interface PageOptions {
  title: string;
  /** Which navigation entry is this page's. */
  current?: (typeof NAV)[number]['href'];
  session?: Session;
  /** A stylesheet beside the console's (the comparison report's). */
  extraStyle?: string;
  /** Loads the live refresh (the page has a `data-live` part). */
  live?: boolean;
  /** A line above the content: what the last action did, or why it was not done. */
  notice?: { kind: 'notice' | 'problem'; text: string } | null;
}

export function layout(options: PageOptions, ...body: Content[]): string {
  const { title, session } = options;
  const nav =
    session &&
    html`<nav aria-label="Console"><ul>${NAV.map(
      (item) =>
        html`<li><a href="${item.href}"${options.current === item.href ? html` aria-current="page"` : ''}>${item.label}</a></li>`,
    )}</ul></nav>
<form method="post" action="/console/sign-out"><input type="hidden" name="csrf" value="${session.csrf}"><button type="submit">Sign out</button></form>`;
  const notice =
    options.notice &&
    html`<p class="${options.notice.kind}" role="${options.notice.kind === 'problem' ? 'alert' : 'status'}">${options.notice.text}</p>`;
  return html`<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>${title} · faceauth-shim console</title>
<link rel="icon" href="/console/assets/icon.svg" type="image/svg+xml">
<link rel="stylesheet" href="/console/assets/console.css">
${options.extraStyle ? html`<link rel="stylesheet" href="/console/assets/${options.extraStyle}">` : ''}
${options.live ? html`<script src="/console/assets/live.js" defer></script>` : ''}
</head>
<body>
<a class="skip" href="#content">Skip to content</a>
<header class="bar"><div class="bar-inner"><a class="brand" href="/console">faceauth-shim console</a>
${nav || ''}</div></header>
<main id="content" tabindex="-1">
<h1>${title}</h1>
${notice || ''}
${body}
</main>
</body>
</html>
`.toString();
}

/** A form that POSTs one action, with the session's CSRF token. */
export function actionForm(
  session: Session,
  action: string,
  label: string,
  hidden: Record<string, string> = {},
  cls = '',
): Fragment {
  return html`<form method="post" action="${action}"><input type="hidden" name="csrf" value="${session.csrf}">${Object.entries(
    hidden,
  ).map(
    ([name, value]) => html`<input type="hidden" name="${name}" value="${value}">`,
  )}<button type="submit"${cls ? html` class="${cls}"` : ''}>${label}</button></form>`;
}

/** A time as people read it (UTC, to the second), or a dash. */
export function when(value: string | number | null | undefined): string {
  if (value === null || value === undefined) return '—';
  const date = new Date(value);
  return Number.isNaN(date.getTime())
    ? String(value)
    : `${date.toISOString().slice(0, 19).replace('T', ' ')} UTC`;
}

/** How long ago, roughly (seconds, minutes, hours, days). */
export function age(ms: number): string {
  const s = Math.max(0, Math.round(ms / 1000));
  if (s < 120) return `${s} s`;
  if (s < 7200) return `${Math.round(s / 60)} min`;
  if (s < 172_800) return `${Math.round(s / 3600)} h`;
  return `${Math.round(s / 86_400)} days`;
}

/** A link to a page with a query, leaving out empty values. */
export function withQuery(
  path: string,
  query: Record<string, string | number | undefined>,
): string {
  const params = new URLSearchParams();
  for (const [name, value] of Object.entries(query)) {
    if (value !== undefined && value !== '') params.set(name, String(value));
  }
  const text = params.toString();
  return text ? `${path}?${text}` : path;
}

export const eventHref = (id: string) => `/console/events/${encodeURIComponent(id)}`;
export const customerHref = (id: string) => `/console/customers/${encodeURIComponent(id)}`;
