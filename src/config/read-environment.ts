import type { z } from 'zod';
import { configErrorOf } from './config-error.js';

/** The environment as the loaders read it: a variable set to an empty (or blank) string is unset. */
export function presentOf(env: Record<string, string | undefined>): Record<string, string> {
  return Object.fromEntries(
    Object.entries(env).filter(
      (entry): entry is [string, string] => entry[1] !== undefined && entry[1].trim() !== '',
    ),
  );
}

/**
 * The one loader: reads `env` through `schema` (which turns the variables into settings), or
 * throws one ConfigError naming every bad variable. `loadConfig` (serve), `loadReportConfig`
 * (report, forward-source) and `loadDatabaseConfig` (the other commands) differ only by schema.
 */
export function readEnvironment<S extends z.ZodType>(
  schema: S,
  env: Record<string, string | undefined>,
): z.output<S> {
  const present = presentOf(env);
  const result = schema.safeParse(present);
  if (!result.success) throw configErrorOf(result.error, present);
  return result.data;
}
