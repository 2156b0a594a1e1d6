import { RESULT_STATUSES } from '../../sql-fragments.js';
import { COMPARED_COLUMNS } from './fragments.js';

/** Pairs of the two sources, shadow fallbacks and the comparison report. */

export const PAIR_OF =
  'SELECT legacy_id, workflows_id FROM pairs WHERE legacy_id = $1 OR workflows_id = $1';

export const NORMALIZED_OF = 'SELECT normalized FROM events WHERE id = $1';

/** $1 legacy, $2 workflows, $3 status agrees, $4 reason agrees, $5 kind, $6 differences. */
export const UPDATE_PAIR = `UPDATE pairs SET status_agrees = $3, reason_agrees = $4, kind = $5, differences = $6
  WHERE legacy_id = $1 AND workflows_id = $2`;

/** What a candidate for a login's other report is read with (rows.ts CandidateRow). */
const CANDIDATE_COLUMNS = `e.seq, e.id, e.source, e.customer_id, e.interview_id, e.received_at, e.status,
  e.shadowed, e.fallback_at, e.normalized`;

/** Not matched to a report of the other source yet. */
const UNMATCHED =
  'NOT EXISTS (SELECT 1 FROM pairs p WHERE p.legacy_id = e.id OR p.workflows_id = e.id)';

const CANDIDATES_WHERE = `e.source = $1 AND e.status IN ${RESULT_STATUSES}
  AND e.received_at BETWEEN $4 AND $5 AND ${UNMATCHED}`;

/**
 * rules/login.ts CounterpartQuery as SQL (as SQLite's loginCandidates): the other source's
 * unmatched results within the window, of the same customer or the same interview, oldest
 * first. $1 source, $2 customer, $3 interview, $4 from, $5 to.
 */
export const LOGIN_CANDIDATES = `SELECT ${CANDIDATE_COLUMNS} FROM events e
    WHERE $2::text IS NOT NULL AND e.customer_id = $2::text AND ${CANDIDATES_WHERE}
  UNION
  SELECT ${CANDIDATE_COLUMNS} FROM events e
    WHERE $3::text IS NOT NULL AND e.interview_id = $3::text AND ${CANDIDATES_WHERE}
  ORDER BY received_at, seq`;

export const CANDIDATE_BY_ID = `SELECT ${CANDIDATE_COLUMNS} FROM events e WHERE e.id = $1`;

/** One pair per event: the UNIQUE constraints keep a second one out. */
export const INSERT_PAIR = `INSERT INTO pairs (legacy_id, workflows_id, paired_at, first_at, forwarded,
    status_agrees, reason_agrees, kind, differences, bucket)
  VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10) ON CONFLICT DO NOTHING`;

/** A waiting report whose login's other report arrived: it will never be sent. */
export const SETTLE_WAIT = 'UPDATE events SET fallback_at = NULL WHERE id = $1';

/** A waiting report still to be scored, released: forwarded once scored. */
export const UNSHADOW = 'UPDATE events SET shadowed = false, fallback_at = NULL WHERE id = $1';

/** Logins reported by both sources, by the UTC day of their first report. $1 from, $2 to. */
export const PAIRS_FIRST_PER_DAY = `SELECT first_at / 86400000 AS day, count(*)::int AS n FROM pairs
  WHERE first_at >= $1 AND first_at < $2 GROUP BY 1`;

/** Logins reported by one source: its unmatched results, per UTC day. $1 from, $2 to. */
export const UNMATCHED_PER_DAY = `SELECT e.received_at / 86400000 AS day, e.source, count(*)::int AS n
  FROM events e WHERE e.received_at >= $1 AND e.received_at < $2 AND e.status IN ${RESULT_STATUSES}
    AND ${UNMATCHED}
  GROUP BY 1, 2`;

/**
 * The cut-over guard's figures: $1 from, $2 to, $3 below this bucket, $4 true when a pair agrees
 * on its status alone (FORWARD_SOURCE_GUARD_COUNTS=status).
 */
