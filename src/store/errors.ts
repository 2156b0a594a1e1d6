import { FaceauthError } from '../util/errors.js';

/** Thrown when the store cannot do its work (disk full, locked, corrupt); the webhook gets a 503. */
export class StoreUnavailableError extends FaceauthError {
  override readonly name: string = 'StoreUnavailableError';
  readonly code = 'store_unavailable';
}

/**
 * Thrown at start when DATABASE_URL names something that cannot be a store: a folder that
 * cannot be made, a file that is not a database, a missing file where one must exist. A
 * configuration problem (exit 2), not an outage.
 */
export class StoreOpenError extends FaceauthError {
  override readonly name: string = 'StoreOpenError';
  readonly code = 'store_cannot_open';
}
