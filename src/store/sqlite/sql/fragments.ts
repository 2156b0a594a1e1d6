// SQL fragments of the SQLite statements; those both backends share are ../../sql-fragments.ts.
// The queries here write `+status IN ${RESULT_STATUSES}`: the unary plus keeps SQLite from
// choosing the status index, which would read every event of the history instead of the time
// range or the customer.

export const COMPARED_COLUMNS = `e.id, e.source, e.received_at, e.result_status, e.reason, e.customer_id,
  e.interview_id, e.status, e.delivered_at, e.legacy_fields, e.enrichment,
  EXISTS (SELECT 1 FROM pairs p WHERE p.legacy_id = e.id OR p.workflows_id = e.id) AS paired`;
