import { FaceauthError } from '../util/errors.js';

/**
 * Thrown when a table in mappings/ is missing, unreadable or wrong (the message names file and
 * entry), or renders a body its schema refuses.
 */
export class MappingsError extends FaceauthError {
  override readonly name = 'MappingsError';
  readonly code = 'invalid_mappings';
}
