import { FaceauthError } from '../util/errors.js';

/**
 * Thrown when the token endpoint gives no token (unreachable, too slow, an error answer, no
 * valid token in the answer); the delivery attempt fails with its message, and is retried.
 */
export class CallbackTokenError extends FaceauthError {
  override readonly name = 'CallbackTokenError';
  readonly code = 'callback_token_failed';
}
