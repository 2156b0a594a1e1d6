import { COMPARED_COLUMNS, RESULT_STATUSES } from './fragments.js';

/** Pairs of the two sources, shadow fallbacks and the comparison report. */

export const PAIR_OF =
  'SELECT legacy_id, workflows_id FROM pairs WHERE legacy_id = $1 OR workflows_id = $1';

export const NORMALIZED_OF = 'SELECT normalized FROM events WHERE id = $1';

/** $1 legacy, $2 workflows, $3 status agrees, $4 reason agrees, $5 kind, $6 differences. */
export const UPDATE_PAIR = `UPDATE pairs SET status_agrees = $3, reason_agrees = $4, kind = $5, differences = $6
  WHERE legacy_id = $1 AND workflows_id = $2`;

/** The other source's unpaired results of the customer; $1 source, $2 customer, $3 from, $4 to. */
export const PAIR_CANDIDATES = `SELECT e.id, e.customer_id, e.interview_id, e.received_at, e.normalized FROM events e
  WHERE e.customer_id = $2 AND e.source = $1 AND e.received_at BETWEEN $3 AND $4
    AND e.normalized IS NOT NULL AND e.status IN ${RESULT_STATUSES}
    AND NOT EXISTS (SELECT 1 FROM pairs p WHERE p.legacy_id = e.id OR p.workflows_id = e.id)
  ORDER BY e.received_at, e.seq`;

/** One pair per event: the UNIQUE constraints keep a second one out. */
export const INSERT_PAIR = `INSERT INTO pairs (legacy_id, workflows_id, paired_at, status_agrees, reason_agrees, kind, differences, bucket)
  VALUES ($1, $2, $3, $4, $5, $6, $7, $8) ON CONFLICT DO NOTHING`;

/** The cut-over guard's figures: $1 from, $2 to, $3 below this bucket. */
export const MOVED_PAIR_COUNTS = `SELECT count(*)::int AS pairs,
    count(*) FILTER (WHERE status_agrees AND reason_agrees)::int AS agreeing
  FROM pairs WHERE paired_at >= $1 AND paired_at < $2 AND bucket < $3`;

/** The first $4 disagreeing pairs of the same range. */
export const MOVED_PAIRS_DISAGREEING = `SELECT legacy_id, workflows_id FROM pairs
  WHERE paired_at >= $1 AND paired_at < $2 AND bucket < $3 AND NOT (status_agrees AND reason_agrees)
  ORDER BY paired_at LIMIT $4`;

/**
 * Shadowed events whose fallback time has come (200 at a time: each takes up to two advisory
 * locks, which share the server's lock table; the next poll takes the rest), locked; rows another instance is deciding are
 * skipped (FOR NO KEY UPDATE: a pair being inserted at the same moment only needs KEY SHARE).
 */
export const DUE_FALLBACKS = `SELECT id, source, customer_id, interview_id, received_at FROM events
  WHERE fallback_at IS NOT NULL AND fallback_at <= $1 AND status = 'shadowed'
    AND forward_format IS NOT NULL
  ORDER BY fallback_at LIMIT 200
  FOR NO KEY UPDATE SKIP LOCKED`;

/**
 * rules/fallback.ts's counterpart: the same customer (and interview where both carry one), or,
 * for events that name no customer, the same interview. $1 source, $2 customer, $3 interview,
 * $4 from, $5 to.
 */
const COUNTERPART_WHERE = `e.source = $1 AND e.status IN ${RESULT_STATUSES}
    AND e.received_at BETWEEN $4 AND $5
    AND (($2::text IS NOT NULL AND e.customer_id = $2::text
          AND ($3::text IS NULL OR e.interview_id IS NULL OR e.interview_id = $3::text))
      OR ($3::text IS NOT NULL AND e.interview_id = $3::text
          AND ($2::text IS NULL OR e.customer_id IS NULL)))`;

export const COUNTERPART = `SELECT e.id FROM events e WHERE ${COUNTERPART_WHERE} LIMIT 1`;

/** Every such counterpart with what the cut-over needs of it; the same parameters. */
export const COUNTERPARTS = `SELECT ${COMPARED_COLUMNS}, e.shadowed FROM events e
  WHERE ${COUNTERPART_WHERE} AND e.normalized IS NOT NULL
  ORDER BY e.received_at, e.seq`;

export const SETTLE_FALLBACKS = 'UPDATE events SET fallback_at = NULL WHERE id = ANY ($1::text[])';

export const CLEAR_FALLBACKS = 'UPDATE events SET fallback_at = NULL WHERE fallback_at IS NOT NULL';

export const COMPARED_EVENTS = `SELECT ${COMPARED_COLUMNS} FROM events e
  WHERE e.received_at >= $1 AND e.received_at < $2 AND e.normalized IS NOT NULL
    AND e.status IN ${RESULT_STATUSES}
  ORDER BY e.received_at, e.seq`;

/** A pair belongs to the range of its first event; found from the events in the range. */
export const COMPARED_PAIRS = `SELECT p.legacy_id, p.workflows_id, p.status_agrees, p.reason_agrees, p.kind, p.differences
  FROM events l JOIN pairs p ON p.legacy_id = l.id JOIN events w ON w.id = p.workflows_id
  WHERE l.received_at >= $1 AND l.received_at < $2 AND l.received_at <= w.received_at
  UNION ALL
  SELECT p.legacy_id, p.workflows_id, p.status_agrees, p.reason_agrees, p.kind, p.differences
  FROM events w JOIN pairs p ON p.workflows_id = w.id JOIN events l ON l.id = p.legacy_id
  WHERE w.received_at >= $1 AND w.received_at < $2 AND w.received_at < l.received_at`;

export const COMPARED_EVENT = `SELECT ${COMPARED_COLUMNS} FROM events e WHERE e.id = $1`;
