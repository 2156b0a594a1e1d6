// The x axis of the PASS-rate chart: which buckets get a label, and what each label reads.

/**
 * The units a time label can be cut to, coarsest first, with the part of an ISO time
 * (2026-11-30T21:43:34.486Z) each keeps. A label is the bucket start cut to the largest unit
 * not longer than the time between two labels: cutting to a unit keeps two times at least one
 * unit apart distinct, so no two labels read the same (a one-minute range no longer shows
 * "21:43" under every label, a week shows days).
 */
const TIME_UNITS = [
  { ms: 86_400_000, from: 5, to: 10 }, // 11-30
  { ms: 60_000, from: 11, to: 16 }, // 21:43
  { ms: 1000, from: 11, to: 19 }, // 21:43:34
  { ms: 100, from: 11, to: 21 }, // 21:43:34.4
  { ms: 10, from: 11, to: 22 }, // 21:43:34.48
  { ms: 1, from: 11, to: 23 }, // 21:43:34.486
] as const;

/** About the width of one character of a 12px axis label, in the chart's units. */
const AXIS_CHAR_WIDTH = 7;

interface TimeAxis {
  /** Label every `every`th bucket. */
  every: number;
  labels: string[];
  /** "bucket start (UTC)", with the day when every bucket falls on one UTC day. */
  title: string;
}

/**
 * The x axis of a timeline: which buckets get a label and what it reads, chosen from the
 * range so that the labels fit side by side in `plotWidth` and differ from each other.
 */
export function timeAxis(starts: string[], plotWidth: number): TimeAxis {
  const times = starts.map((start) => Date.parse(start));
  if (times.length === 0 || times.some((t) => Number.isNaN(t))) {
    const raw = starts.map((s) => (s.length > 16 ? `${s.slice(0, 15)}…` : s));
    const every = Math.max(1, Math.ceil(starts.length / 6));
    return { every, labels: raw, title: 'bucket start (UTC)' };
  }
  const iso = times.map((t) => new Date(t).toISOString());
  const days = new Set(iso.map((t) => t.slice(0, 10)));
  const years = new Set(iso.map((t) => t.slice(0, 4)));
  const bucketMs = times.length > 1 ? (times[1] as number) - (times[0] as number) : 86_400_000;
  const labelsFor = (every: number) => {
    const step = bucketMs * every;
    const unit = TIME_UNITS.find((u) => u.ms <= step) ?? TIME_UNITS[5];
    return iso.map((t) => {
      if (unit.ms === 86_400_000) return years.size > 1 ? t.slice(0, 10) : t.slice(5, 10);
      const time = t.slice(unit.from, unit.to);
      return days.size > 1 ? `${t.slice(5, 10)} ${time}` : time;
    });
  };
  const fits = (every: number) => {
    const widest = Math.max(...labelsFor(every).map((label) => label.length));
    return Math.ceil(times.length / every) * (widest * AXIS_CHAR_WIDTH + 12) <= plotWidth;
  };
  let every = 1;
  while (every < times.length && !fits(every)) every++;
  const labels = labelsFor(every);
  const title =
    days.size === 1 ? `bucket start (UTC, ${iso[0]?.slice(0, 10)})` : 'bucket start (UTC)';
  return { every, labels, title };
}
