import type { z } from 'zod';
import { FaceauthError } from '../util/errors.js';

/** Thrown by the loaders of src/config/; the message is one line naming every bad variable. */
export class ConfigError extends FaceauthError {
  override readonly name = 'ConfigError';
  readonly code = 'invalid_configuration';
}

/**
 * The one way a bad configuration is said: `invalid configuration: NAME: why; NAME: why`, every
 * bad variable once per reason, in the schema's order. A variable the environment does not set
 * and the schema needs is `required` (zod would say "expected string, received undefined").
 */
export function configErrorOf(
  error: z.ZodError,
  present: Record<string, string | undefined>,
): ConfigError {
  const problems = error.issues.map((issue) => {
    const name = String(issue.path[0] ?? 'configuration');
    const message =
      issue.code === 'invalid_type' && present[name] === undefined ? 'required' : issue.message;
    return `${name}: ${message}`;
  });
  return new ConfigError(`invalid configuration: ${[...new Set(problems)].join('; ')}`);
}
