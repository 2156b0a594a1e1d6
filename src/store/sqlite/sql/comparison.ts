import type Database from 'better-sqlite3';
import type { Source } from '../../../normalize/normalized-schema.js';
import type { ComparedRow } from '../../rows.js';
import type { CounterpartQuery } from '../../rules/fallback.js';
import type { CandidateRow } from '../../rules/pairing.js';
import { COMPARED_COLUMNS, RESULT_STATUSES } from './fragments.js';

/**
 * rules/fallback.ts CounterpartQuery as SQL: the other source within the window, the same
 * customer (and interview where both carry one), or, for events that name no customer (a
 * session event, an ONBOARDING_FINISHED still waiting for its score), the same interview. The
 * customer and interview indexes find them.
 */
const COUNTERPART = `e.source = @source AND +e.status IN ${RESULT_STATUSES}
  AND e.received_at BETWEEN @from AND @to
  AND ((@customerId IS NOT NULL AND e.customer_id = @customerId
        AND (@interviewId IS NULL OR e.interview_id IS NULL OR e.interview_id = @interviewId))
    OR (@interviewId IS NOT NULL AND e.interview_id = @interviewId
        AND (@customerId IS NULL OR e.customer_id IS NULL)))`;

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
    pairCandidates: db.prepare<
      [{ source: Source; customerId: string; from: number; to: number }],
      CandidateRow
    >(
      `SELECT e.id, e.customer_id, e.interview_id, e.received_at, e.normalized FROM events e
       WHERE e.customer_id = @customerId AND e.source = @source AND e.received_at BETWEEN @from AND @to
         AND e.normalized IS NOT NULL AND +e.status IN ${RESULT_STATUSES}
         AND NOT EXISTS (SELECT 1 FROM pairs p WHERE p.legacy_id = e.id OR p.workflows_id = e.id)
       ORDER BY e.received_at, e.seq`,
    ),
    insertPair: db.prepare(
      `INSERT INTO pairs (legacy_id, workflows_id, paired_at, status_agrees, reason_agrees, kind, differences, bucket)
       VALUES (@legacyId, @workflowsId, @pairedAt, @statusAgrees, @reasonAgrees, @kind, @differences, @bucket)`,
    ),
    movedPairCounts: db.prepare<
      [{ from: number; to: number; belowBucket: number }],
      { pairs: number; agreeing: number | null }
    >(
      `SELECT count(*) AS pairs, sum(status_agrees AND reason_agrees) AS agreeing FROM pairs
       WHERE paired_at >= @from AND paired_at < @to AND bucket < @belowBucket`,
    ),
    movedPairsDisagreeing: db.prepare<
      [{ from: number; to: number; belowBucket: number; ids: number }],
      { legacy_id: string; workflows_id: string }
    >(
      `SELECT legacy_id, workflows_id FROM pairs
       WHERE paired_at >= @from AND paired_at < @to AND bucket < @belowBucket
         AND NOT (status_agrees AND reason_agrees)
       ORDER BY paired_at LIMIT @ids`,
    ),
    dueFallbacks: db.prepare<
      [number],
      {
        id: string;
        source: Source;
        customer_id: string | null;
        interview_id: string | null;
        received_at: number;
      }
    >(
      `SELECT id, source, customer_id, interview_id, received_at FROM events
       WHERE fallback_at IS NOT NULL AND fallback_at <= ? AND status = 'shadowed'
         AND forward_format IS NOT NULL ORDER BY fallback_at LIMIT 500`,
    ),
    counterpart: db.prepare<
      [
        {
          customerId: string | null;
          source: Source;
          interviewId: string | null;
          from: number;
          to: number;
        },
      ],
      { id: string }
    >(`SELECT e.id FROM events e WHERE ${COUNTERPART} LIMIT 1`),
    counterparts: db.prepare<[CounterpartQuery], ComparedRow & { shadowed: number }>(
      `SELECT ${COMPARED_COLUMNS}, e.shadowed FROM events e WHERE ${COUNTERPART} AND e.normalized IS NOT NULL
         ORDER BY e.received_at, e.seq`,
    ),
    settleFallback: db.prepare<[string]>('UPDATE events SET fallback_at = NULL WHERE id = ?'),
    clearFallbacks: db.prepare(
      'UPDATE events SET fallback_at = NULL WHERE fallback_at IS NOT NULL',
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
      }
    >(
      // A pair belongs to the range of its first event. Found from the events in the range
      // (an index range), never by reading every pair: the cost follows the range, not the history.
      `SELECT p.* FROM events l JOIN pairs p ON p.legacy_id = l.id JOIN events w ON w.id = p.workflows_id
         WHERE l.received_at >= @from AND l.received_at < @to AND l.received_at <= w.received_at
       UNION ALL
       SELECT p.* FROM events w JOIN pairs p ON p.workflows_id = w.id JOIN events l ON l.id = p.legacy_id
         WHERE w.received_at >= @from AND w.received_at < @to AND w.received_at < l.received_at`,
    ),
    comparedEvent: db.prepare<[string], ComparedRow>(
      `SELECT ${COMPARED_COLUMNS} FROM events e WHERE e.id = ?`,
    ),
  };
}