export const MOVED_PAIR_COUNTS = `SELECT count(*)::int AS pairs,
    count(*) FILTER (WHERE status_agrees AND ($4 OR reason_agrees))::int AS agreeing
  FROM pairs WHERE paired_at >= $1 AND paired_at < $2 AND bucket < $3
    AND status_agrees IS NOT NULL`;

/** The first $5 disagreeing pairs of the same range. */
export const MOVED_PAIRS_DISAGREEING = `SELECT legacy_id, workflows_id FROM pairs
  WHERE paired_at >= $1 AND paired_at < $2 AND bucket < $3
    AND NOT (status_agrees AND ($4 OR reason_agrees))
  ORDER BY paired_at LIMIT $5`;

/**
 * The guard's populations (as SQLite's populationCounts): $1 from, $2 since, $3 to, $4 below this
 * bucket.
 */
export const POPULATION_COUNTS = `SELECT bucket < $4 AS moved, received_at >= $2 AS after,
    count(*)::int AS results, count(*) FILTER (WHERE result_status = 'PASS')::int AS pass
  FROM events
  WHERE received_at >= $1 AND received_at < $3 AND bucket IS NOT NULL
    AND status IN ('pending', 'delivered', 'dead') AND result_status IS NOT NULL
  GROUP BY 1, 2`;

/**
 * Reports whose wait for their login's other report is over (a batch at a time; the next poll takes
 * the rest). Read without a lock: each is then locked by its customer and interview
 * (advisory, as accepts take them) and forwarded only if it is still waiting (FORWARD_DUE_FALLBACKS).
 * $1 now, $2 how many (rules/fallbacks.ts FALLBACK_BATCH).
 */
export const DUE_FALLBACKS = `SELECT id, customer_id, interview_id FROM events
  WHERE fallback_at IS NOT NULL AND fallback_at <= $1 AND status = 'shadowed'
    AND forward_format IS NOT NULL
  ORDER BY fallback_at LIMIT $2`;

/**
 * Of $1 (ids), those still waiting at $2 become pending, once: the condition is read again under
 * the row lock the UPDATE takes, so an accept that ended the wait first leaves nothing to do.
 */
export const FORWARD_DUE_FALLBACKS = `UPDATE events SET status = 'pending', fallback_at = NULL
  WHERE id = ANY ($1::text[]) AND fallback_at IS NOT NULL AND fallback_at <= $2
    AND status = 'shadowed'
  RETURNING id`;

export const COMPARED_EVENTS = `SELECT ${COMPARED_COLUMNS} FROM events e
  WHERE e.received_at >= $1 AND e.received_at < $2 AND e.normalized IS NOT NULL
    AND e.status IN ${RESULT_STATUSES}
  ORDER BY e.received_at, e.seq`;

/** A pair belongs to the range of its first event; found from the events in the range. */
export const COMPARED_PAIRS = `SELECT p.legacy_id, p.workflows_id, p.status_agrees, p.reason_agrees, p.kind, p.differences, p.forwarded
  FROM events l JOIN pairs p ON p.legacy_id = l.id JOIN events w ON w.id = p.workflows_id
  WHERE l.received_at >= $1 AND l.received_at < $2 AND l.received_at <= w.received_at
    AND p.status_agrees IS NOT NULL
  UNION ALL
  SELECT p.legacy_id, p.workflows_id, p.status_agrees, p.reason_agrees, p.kind, p.differences, p.forwarded
  FROM events w JOIN pairs p ON p.workflows_id = w.id JOIN events l ON l.id = p.legacy_id
  WHERE w.received_at >= $1 AND w.received_at < $2 AND w.received_at < l.received_at
    AND p.status_agrees IS NOT NULL`;

export const COMPARED_EVENT = `SELECT ${COMPARED_COLUMNS} FROM events e WHERE e.id = $1`;
