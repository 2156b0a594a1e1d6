import { codeOf, type ErrorCode } from '../util/errors.js';

/**
 * The codes of a failure the operator fixes in the settings, the mappings or the command line:
 * exit 2. Every other failure exits 1.
 */
const CONFIGURATION: ReadonlySet<ErrorCode> = new Set<ErrorCode>([
  'invalid_configuration',
  'invalid_mappings',
  'store_cannot_open',
  'forward_source_refused',
  'usage',
]);

/** The exit code of a failure, by its code: 2 for configuration, 1 otherwise. */
export function exitCodeOf(error: unknown): 1 | 2 {
  const code = codeOf(error);
  return code !== undefined && CONFIGURATION.has(code) ? 2 : 1;
}

/** What a failure at start means for the operator: the line to print and the exit code. */
export function explainFailure(error: unknown): { line: string; code: number } {
  const code = codeOf(error);
  if (code === 'store_cannot_open') {
    return { line: `invalid configuration: DATABASE_URL: ${(error as Error).message}`, code: 2 };
  }
  if (code !== undefined) return { line: (error as Error).message, code: exitCodeOf(error) };
  const errno = (error as NodeJS.ErrnoException | undefined)?.code;
  if (errno === 'EADDRINUSE' || errno === 'EACCES' || errno === 'EADDRNOTAVAIL') {
    const { address, port } = error as { address?: string; port?: number };
    const why =
      errno === 'EADDRINUSE'
        ? 'another process listens there'
        : errno === 'EACCES'
          ? 'not allowed (a port under 1024 needs privileges)'
          : 'no such address on this machine';
    return { line: `cannot listen on ${address}:${port} (PORT, HOST): ${why}`, code: 1 };
  }
  return { line: (error as Error)?.stack ?? String(error), code: 1 };
}
