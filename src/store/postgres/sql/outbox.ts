/** The outbox: claims with leases held by an instance, attempts, retries, replays. */

/**
 * Due, not leased (or its lease ran out), and the head of its order key's line: no earlier entry
 * of the key waits, none is leased by anyone. Rows another transaction has locked (a claim of
 * another instance at the same moment) are skipped, never waited for. The lease names its holder.
 * $1 now, $2 limit, $3 lease until, $4 this instance.
 */
export const CLAIM_DUE = `WITH due AS (
    SELECT o.event_id FROM outbox o
    WHERE o.next_attempt_at <= $1 AND (o.lease_until IS NULL OR o.lease_until <= $1)
      AND NOT EXISTS (SELECT 1 FROM outbox p WHERE p.order_key = o.order_key
        AND p.event_id <> o.event_id AND (p.seq < o.seq OR p.lease_until > $1))
    ORDER BY o.next_attempt_at, o.seq LIMIT $2
    FOR UPDATE OF o SKIP LOCKED
  )
  UPDATE outbox o SET lease_until = $3, leased_by = $4
  FROM due, events e WHERE o.event_id = due.event_id AND e.id = o.event_id
  RETURNING o.event_id, o.body, e.source, o.attempts, o.next_attempt_at, o.seq`;

/** Fast-path entries of this instance handed back: due for any poll. */
export const RELEASE_MINE = `UPDATE outbox SET lease_until = NULL, leased_by = NULL
  WHERE event_id = ANY ($1::text[]) AND leased_by = $2`;

/** At a worker's start: this instance's own leases (another instance's are never touched). */
export const RELEASE_ALL_MINE = `UPDATE outbox SET lease_until = NULL, leased_by = NULL WHERE leased_by = $1`;

/**
 * Deliveries of one turn, in one statement: each event whose entry this instance still leases
 * is delivered and its entry gone; the ids back are those written (a lease taken over meanwhile
 * is not). $1 ids, $2 delivered at, $3 status codes, $4 durations, $5 this instance.
 */
export const DELIVERED = `WITH input AS (
    SELECT * FROM unnest($1::text[], $2::bigint[], $3::int[], $4::int[]) AS t (id, at, code, ms)
  ),
  gone AS (
    DELETE FROM outbox o USING input WHERE o.event_id = input.id AND o.leased_by = $5
    RETURNING o.event_id
  )
  UPDATE events e SET status = 'delivered', attempts = e.attempts + 1, delivered_at = input.at,
    delivered_status = input.code, delivered_ms = input.ms, last_error = NULL
  FROM input, gone WHERE e.id = input.id AND gone.event_id = input.id
  RETURNING e.id`;

/**
 * A failed attempt, while this instance holds the lease: the attempt row, the count, and the
 * entry rescheduled (RETRY) or gone (DEAD). One statement, so atomic.
 * $1 id, $2 this instance, $3 at, $4 duration, $5 status code, $6 error, $7 last error,
 * RETRY's $8 retry at.
 */
const failed = (outbox: string, status: string) => `WITH kept AS (${outbox}),
  attempt AS (
    INSERT INTO delivery_attempts (event_id, attempt, at, duration_ms, status_code, error)
    SELECT e.id, e.attempts + 1, $3, $4, $5, $6 FROM events e JOIN kept ON kept.event_id = e.id
  )
  UPDATE events e SET status = ${status}, attempts = e.attempts + 1, last_error = $7
  FROM kept WHERE e.id = kept.event_id
  RETURNING e.id`;
/**
 * An entry in its customer's line keeps its first failure's hold, $9 (one that stepped out of it,
 * a line of its own, has none).
 */
