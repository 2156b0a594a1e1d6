import type {
  EventQuery,
  EventSummary,
  Page,
  QuarantineEntry,
  QuarantineQuery,
  QuarantineRecord,
} from '../../admin-types.js';
import type { BacklogFigures } from '../../figure-types.js';
import {
  type EventRow,
  page,
  pageBefore,
  type QuarantineRow,
  toQuarantineRecord,
  toSummary,
} from '../../rows.js';
import { statusCounts } from '../../rules/statuses.js';
import type { EventStatus } from '../../store.js';
import { bytes } from '../rows.js';
import * as admin from '../sql/admin.js';
import * as intake from '../sql/intake.js';
import { listEventsQuery } from '../sql/list-events.js';
import * as operating from '../sql/operating.js';
import type { Reader } from './reader.js';

/** What the admin API and the metrics read, and the quarantine: each one statement. */

export async function listEvents(q: Reader, query: EventQuery): Promise<Page<EventSummary>> {
  const { sql, params } = listEventsQuery(query);
  const { rows } = await q.query<EventRow>(sql, params);
  return page(rows, query.limit, toSummary);
}

export async function backlogFigures(q: Reader): Promise<BacklogFigures> {
  const { rows } = await q.query<{ oldest: number | null; held: number }>(
    operating.BACKLOG_FIGURES,
  );
  return { oldestPendingAt: rows[0]?.oldest ?? null, heldCustomers: rows[0]?.held ?? 0 };
}

export async function countByStatus(q: Reader): Promise<Record<EventStatus, number>> {
  const { rows } = await q.query<{ status: EventStatus; n: number }>(admin.COUNT_BY_STATUS);
  return statusCounts(rows);
}

export async function quarantine(q: Reader, entry: QuarantineEntry): Promise<void> {
  await q.query(intake.INSERT_QUARANTINE, [
    entry.id,
    entry.receivedAt,
    entry.route,
    entry.contentType,
    entry.httpStatus,
    entry.code,
    entry.message,
    entry.issues ? JSON.stringify(entry.issues) : null,
    bytes(entry.body),
    entry.truncated,
  ]);
}

export async function getQuarantine(q: Reader, id: string): Promise<QuarantineRecord | undefined> {
  const row = (await q.query<QuarantineRow>(operating.QUARANTINE_BY_ID, [id])).rows[0];
  return row && toQuarantineRecord(row);
}

export async function listQuarantine(
  q: Reader,
  query: QuarantineQuery,
): Promise<Page<QuarantineRecord>> {
  const before = pageBefore(query.before) ?? Number.MAX_SAFE_INTEGER;
  const { rows } = await q.query<QuarantineRow>(
    'SELECT * FROM quarantine WHERE seq < $1 ORDER BY seq DESC LIMIT $2',
    [before, query.limit + 1],
  );
  return page(rows, query.limit, toQuarantineRecord);
}
