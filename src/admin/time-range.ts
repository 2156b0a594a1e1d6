/**
 * An optional range of arrival times, as the admin API's `from`/`to` and the CLI's `--from`/
 * `--to` give it: ISO 8601 date-times (2026-11-25T14:00:00Z), either end left out. An error
 * names the word that is not one.
 */
export function timeRange(
  from: string | undefined,
  to: string | undefined,
): { from?: number; to?: number } | { error: string } {
  const read = (name: string, text: string | undefined) => {
    if (text === undefined || text === '') return undefined;
    // Date.parse takes "1" or "March 5" too: only a full date-time (with a date) is one.
    const ms = /^\d{4}-\d{2}-\d{2}/.test(text) ? Date.parse(text) : Number.NaN;
    return Number.isNaN(ms)
      ? { error: `${name}: "${text}" is not a date-time such as 2026-11-25T14:00:00Z` }
      : ms;
  };
  const start = read('from', from);
  const end = read('to', to);
  if (typeof start === 'object') return start;
  if (typeof end === 'object') return end;
  if (start !== undefined && end !== undefined && start >= end) {
    return { error: 'from must be before to' };
  }
  return {
    ...(start !== undefined ? { from: start } : {}),
    ...(end !== undefined ? { to: end } : {}),
  };
}
