import type Database from 'better-sqlite3';
import type { EnrichmentRow } from '../../rows.js';

/** Events waiting for their score from the Incode API. */
export function prepareEnrichment(db: Database.Database) {
  return {
    claimEnrichment: db.prepare<[number, number], EnrichmentRow>(
      `SELECT id, route, received_at, raw_body, interview_id, enrich_deadline, enrich_attempts, enrich_error
       FROM events WHERE status = 'enriching' AND enrich_next_at <= ? ORDER BY enrich_next_at LIMIT ?`,
    ),
    leaseEnrichment: db.prepare<[number, string]>(
      'UPDATE events SET enrich_next_at = ? WHERE id = ?',
    ),
    retryEnrichment: db.prepare<[number, string, string]>(
      `UPDATE events SET enrich_next_at = ?, enrich_attempts = enrich_attempts + 1, enrich_error = ?
       WHERE id = ? AND status = 'enriching'`,
    ),
    enriched: db.prepare(
      `UPDATE events SET normalized = @normalized, result_status = @resultStatus, reason = @reason,
         customer_id = coalesce(customer_id, @customerId), forward_format = @forwardFormat,
         forward_body = @forwardBody, legacy_fields = @legacyFields, enrichment = @state,
         enrich_error = @error, enrich_next_at = NULL, status = @status, note = @note,
         last_error = @lastError, enrich_attempts = enrich_attempts + @called,
         fallback_at = @fallbackAt, bucket = coalesce(@bucket, bucket)
       WHERE id = @id`,
    ),
    waitingOf: db.prepare<
      [string],
      {
        status: string;
        shadowed: number;
        fallback_at: number | null;
        received_at: number;
        customer_id: string | null;
      }
    >('SELECT status, shadowed, fallback_at, received_at, customer_id FROM events WHERE id = ?'),
    heldOutbox: db.prepare<[Uint8Array, number, string]>(
      'UPDATE outbox SET body = ?, next_attempt_at = ? WHERE event_id = ?',
    ),
    dropOutbox: db.prepare<[string]>('DELETE FROM outbox WHERE event_id = ?'),
    reenrich: db.prepare<[number, number, string]>(
      `UPDATE events SET status = 'enriching', enrich_next_at = ?,
         enrich_deadline = ? + coalesce(enrich_wait, enrich_deadline - received_at), enrich_error = NULL,
         last_error = NULL
       WHERE id = ?`,
    ),
    needsScore: db.prepare<[string], { id: string }>(
      `SELECT id FROM events WHERE id = ? AND normalized IS NULL AND enrich_deadline IS NOT NULL`,
    ),
    // Waiting events leased by a run that is gone (or asked again later) are asked at once.
    releaseEnrichment: db.prepare(
      `UPDATE events SET enrich_next_at = 0 WHERE status = 'enriching' AND enrich_next_at > 0`,
    ),
  };
}
