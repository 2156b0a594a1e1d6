// A pass rate with its 95% interval: Wilson's score interval, which stays inside 0..1 and is
// honest for small counts. The report and the cut-over guard compare populations with it. Pure.

/** A pass rate with its 95% interval. */
export interface PassRate {
  results: number;
  pass: number;
  /** Null without results. */
  rate: number | null;
  low: number | null;
  high: number | null;
}

const Z95 = 1.959964;

/** Wilson's score interval at 95%: `pass` of `results`. */
export function passRate(pass: number, results: number): PassRate {
  if (results === 0) return { results, pass, rate: null, low: null, high: null };
  const p = pass / results;
  const z2 = Z95 * Z95;
  const centre = (p + z2 / (2 * results)) / (1 + z2 / results);
  const half =
    (Z95 * Math.sqrt((p * (1 - p)) / results + z2 / (4 * results * results))) / (1 + z2 / results);
  return {
    results,
    pass,
    rate: p,
    low: Math.max(0, centre - half),
    high: Math.min(1, centre + half),
  };
}

/**
 * Whether Workflows passes clearly fewer than legacy: its whole interval lies below legacy's
 * (a difference the counts support, not noise).
 */
export function clearlyLower(workflows: PassRate, legacy: PassRate): boolean {
  return workflows.high !== null && legacy.low !== null && workflows.high < legacy.low;
}
