// Row mapping for PostgreSQL: the shared mapping (../rows.ts) reads what both backends return
// (bigint read as numbers by the driver, flags the SQL casts to 0/1); what differs is here.

export {
  type AttemptRow,
  type ComparedRow,
  type EventDetailRow,
  type EventRow,
  iso,
  page,
  type QuarantineRow,
  toCompared,
  toCounterpart,
  toDetail,
  toSummary,
} from '../rows.js';

/** Bytes as node-postgres sends bytea: a Buffer over the same memory, no copy. */
export function bytes(view: Uint8Array): Buffer {
  return Buffer.isBuffer(view) ? view : Buffer.from(view.buffer, view.byteOffset, view.byteLength);
}
