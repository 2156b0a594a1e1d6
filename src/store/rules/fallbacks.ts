/**
 * Reports whose wait for their login's other report is over, forwarded per poll on every
 * backend; the rest wait for the next poll (each poll takes the oldest fallback times first).
 */
export const FALLBACK_BATCH = 200;
