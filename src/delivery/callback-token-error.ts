/**
 * Thrown when the token endpoint gives no token (unreachable, too slow, an error answer, no
 * valid token in the answer); the delivery attempt fails with its message, and is retried.
 */
export class CallbackTokenError extends Error {
  override readonly name = 'CallbackTokenError';
}
