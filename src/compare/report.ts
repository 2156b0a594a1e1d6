import type { Store } from '../store/store.js';
import { buildReport } from './build-report.js';
import { renderHtml } from './render-html.js';
import { renderMarkdown } from './render-markdown.js';
import type { ComparisonReport } from './report-schema.js';

export const REPORT_FORMATS = ['json', 'md', 'html'] as const;
export type ReportFormat = (typeof REPORT_FORMATS)[number];

export interface ReportRequest {
  from: number;
  to: number;
  format: ReportFormat;
  minPairs: number;
  minAgreement: number;
}

/** Reads the range from the store and renders the report in the asked format. */
export async function produceReport(
  store: Pick<Store, 'comparisonData' | 'loginFigures'>,
  request: ReportRequest,
  now = Date.now(),
): Promise<{ report: ComparisonReport; contentType: string; body: string }> {
  const data = await store.comparisonData(request.from, request.to);
  const logins = await store.loginFigures(request.from, request.to);
  const report = buildReport({ ...data, logins }, { ...request, now });
  switch (request.format) {
    case 'md':
      return { report, contentType: 'text/markdown; charset=utf-8', body: renderMarkdown(report) };
    case 'html':
      return { report, contentType: 'text/html; charset=utf-8', body: renderHtml(report) };
    default:
      return {
        report,
        contentType: 'application/json',
        body: `${JSON.stringify(report, null, 2)}\n`,
      };
  }
}

/** `from`/`to` as given (ISO 8601) or their defaults: the last 7 days up to now. */
export function reportRange(
  from: string | undefined,
  to: string | undefined,
  now: number,
): { from: number; to: number } | { error: string } {
  // An empty value (`?from=&to=`) is the default, as if it were not given.
  const end = to === undefined || to === '' ? now : Date.parse(to);
  const start = from === undefined || from === '' ? end - 7 * 86_400_000 : Date.parse(from);
  if (Number.isNaN(end))
    return { error: `to: "${to}" is not a date-time such as 2026-11-25T00:00:00Z` };
  if (Number.isNaN(start))
    return { error: `from: "${from}" is not a date-time such as 2026-11-18T00:00:00Z` };
  if (start >= end) return { error: 'from must be before to' };
  return { from: start, to: end };
}
