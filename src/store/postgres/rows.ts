// What PostgreSQL rows need beyond the shared mapping (../rows.ts), which reads what both
// backends return (bigint read as numbers by the driver).

/** Bytes as node-postgres sends bytea: a Buffer over the same memory, no copy. */
export function bytes(view: Uint8Array): Buffer {
  return Buffer.isBuffer(view) ? view : Buffer.from(view.buffer, view.byteOffset, view.byteLength);
}