export const FAILED_RETRY = failed(
  `UPDATE outbox SET next_attempt_at = $8, lease_until = NULL, leased_by = NULL,
     attempts = attempts + 1,
     hold_until = CASE WHEN order_key <> event_id THEN coalesce(hold_until, $9::bigint) END
   WHERE event_id = $1 AND leased_by = $2 RETURNING event_id`,
  `'pending'`,
);
export const FAILED_DEAD = failed(
  'DELETE FROM outbox WHERE event_id = $1 AND leased_by = $2 RETURNING event_id',
  `'dead'`,
);

/** Where an event stands in line (its order key), read before its line's lock is taken. */
export const ORDER_KEYS_OF = `SELECT id, coalesce(customer_id, id) AS order_key FROM events
  WHERE id = ANY ($1::text[])`;

/**
 * A replayed event's status, its row locked (NO KEY: a pair inserted beside it only needs KEY
 * SHARE, so an accept pairing with it is not held up).
 */
export const STATUS_FOR_UPDATE = 'SELECT status FROM events WHERE id = $1 FOR NO KEY UPDATE';

/**
 * Up to $2 events with the status, oldest first, and their lines: the next batch of a replay;
 * within a customer ($3, events_counterpart) and a range of arrival times ($4, $5), each left
 * out when null.
 */
export const NEXT_WITH_STATUS = `SELECT id, coalesce(customer_id, id) AS order_key FROM events
  WHERE status = $1 AND ($3::text IS NULL OR customer_id = $3::text)
    AND ($4::bigint IS NULL OR received_at >= $4::bigint)
    AND ($5::bigint IS NULL OR received_at < $5::bigint)
  ORDER BY seq LIMIT $2`;

/** Those of $2 that still have the status, locked; rows another replay holds are skipped. */
export const LOCK_WITH_STATUS = `SELECT id FROM events WHERE status = $1 AND id = ANY ($2::text[])
  ORDER BY seq FOR NO KEY UPDATE SKIP LOCKED`;

/** Before a replay: the success of the round that ends becomes an attempt row, then forgotten. */
export const KEEP_SUCCESS = `INSERT INTO delivery_attempts (event_id, attempt, at, duration_ms, status_code, error)
  SELECT id, attempts, delivered_at - delivered_ms, delivered_ms, delivered_status, NULL
  FROM events WHERE id = ANY ($1::text[]) AND delivered_ms IS NOT NULL`;
export const FORGET_SUCCESS = `UPDATE events SET delivered_status = NULL, delivered_ms = NULL
  WHERE id = ANY ($1::text[]) AND delivered_ms IS NOT NULL`;

/** Of $1 (ids), those that never had a result and waited for a score: rules/replay.ts planRequeue. */
export const NEEDS_SCORE = `SELECT id FROM events WHERE id = ANY ($1::text[]) AND normalized IS NULL
    AND enrich_deadline IS NOT NULL`;

/**
 * An event that never had a result (no score came for its ONBOARDING_FINISHED) waits for its
 * score again, as long as it waited the first time. $1 ids, $2 now. Returns those it took.
 */
export const REENRICH = `UPDATE events SET status = 'enriching', enrich_next_at = $2,
    enrich_deadline = $2 + coalesce(enrich_wait, enrich_deadline - received_at), enrich_error = NULL,
    last_error = NULL, enrich_leased_by = NULL
  WHERE id = ANY ($1::text[]) AND normalized IS NULL AND enrich_deadline IS NOT NULL
  RETURNING id`;

/**
 * Replays and fallbacks: back in line with the body it was rendered with, at its original place,
 * and pending. $1 ids, $2 now. An entry already there (it cannot be, under the row lock) stays.
 */
export const ENQUEUE = `WITH queued AS (
    INSERT INTO outbox (event_id, body, next_attempt_at, seq, order_key)
    SELECT id, coalesce(forward_body, raw_body), $2, seq, coalesce(customer_id, id)
    FROM events WHERE id = ANY ($1::text[])
    ON CONFLICT (event_id) DO NOTHING
  )
  UPDATE events SET status = 'pending', fallback_at = NULL, hold_released_at = NULL
  WHERE id = ANY ($1::text[])`;
