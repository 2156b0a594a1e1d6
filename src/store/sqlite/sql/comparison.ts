import type Database from 'better-sqlite3';
import type { Source } from '../../../normalize/normalized-schema.js';
import type { CandidateRow, ComparedRow } from '../../rows.js';
import type { CounterpartQuery } from '../../rules/login.js';
import { RESULT_STATUSES } from '../../sql-fragments.js';
import { COMPARED_COLUMNS } from './fragments.js';

/** What a candidate for a login's other report is read with (rows.ts CandidateRow). */
const CANDIDATE_COLUMNS = `e.seq, e.id, e.source, e.customer_id, e.interview_id, e.received_at, e.status,
  e.shadowed, e.fallback_at, e.normalized`;

/** Not matched to a report of the other source yet. */
const UNMATCHED =
  'NOT EXISTS (SELECT 1 FROM pairs p WHERE p.legacy_id = e.id OR p.workflows_id = e.id)';

/**
 * rules/login.ts CounterpartQuery as SQL: the other source's unmatched results within the window,
 * of the same customer or the same interview (two index lookups: events_counterpart and
 * events_interview), oldest first. isSameLogin decides among them.
 */
const CANDIDATES_WHERE = `e.source = @source AND +e.status IN ${RESULT_STATUSES}
  AND e.received_at BETWEEN @from AND @to AND ${UNMATCHED}`;

