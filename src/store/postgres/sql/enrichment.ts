/** Events waiting for their score from the Incode API. */

/**
 * Due waits, leased to this instance until $3 (enrich_next_at moves to the lease's end), rows
 * another instance is claiming skipped. $1 now, $2 limit, $3 lease until, $4 this instance.
 */
export const CLAIM_ENRICHMENT = `WITH due AS (
    SELECT id FROM events WHERE status = 'enriching' AND enrich_next_at <= $1
    ORDER BY enrich_next_at LIMIT $2
    FOR NO KEY UPDATE SKIP LOCKED
  )
  UPDATE events e SET enrich_next_at = $3, enrich_leased_by = $4 FROM due WHERE e.id = due.id
  RETURNING e.id, e.route, e.received_at, e.raw_body, e.interview_id, e.enrich_deadline,
    e.enrich_attempts, e.enrich_error, e.seq`;

/** $1 retry at, $2 error, $3 id. */
export const RETRY_ENRICHMENT = `UPDATE events SET enrich_next_at = $1, enrich_attempts = enrich_attempts + 1,
    enrich_error = $2, enrich_leased_by = NULL
  WHERE id = $3 AND status = 'enriching'`;

/** The event's row as its wait ends, locked: the status decides whether it still waits. */
export const WAITING_FOR_UPDATE = `SELECT status, shadowed, fallback_at, received_at, customer_id
  FROM events WHERE id = $1 FOR NO KEY UPDATE`;

/**
 * The wait ends, conditional on it still going on (a second completion changes nothing).
 * $1 id, $2 normalized, $3 result status, $4 reason, $5 customer, $6 forward format,
 * $7 forward body, $8 legacy fields, $9 enrichment state, $10 error, $11 status, $12 note,
 * $13 last error, $14 1 when this completion followed a call, $15 fallback at, $16 bucket.
 */
export const ENRICHED = `UPDATE events SET normalized = $2, result_status = $3, reason = $4,
    customer_id = coalesce(customer_id, $5), forward_format = $6, forward_body = $7,
    legacy_fields = $8, enrichment = $9, enrich_error = $10, enrich_next_at = NULL,
    enrich_leased_by = NULL, status = $11, note = $12, last_error = $13,
    enrich_attempts = enrich_attempts + $14, fallback_at = $15, bucket = coalesce($16, bucket)
  WHERE id = $1 AND status = 'enriching'`;

/** The held entry released with the scored body; $1 body, $2 now, $3 id. */
export const RELEASE_HELD = 'UPDATE outbox SET body = $1, next_attempt_at = $2 WHERE event_id = $3';

export const DROP_OUTBOX = 'DELETE FROM outbox WHERE event_id = $1';

/** At a worker's start: waits this instance had leased are asked for at once. */
export const RELEASE_MY_ENRICHMENT = `UPDATE events SET enrich_next_at = 0, enrich_leased_by = NULL
  WHERE status = 'enriching' AND enrich_leased_by = $1`;
