/**
 * What operators do and see: order holds (ORDER_HOLD_MAX), cancels, re-ingest of quarantined
 * bodies, an event's line and pair, the backlog's figures.
 */

/**
 * The entries whose hold ran out step out of their customer's line (their order_key becomes
 * their own id: a line of their own), and their events keep when. Rows another instance has
 * locked (releasing them, or writing an attempt's result) are skipped: each entry steps out at
 * one instance, which reports it. The count of those waiting behind reads the line as it was.
 * $1 now.
 */
export const RELEASE_HOLDS = `WITH due AS (
    SELECT o.event_id, o.order_key, o.seq FROM outbox o
    WHERE o.hold_until <= $1 AND o.order_key <> o.event_id
    ORDER BY o.hold_until LIMIT 100
    FOR UPDATE SKIP LOCKED
  ),
  stepped AS (
    UPDATE outbox o SET order_key = o.event_id, hold_until = NULL
    FROM due WHERE o.event_id = due.event_id
  ),
  marked AS (
    UPDATE events e SET hold_released_at = $1 FROM due WHERE e.id = due.event_id
    RETURNING e.id, e.attempts, e.last_error
  )
  SELECT due.event_id, due.order_key, m.attempts, m.last_error,
    (SELECT count(*)::int FROM outbox p WHERE p.order_key = due.order_key AND p.seq > due.seq) AS waiting
  FROM due JOIN marked m ON m.id = due.event_id`;

/** The event to cancel, its row locked (NO KEY, as a replay's). */
export const CANCEL_TARGET = `SELECT status, shadowed, fallback_at FROM events WHERE id = $1
  FOR NO KEY UPDATE`;

/**
 * Its outbox entry's lease, the row locked: a claim that leased it has committed (the lease is
 * seen), or one that comes now skips the row (SKIP LOCKED) and finds it gone after.
 */
export const CANCEL_ENTRY = 'SELECT lease_until FROM outbox WHERE event_id = $1 FOR UPDATE';

export const DROP_ENTRY = 'DELETE FROM outbox WHERE event_id = $1';

/** $1 id, $2 note. */
export const CANCEL = `UPDATE events SET status = 'cancelled', fallback_at = NULL, enrich_next_at = NULL,
    enrich_leased_by = NULL, note = $2
  WHERE id = $1`;

/**
 * Once: only an entry not taken in again yet is marked (a second re-ingest at the same moment
 * waits for the row, then finds it marked). $1 quarantine id, $2 event id, $3 at.
 */
export const MARK_REINGESTED = `UPDATE quarantine SET reingested_event_id = $2, reingested_at = $3
  WHERE id = $1 AND reingested_event_id IS NULL`;
export const REINGESTED_AS = 'SELECT reingested_event_id FROM quarantine WHERE id = $1';
export const SET_REINGESTED_AS = 'UPDATE quarantine SET reingested_event_id = $2 WHERE id = $1';
export const QUARANTINE_BY_ID = 'SELECT * FROM quarantine WHERE id = $1';

/** An event's outbox entry, and how many of its line wait behind it. */
export const LINE_OF = `SELECT o.event_id, o.order_key, o.seq, o.hold_until,
    (SELECT count(*)::int FROM outbox p WHERE p.order_key = o.order_key AND p.seq > o.seq) AS behind
  FROM outbox o WHERE o.event_id = $1`;

/** The first entry before it in its line. $1 order key, $2 seq. */
export const AHEAD_OF = `SELECT p.event_id, p.hold_until, p.lease_until, e.attempts, e.last_error
  FROM outbox p JOIN events e ON e.id = p.event_id
  WHERE p.order_key = $1 AND p.seq < $2 ORDER BY p.seq LIMIT 1`;

export const PAIR_DETAIL = `SELECT legacy_id, workflows_id, paired_at, forwarded, status_agrees,
    reason_agrees, kind, differences
  FROM pairs WHERE legacy_id = $1 OR workflows_id = $1`;

/**
 * The first pending event in arrival order (events_status), and the customers held: failing
 * heads still in their line (outbox_holds) with an entry behind them.
 */
export const BACKLOG_FIGURES = `SELECT
    (SELECT received_at FROM events WHERE status = 'pending' ORDER BY seq LIMIT 1) AS oldest,
    (SELECT count(DISTINCT o.order_key)::int FROM outbox o
      WHERE o.hold_until IS NOT NULL AND o.order_key <> o.event_id
        AND EXISTS (SELECT 1 FROM outbox p WHERE p.order_key = o.order_key AND p.seq > o.seq)) AS held`;
