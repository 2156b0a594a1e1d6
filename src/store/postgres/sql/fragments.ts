// SQL fragments of the PostgreSQL statements; those both backends share are ../../sql-fragments.ts.

/** As the SQLite store's, with the flag read as 0/1 (the shared row mapping's form). */
export const COMPARED_COLUMNS = `e.id, e.source, e.received_at, e.result_status, e.reason, e.customer_id,
  e.interview_id, e.status, e.delivered_at, e.legacy_fields, e.enrichment,
  (EXISTS (SELECT 1 FROM pairs p WHERE p.legacy_id = e.id OR p.workflows_id = e.id))::int AS paired`;
