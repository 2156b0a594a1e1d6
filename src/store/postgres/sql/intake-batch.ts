import { RESULT_STATUSES } from '../../sql-fragments.js';
import { TAKE_LOCKS } from './locks.js';

/**
 * An accept batch's statements (ops/accept-wave.ts): intake.ts's, each over a whole wave of
 * accepts at once (arrays, unnest), so a wave costs as many round trips as one accept. A wave
 * never holds two accepts of one redelivery key, line, customer or interview.
 */

/**
 * The wave's advisory locks ($5, as TAKE_LOCKS), then the redelivery keys kept, as
 * intake.ts LOCK_AND_KEEP_DEDUP_KEY for each; returns the kept ones' event ids. $1 keys,
 * $2 event ids, $3 received at, $4 DEDUP_WINDOW in ms (rules/dedup.ts dedupSince).
 */
export const LOCK_AND_KEEP_DEDUP_KEYS = `WITH locked AS MATERIALIZED (${TAKE_LOCKS.replace('$1', '$5')})
  INSERT INTO dedup_keys AS d (key, event_id, received_at)
  SELECT x.k, x.e, x.r FROM unnest($1::text[], $2::text[], $3::bigint[]) AS x(k, e, r),
    (SELECT count(*) FROM locked) AS l
  ON CONFLICT (key) DO UPDATE SET event_id = excluded.event_id, received_at = excluded.received_at
    WHERE d.received_at <= excluded.received_at - $4::bigint
  RETURNING event_id`;

const CANDIDATE_COLUMNS = `e.seq, e.id, e.source, e.customer_id, e.interview_id, e.received_at,
  e.status, e.shadowed, e.fallback_at, e.normalized`;
const CANDIDATES_WHERE = `e.source = x.source AND e.status IN ${RESULT_STATUSES}
  AND e.received_at BETWEEN x.lo AND x.hi
  AND NOT EXISTS (SELECT 1 FROM pairs p WHERE p.legacy_id = e.id OR p.workflows_id = e.id)`;

/**
 * comparison.ts LOGIN_CANDIDATES for each accept of the wave, tagged with its index `i`.
 * $1 index, $2 source, $3 customer, $4 interview, $5 from, $6 to.
 */
export const LOGIN_CANDIDATES = `SELECT x.i, c.* FROM
    unnest($1::int[], $2::text[], $3::text[], $4::text[], $5::bigint[], $6::bigint[])
      AS x(i, source, customer, interview, lo, hi)
  CROSS JOIN LATERAL (
    SELECT ${CANDIDATE_COLUMNS} FROM events e
      WHERE x.customer IS NOT NULL AND e.customer_id = x.customer AND ${CANDIDATES_WHERE}
    UNION
    SELECT ${CANDIDATE_COLUMNS} FROM events e
      WHERE x.interview IS NOT NULL AND e.interview_id = x.interview AND ${CANDIDATES_WHERE}
  ) AS c
  ORDER BY x.i, c.received_at, c.seq`;

/**
 * intake.ts EARLIER_RESULT for each accept of the wave, tagged with its index `i`.
 * $1 index, $2 interview, $3 routes (a JSON list each), $4 the event's own id.
 */
export const EARLIER_RESULTS = `SELECT x.i, r.id, r.route FROM
    unnest($1::int[], $2::text[], $3::text[], $4::text[]) AS x(i, interview, routes, self)
  CROSS JOIN LATERAL (
    SELECT id, route FROM events WHERE interview_id = x.interview AND source = 'workflows'
      AND status IN ${RESULT_STATUSES} AND normalized IS NOT NULL AND id <> x.self
      AND route IN (SELECT json_array_elements_text(x.routes::json))
    ORDER BY seq LIMIT 1
  ) AS r`;

/** intake.ts IN_LINE for each order key of $1: those with an entry in the outbox. */
export const IN_LINE = 'SELECT DISTINCT order_key FROM outbox WHERE order_key = ANY ($1::text[])';

/**
 * The wave's events and their outbox entries in one statement, each entry at its event's place
 * in line: intake.ts INSERT_EVENT_AND_OUTBOX over arrays. $1 to $24 the event columns (as
 * INSERT_EVENT), $25 entry body, $26 next attempt at, $27 order key, $28 lease until,
 * $29 lease holder, $30 whether it has an entry.
 */
export const INSERT_EVENTS_AND_OUTBOX = `WITH x AS (
    SELECT * FROM unnest($1::text[], $2::text[], $3::text[], $4::bigint[], $5::text[], $6::text[],
      $7::bytea[], $8::text[], $9::text[], $10::text[], $11::text[], $12::text[], $13::text[],
      $14::text[], $15::bytea[], $16::bigint[], $17::text[], $18::text[], $19::text[],
      $20::bigint[], $21::bigint[], $22::bigint[], $23::boolean[], $24::int[], $25::bytea[],
      $26::bigint[], $27::text[], $28::bigint[], $29::text[], $30::boolean[])
      WITH ORDINALITY AS x(id, source, route, received_at, dedup_key, content_type, raw_body,
        normalized, result_status, reason, customer_id, interview_id, status, forward_format,
        forward_body, fallback_at, legacy_fields, event_name, note, enrich_deadline, enrich_wait,
        enrich_next_at, shadowed, bucket, body, next_attempt_at, order_key, lease_until,
        leased_by, queued, ord)
  ), event AS (
    INSERT INTO events (id, source, route, received_at, dedup_key, content_type, raw_body,
      normalized, result_status, reason, customer_id, interview_id, status, forward_format,
      forward_body, fallback_at, legacy_fields, event_name, note, enrich_deadline, enrich_wait,
      enrich_next_at, shadowed, bucket)
    SELECT id, source, route, received_at, dedup_key, content_type, raw_body, normalized,
      result_status, reason, customer_id, interview_id, status, forward_format, forward_body,
      fallback_at, legacy_fields, event_name, note, enrich_deadline, enrich_wait, enrich_next_at,
      shadowed, bucket
    FROM x ORDER BY ord
    RETURNING id, seq
  )
  INSERT INTO outbox (event_id, body, next_attempt_at, seq, order_key, lease_until, leased_by)
  SELECT event.id, x.body, x.next_attempt_at, event.seq, x.order_key, x.lease_until, x.leased_by
  FROM event JOIN x ON x.id = event.id WHERE x.queued`;
