/** The body of a request, read up to a limit without holding more than limit + 1 chunk. */
export interface BoundedBody {
  bytes: Uint8Array;
  /** The body is longer than the limit; `bytes` holds its first `limit` bytes. */
  tooLarge: boolean;
}

export async function readBody(request: Request, limit: number): Promise<BoundedBody> {
  const declared = Number(request.headers.get('content-length') ?? Number.NaN);
  if (Number.isFinite(declared) && declared > limit) {
    await request.body?.cancel().catch(() => undefined);
    return { bytes: new Uint8Array(0), tooLarge: true };
  }
  if (!request.body) return { bytes: new Uint8Array(0), tooLarge: false };
  const chunks: Uint8Array[] = [];
  let size = 0;
  const reader = request.body.getReader();
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    chunks.push(value);
    size += value.byteLength;
    if (size > limit) {
      await reader.cancel().catch(() => undefined);
      return { bytes: concat(chunks, limit), tooLarge: true };
    }
  }
  return { bytes: concat(chunks, size), tooLarge: false };
}

function concat(chunks: Uint8Array[], length: number): Uint8Array {
  if (chunks.length === 1 && chunks[0]?.byteLength === length) return chunks[0];
  const out = new Uint8Array(length);
  let offset = 0;
  for (const chunk of chunks) {
    if (offset >= length) break;
    const part = chunk.subarray(0, length - offset);
    out.set(part, offset);
    offset += part.byteLength;
  }
  return out;
}