/** Pairs of the two sources, shadow fallbacks and the comparison report. */
export function prepareComparison(db: Database.Database) {
  return {
    pairOf: db.prepare<[string, string], { legacy_id: string; workflows_id: string }>(
      'SELECT legacy_id, workflows_id FROM pairs WHERE legacy_id = ? OR workflows_id = ?',
    ),
    normalizedOf: db.prepare<[string], { normalized: string | null }>(
      'SELECT normalized FROM events WHERE id = ?',
    ),
    updatePair: db.prepare(
      `UPDATE pairs SET status_agrees = @statusAgrees, reason_agrees = @reasonAgrees, kind = @kind,
         differences = @differences WHERE legacy_id = @legacyId AND workflows_id = @workflowsId`,
    ),
    loginCandidates: db.prepare<[CounterpartQuery], CandidateRow>(
      `SELECT ${CANDIDATE_COLUMNS} FROM events e
         WHERE @customerId IS NOT NULL AND e.customer_id = @customerId AND ${CANDIDATES_WHERE}
       UNION
       SELECT ${CANDIDATE_COLUMNS} FROM events e
         WHERE @interviewId IS NOT NULL AND e.interview_id = @interviewId AND ${CANDIDATES_WHERE}
       ORDER BY received_at, seq`,
    ),
    candidateById: db.prepare<[string], CandidateRow>(
      `SELECT ${CANDIDATE_COLUMNS} FROM events e WHERE e.id = ?`,
    ),
    insertPair: db.prepare(
      `INSERT INTO pairs (legacy_id, workflows_id, paired_at, first_at, forwarded, status_agrees,
         reason_agrees, kind, differences, bucket)
       VALUES (@legacyId, @workflowsId, @pairedAt, @firstAt, @forwarded, @statusAgrees,
         @reasonAgrees, @kind, @differences, @bucket)`,
    ),
    // A waiting report whose login's other report arrived: it will never be sent.
    settleWait: db.prepare<[string]>('UPDATE events SET fallback_at = NULL WHERE id = ?'),
    // A waiting report still to be scored, released: forwarded once scored.
    unshadow: db.prepare<[string]>(
      'UPDATE events SET shadowed = 0, fallback_at = NULL WHERE id = ?',
    ),
    pairsFirstPerDay: db.prepare<[number, number], { day: number; n: number }>(
      `SELECT first_at / 86400000 AS day, count(*) AS n FROM pairs
       WHERE first_at >= ? AND first_at < ? GROUP BY day`,
    ),
    unmatchedPerDay: db.prepare<[number, number], { day: number; source: Source; n: number }>(
      `SELECT e.received_at / 86400000 AS day, e.source, count(*) AS n FROM events e
       WHERE e.received_at >= ? AND e.received_at < ? AND +e.status IN ${RESULT_STATUSES}
         AND ${UNMATCHED}
       GROUP BY day, e.source`,
    ),
    movedPairCounts: db.prepare<
      [{ from: number; to: number; belowBucket: number; statusOnly: number }],
      { pairs: number; agreeing: number | null }
    >(
      `SELECT count(*) AS pairs,
         sum(status_agrees AND (@statusOnly OR reason_agrees)) AS agreeing FROM pairs
       WHERE paired_at >= @from AND paired_at < @to AND bucket < @belowBucket
         AND status_agrees IS NOT NULL`,
    ),
    movedPairsDisagreeing: db.prepare<
      [{ from: number; to: number; belowBucket: number; ids: number; statusOnly: number }],
      { legacy_id: string; workflows_id: string }
    >(
      `SELECT legacy_id, workflows_id FROM pairs
       WHERE paired_at >= @from AND paired_at < @to AND bucket < @belowBucket
         AND NOT (status_agrees AND (@statusOnly OR reason_agrees))
       ORDER BY paired_at LIMIT @ids`,
    ),
    // The guard's populations: one range of events_population (received_at, bucket, status,
    // result_status), grouped by moved (bucket below the share) and after (since the share).
    populationCounts: db.prepare<
      [{ from: number; since: number; to: number; belowBucket: number }],
      { moved: number; after: number; results: number; pass: number }
    >(
      `SELECT bucket < @belowBucket AS moved, received_at >= @since AS after,
         count(*) AS results, sum(result_status = 'PASS') AS pass
       FROM events
       WHERE received_at >= @from AND received_at < @to AND bucket IS NOT NULL
         AND status IN ('pending', 'delivered', 'dead') AND result_status IS NOT NULL
       GROUP BY 1, 2`,
    ),
    dueFallbacks: db.prepare<[number, number], { id: string }>(
      `SELECT id FROM events
       WHERE fallback_at IS NOT NULL AND fallback_at <= ? AND status = 'shadowed'
         AND forward_format IS NOT NULL ORDER BY fallback_at LIMIT ?`,
    ),
    comparedEvents: db.prepare<[number, number], ComparedRow>(
      `SELECT ${COMPARED_COLUMNS} FROM events e WHERE e.received_at >= ? AND e.received_at < ?
         AND e.normalized IS NOT NULL AND +e.status IN ${RESULT_STATUSES} ORDER BY e.received_at`,
    ),
    comparedPairs: db.prepare<
      [{ from: number; to: number }],
      {
        legacy_id: string;
        workflows_id: string;
        status_agrees: number;
        reason_agrees: number;
        kind: string | null;
        differences: string;
        forwarded: Source | null;
      }
    >(
      // A pair belongs to the range of its first event. Found from the events in the range
      // (an index range), never by reading every pair: the cost follows the range, not the history.
      // Only pairs whose two results are compared (neither still waits for its score).
      `SELECT p.* FROM events l JOIN pairs p ON p.legacy_id = l.id JOIN events w ON w.id = p.workflows_id
         WHERE l.received_at >= @from AND l.received_at < @to AND l.received_at <= w.received_at
           AND p.status_agrees IS NOT NULL
       UNION ALL
       SELECT p.* FROM events w JOIN pairs p ON p.workflows_id = w.id JOIN events l ON l.id = p.legacy_id
         WHERE w.received_at >= @from AND w.received_at < @to AND w.received_at < l.received_at
           AND p.status_agrees IS NOT NULL`,
    ),
    comparedEvent: db.prepare<[string], ComparedRow>(
      `SELECT ${COMPARED_COLUMNS} FROM events e WHERE e.id = ?`,
    ),
  };
}
