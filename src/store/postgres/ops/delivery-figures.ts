import type { DeliveryFigures, DeliveryFiguresQuery } from '../../figure-types.js';

// Store.deliveryFigures on PostgreSQL. No index on delivered_at nor on an attempt's time: the
// events are found through events_received (received in [since, to)), then their deliveries
// and failed attempts inside [from, to) are counted per minute.

const FIGURES = `
  WITH recent AS (
    SELECT id, delivered_at FROM events WHERE received_at >= $1 AND received_at < $3
  )
  SELECT 'delivered' AS kind, (delivered_at / 60000)::bigint AS minute, count(*)::int AS n,
         NULL::bigint AS at, NULL::int AS status_code, NULL::text AS error, NULL::text AS event_id
    FROM recent WHERE delivered_at >= $2 AND delivered_at < $3 GROUP BY 2
  UNION ALL
  SELECT 'failed', (a.at / 60000)::bigint, count(*)::int, NULL, NULL, NULL, NULL
    FROM recent r JOIN delivery_attempts a ON a.event_id = r.id
    WHERE a.at >= $2 AND a.at < $3 GROUP BY 2
  UNION ALL
  SELECT 'success', NULL, 0, max(delivered_at), NULL, NULL, NULL
    FROM recent WHERE delivered_at < $3
  UNION ALL
  (SELECT 'failure', NULL, 0, a.at, a.status_code, a.error, a.event_id
    FROM recent r JOIN delivery_attempts a ON a.event_id = r.id
    WHERE a.at < $3 ORDER BY a.at DESC LIMIT 1)`;

interface Row {
  kind: 'delivered' | 'failed' | 'success' | 'failure';
  minute: string | null;
  n: number;
  at: string | null;
  status_code: number | null;
  error: string | null;
  event_id: string | null;
}

export async function deliveryFigures(
  query: (text: string, values: unknown[]) => Promise<{ rows: object[] }>,
  q: DeliveryFiguresQuery,
): Promise<DeliveryFigures> {
  const rows = (await query(FIGURES, [q.since, q.from, q.to])).rows as Row[];
  const perMinute = (kind: Row['kind']) =>
    rows.filter((r) => r.kind === kind).map((r) => ({ minute: Number(r.minute) * 60_000, n: r.n }));
  const success = rows.find((r) => r.kind === 'success');
  const failure = rows.find((r) => r.kind === 'failure');
  return {
    delivered: perMinute('delivered'),
    failed: perMinute('failed'),
    lastSuccessAt: success?.at == null ? null : Number(success.at),
    lastFailure:
      failure?.at == null
        ? null
        : {
            at: Number(failure.at),
            statusCode: failure.status_code,
            error: failure.error,
            eventId: failure.event_id ?? '',
          },
  };
}
