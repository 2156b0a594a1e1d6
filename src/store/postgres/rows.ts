import type { EventRow } from '../rows.js';
import type { ForwardFormat } from '../store.js';

// Row mapping for PostgreSQL: the shared mapping (../rows.ts) reads what both backends return
// (bigint read as numbers by the driver, flags the SQL casts to 0/1); what differs is here.

export {
  type ComparedRow,
  type EventRow,
  iso,
  page,
  type QuarantineRow,
  toCompared,
  toSummary,
} from '../rows.js';

export interface EventDetailRow extends EventRow {
  normalized: string | null;
  content_type: string;
  raw_body: Buffer;
  forward_format: ForwardFormat | null;
  forward_body: Buffer | null;
  delivered_status: number | null;
  delivered_ms: number | null;
}

/** Bytes as node-postgres sends bytea: a Buffer over the same memory, no copy. */
export function bytes(view: Uint8Array): Buffer {
  return Buffer.isBuffer(view) ? view : Buffer.from(view.buffer, view.byteOffset, view.byteLength);
}
