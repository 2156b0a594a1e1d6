// Bodies as the console shows them: the fields that hold credentials (the legacy webhook's
// `token` and `interviewToken`, anything named like a secret, key or password) are replaced
// before the body reaches the page. A body that is not JSON is not shown, only its size.

const SECRET_NAME = /token|secret|password|passwd|api[-_]?key|authorization|credential|signature/i;
export const MASK = '•••• (hidden)';

/** A value with its secret fields (at any depth) replaced. */
export function mask(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(mask);
  if (value !== null && typeof value === 'object') {
    return Object.fromEntries(
      Object.entries(value).map(([name, inner]) => [
        name,
        SECRET_NAME.test(name) && typeof inner === 'string' && inner !== '' ? MASK : mask(inner),
      ]),
    );
  }
  return value;
}

/** A stored body as text for the page, its secret fields replaced. */
export function maskedBody(body: { body: string } | { bodyBase64: string }): string {
  if (!('body' in body))
    return `(binary, ${Buffer.from(body.bodyBase64, 'base64').length} bytes: not shown)`;
  let parsed: unknown;
  try {
    parsed = JSON.parse(body.body);
  } catch {
    return `(not JSON, ${Buffer.byteLength(body.body)} bytes: not shown, it may hold anything)`;
  }
  return JSON.stringify(mask(parsed), null, 2);
}
