import type { NormalizedResult, Source } from '../normalize/normalized-schema.js';
import type { ForwardFormat } from './accept-types.js';
import type { EventDetail, LineFacts, PairDetail } from './admin-types.js';
import { type EventRow, toSummary } from './rows.js';

// An event's detail (GET /admin/events/:id) from its rows, shared by both backends: the event,
// its attempts, its pair and its place in its customer's line (rows.ts maps the event row).

/** An event row with what its detail shows (GET /admin/events/:id). */
export interface EventDetailRow extends EventRow {
  normalized: string | null;
  content_type: string;
  raw_body: Buffer;
  forward_format: ForwardFormat | null;
  forward_body: Buffer | null;
  delivered_status: number | null;
  delivered_ms: number | null;
  hold_released_at: number | null;
}

/** A failed attempt as stored (a success is kept on the event row). */
export interface AttemptRow {
  at: number;
  duration_ms: number;
  status_code: number | null;
  error: string | null;
}

/** An event's outbox entry and its place in line (LineFacts). */
export interface LineRow {
  event_id: string;
  order_key: string;
  seq: number;
  hold_until: number | null;
  behind: number;
}

/** The entry before it in its line, with its event's attempts. */
export interface AheadRow {
  event_id: string;
  hold_until: number | null;
  lease_until: number | null;
  attempts: number;
  last_error: string | null;
}

/** A pair as an event's detail shows it (flags 0/1 in SQLite, booleans in PostgreSQL). */
export interface PairDetailRow {
  legacy_id: string;
  workflows_id: string;
  paired_at: number;
  forwarded: Source | null;
  status_agrees: number | boolean | null;
  reason_agrees: number | boolean | null;
  kind: string | null;
  differences: string | null;
}

/** What the store read about an event beside its row, for its detail. */
export interface DetailExtras {
  attempts: readonly AttemptRow[];
  pair: PairDetailRow | undefined;
  line: LineRow | undefined;
  ahead: AheadRow | undefined;
}

function toPairDetail(eventId: string, row: PairDetailRow): PairDetail {
  const legacy = row.legacy_id === eventId;
  return {
    counterpartId: legacy ? row.workflows_id : row.legacy_id,
    counterpartSource: legacy ? 'workflows' : 'legacy',
    forwarded: row.forwarded,
    pairedAt: row.paired_at,
    comparison:
      row.status_agrees === null || row.differences === null
        ? null
        : {
            statusAgrees: Boolean(row.status_agrees),
            reasonAgrees: Boolean(row.reason_agrees),
            kind: row.kind,
            differences: JSON.parse(row.differences) as NonNullable<
              PairDetail['comparison']
            >['differences'],
          },
  };
}

function toLine(
  line: LineRow | undefined,
  ahead: AheadRow | undefined,
  releasedAt: number | null,
): LineFacts | null {
  if (!line) {
    return releasedAt === null
      ? null
      : { customerId: null, waitingBehind: 0, holdUntil: null, waitingFor: null, releasedAt };
  }
  return {
    // A line of its own (no customer, or stepped out of its customer's line).
    customerId: line.order_key === line.event_id ? null : line.order_key,
    waitingBehind: Number(line.behind),
    holdUntil: line.hold_until,
    waitingFor: ahead
      ? {
          eventId: ahead.event_id,
          attempts: ahead.attempts,
          lastError: ahead.last_error,
          holdUntil: ahead.hold_until,
          leaseUntil: ahead.lease_until,
        }
      : null,
    releasedAt,
  };
}

export function toDetail(row: EventDetailRow, extras: DetailExtras): EventDetail {
  const { attempts } = extras;
  return {
    ...toSummary(row),
    pairDetail: extras.pair ? toPairDetail(row.id, extras.pair) : null,
    line: toLine(extras.line, extras.ahead, row.hold_released_at),
    normalized: row.normalized === null ? null : (JSON.parse(row.normalized) as NormalizedResult),
    contentType: row.content_type,
    rawBody: row.raw_body,
    callbackBody:
      row.forward_format === null
        ? null
        : { format: row.forward_format, body: row.forward_body ?? row.raw_body },
    attemptHistory: [
      ...attempts.map((a) => ({
        at: a.at,
        durationMs: a.duration_ms,
        statusCode: a.status_code,
        error: a.error,
      })),
      // The success that ended this round, kept on the event row.
      ...(row.delivered_ms !== null && row.delivered_at !== null
        ? [
            {
              at: row.delivered_at - row.delivered_ms,
              durationMs: row.delivered_ms,
              statusCode: row.delivered_status,
              error: null,
            },
          ]
        : []),
    ],
  };
}
