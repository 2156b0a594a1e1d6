import type Database from 'better-sqlite3';
import type { DeliveryFigures, DeliveryFiguresQuery } from '../../figure-types.js';

// Store.deliveryFigures on SQLite. No index on delivered_at nor on an attempt's time: the
// events are found through events_received (received in [since, to)), then their deliveries
// and failed attempts inside [from, to) are counted per minute.

const DELIVERED = `
  SELECT delivered_at / 60000 AS minute, count(*) AS n FROM events
  WHERE received_at >= @since AND received_at < @to
    AND delivered_at >= @from AND delivered_at < @to
  GROUP BY minute`;
const FAILED = `
  SELECT a.at / 60000 AS minute, count(*) AS n
  FROM events e JOIN delivery_attempts a ON a.event_id = e.id
  WHERE e.received_at >= @since AND e.received_at < @to AND a.at >= @from AND a.at < @to
  GROUP BY minute`;
const LAST_SUCCESS = `
  SELECT max(delivered_at) AS at FROM events
  WHERE received_at >= @since AND received_at < @to AND delivered_at < @to`;
const LAST_FAILURE = `
  SELECT a.at, a.status_code, a.error, a.event_id
  FROM events e JOIN delivery_attempts a ON a.event_id = e.id
  WHERE e.received_at >= @since AND e.received_at < @to AND a.at < @to
  ORDER BY a.at DESC LIMIT 1`;

export function deliveryFigures(db: Database.Database, q: DeliveryFiguresQuery): DeliveryFigures {
  const params = { since: q.since, from: q.from, to: q.to };
  const delivered = db.prepare(DELIVERED).all(params) as { minute: number; n: number }[];
  const failed = db.prepare(FAILED).all(params) as { minute: number; n: number }[];
  const success = db.prepare(LAST_SUCCESS).get(params) as { at: number | null } | undefined;
  const failure = db.prepare(LAST_FAILURE).get(params) as
    | { at: number; status_code: number | null; error: string | null; event_id: string }
    | undefined;
  return {
    delivered: delivered.map((r) => ({ minute: r.minute * 60_000, n: r.n })),
    failed: failed.map((r) => ({ minute: r.minute * 60_000, n: r.n })),
    lastSuccessAt: success?.at ?? null,
    lastFailure: failure
      ? {
          at: failure.at,
          statusCode: failure.status_code,
          error: failure.error,
          eventId: failure.event_id,
        }
      : null,
  };
}
