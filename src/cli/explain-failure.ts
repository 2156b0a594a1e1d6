import { ConfigError } from '../config/config.js';
import { MappingsError } from '../normalize/load-mappings.js';
import { StoreOpenError, StoreUnavailableError } from '../store/store.js';

/** What a failure at start means for the operator: the line to print and the exit code. */
export function explainFailure(error: unknown): { line: string; code: number } {
  if (error instanceof ConfigError || error instanceof MappingsError) {
    return { line: error.message, code: 2 };
  }
  if (error instanceof StoreOpenError) {
    return { line: `invalid configuration: DATABASE_URL: ${error.message}`, code: 2 };
  }
  if (error instanceof StoreUnavailableError) return { line: error.message, code: 1 };
  const code = (error as NodeJS.ErrnoException | undefined)?.code;
  if (code === 'EADDRINUSE' || code === 'EACCES' || code === 'EADDRNOTAVAIL') {
    const { address, port } = error as { address?: string; port?: number };
    const why =
      code === 'EADDRINUSE'
        ? 'another process listens there'
        : code === 'EACCES'
          ? 'not allowed (a port under 1024 needs privileges)'
          : 'no such address on this machine';
    return { line: `cannot listen on ${address}:${port} (PORT, HOST): ${why}`, code: 1 };
  }
  return { line: (error as Error)?.stack ?? String(error), code: 1 };
}
