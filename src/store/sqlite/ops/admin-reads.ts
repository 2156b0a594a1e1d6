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
import { listEventsQuery } from '../sql/list-events.js';
import type { Sqlite } from '../statements.js';

/** What the admin API and the metrics read, and the quarantine: each one statement. */

export function listEvents({ db }: Sqlite, query: EventQuery): Page<EventSummary> {
  const { sql, params } = listEventsQuery(query);
  const rows = db.prepare<unknown[], EventRow>(sql).all(...params);
  return page(rows, query.limit, toSummary);
}

export function backlogFigures({ s }: Sqlite): BacklogFigures {
  return {
    oldestPendingAt: s.oldestPending.get()?.received_at ?? null,
    heldCustomers: s.heldCustomers.get()?.n ?? 0,
  };
}

export function countByStatus({ s }: Sqlite): Record<EventStatus, number> {
  return statusCounts(s.countByStatus.all());
}

export function quarantine({ s }: Sqlite, entry: QuarantineEntry): void {
  s.insertQuarantine.run({
    ...entry,
    issues: entry.issues ? JSON.stringify(entry.issues) : null,
    truncated: entry.truncated ? 1 : 0,
  });
}

export function getQuarantine({ s }: Sqlite, id: string): QuarantineRecord | undefined {
  const row = s.quarantineById.get(id);
  return row && toQuarantineRecord(row);
}

export function listQuarantine({ db }: Sqlite, query: QuarantineQuery): Page<QuarantineRecord> {
  const before = pageBefore(query.before) ?? Number.MAX_SAFE_INTEGER;
  const rows = db
    .prepare<[number, number], QuarantineRow>(
      'SELECT * FROM quarantine WHERE seq < ? ORDER BY seq DESC LIMIT ?',
    )
    .all(before, query.limit + 1);
  return page(rows, query.limit, toQuarantineRecord);
}
