import { createHash } from 'node:crypto';

/** Shares are counted in basis points: 10 000 is every customer, 1 is 0.01%. */
export const ALL = 10_000;

/**
 * A customer's place in line for the cut-over, from 0 to 9 999: the first 4 bytes of the
 * SHA-256 of the customer id, scaled. The same id always gets the same bucket, on every
 * instance and after every restart.
 */
export function bucketOf(customerId: string): number {
  const digest = createHash('sha256').update(customerId, 'utf8').digest();
  return Math.floor((digest.readUInt32BE(0) / 2 ** 32) * ALL);
}

/**
 * Whether a share (in basis points) puts this customer on Workflows. Monotone: a customer moved
 * at one share is moved at every larger share, so raising the share only adds customers.
 */
export function isMoved(customerId: string, share: number): boolean {
  return bucketOf(customerId) < share;
}
