import { createHmac } from 'node:crypto';

/**
 * Standard Webhooks signatures (https://www.standardwebhooks.com): `webhook-id`,
 * `webhook-timestamp` and `webhook-signature: v1,<base64 HMAC-SHA256 of id.timestamp.body>`,
 * keyed with the bytes of a `whsec_<base64>` secret. Lets a callback check that a forward
 * came from its own faceauth-shim.
 */
export function createSigner(secret: string) {
  const key = Buffer.from(secret.replace(/^whsec_/, ''), 'base64');
  return function signatureHeaders(
    eventId: string,
    body: Uint8Array,
    nowMs: number,
  ): Record<string, string> {
    const timestamp = String(Math.floor(nowMs / 1000));
    const signature = createHmac('sha256', key)
      .update(`${eventId}.${timestamp}.`)
      .update(body)
      .digest('base64');
    return {
      'webhook-id': eventId,
      'webhook-timestamp': timestamp,
      'webhook-signature': `v1,${signature}`,
    };
  };
}

export type Signer = ReturnType<typeof createSigner>;
