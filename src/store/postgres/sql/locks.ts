// Transaction-scoped advisory locks: what serialises, across instances, the work that one
// process serialised by itself (store.ts, CONCURRENCY). Every transaction takes all of its locks
// in one statement, in one fixed order (the lock ids sorted), before its first read, so two
// transactions never wait for each other in a circle; a deadlock with row locks that still
// happens is a 40P01 the driver runs again.

/** The line of an order key (the customer, or the event itself): accept, fallbacks, pairing. */
export const orderLock = (key: string) => `k:${key}`;
/** An interview: supersede, and the fallback counterpart of an event that names no customer. */
export const interviewLock = (interviewId: string) => `i:${interviewId}`;

/**
 * Takes pg_advisory_xact_lock on each key (hashtextextended, as the migrations' lock), in
 * ascending lock id: the sorted subquery feeds the locks in that order.
 */
export const TAKE_LOCKS = `SELECT pg_advisory_xact_lock(h) FROM (
    SELECT DISTINCT hashtextextended(k, 0) AS h FROM unnest($1::text[]) AS k ORDER BY h
  ) AS ordered`;
