/** Incode's recommended date to have moved to Workflows. */
export const RECOMMENDED_BY = Date.parse('2027-01-01T00:00:00Z');
/** The date the legacy Authentication Webhook 1:1 is switched off. */
export const LEGACY_OFF_AT = Date.parse('2027-04-01T00:00:00Z');

const DAY = 86_400_000;

/** Whole days left before the legacy webhook is switched off (0 once it is), rounded up. */
export function daysLeft(now: number): number {
  return Math.max(0, Math.ceil((LEGACY_OFF_AT - now) / DAY));
}

/** How much time is left, in one sentence (the report's verdict, the warning). */
export function timeLeft(now: number): string {
  const days = daysLeft(now);
  const off = 'Incode switches the legacy Authentication Webhook 1:1 off on 2027-04-01';
  if (days === 0) return `${off}: it is off now; only Workflows events arrive`;
  const recommended =
    now < RECOMMENDED_BY
      ? `; Incode recommends moving by 2027-01-01 (${Math.ceil((RECOMMENDED_BY - now) / DAY)} days)`
      : '; the recommended date (2027-01-01) has passed';
  return `${days} day${days === 1 ? '' : 's'} left: ${off}${recommended}`;
}

/**
 * The warning to log, when one is due: from 2027-01-01 on, while legacy events are still
 * forwarded for any customer (a share below 100%, `legacy` or `both`).
 */
export function deadlineWarning(legacyForwarded: boolean, now: number): string | null {
  if (now < RECOMMENDED_BY || !legacyForwarded) return null;
  return `legacy events are still forwarded for some customers: ${timeLeft(now)}`;
}

/** The day a time falls on (UTC), to warn once a day. */
export function dayOf(now: number): number {
  return Math.floor(now / DAY);
}
