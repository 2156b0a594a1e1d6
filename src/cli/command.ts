import type { ParseArgsConfig } from 'node:util';
import { loadDatabaseConfig } from '../config/config.js';
import { openStore } from '../store/open-store.js';
import type { Store } from '../store/store.js';
import { FaceauthError } from '../util/errors.js';

// What every command is made of: its shape, where it writes, and the helpers they share.

/** Thrown for wrong command-line words; exit code 2, with the command's usage. */
export class UsageError extends FaceauthError {
  override readonly name = 'UsageError';
  readonly code = 'usage';
}

type Options = NonNullable<ParseArgsConfig['options']>;
export type Values = Record<string, string | boolean | undefined>;

export interface Command {
  name: string;
  /** One line for the command list. */
  summary: string;
  /** The command's own help: usage lines, then what it does and what it reads. */
  help: string;
  options: Options;
  /** Words after the command (an event id, a source). */
  positionals?: { min: number; max: number };
  run(values: Values, positionals: string[], ctx: CliContext): Promise<number>;
}

/** Where a command writes, and the environment it reads: the process's, or a test's. */
export interface CliContext {
  env: Record<string, string | undefined>;
  /** Standard output, as is. */
  write(text: string): void;
  /** Standard error, as is. */
  note(text: string): void;
}

/** A line on standard output. */
export const line = (ctx: CliContext, text: string) =>
  ctx.write(text.endsWith('\n') ? text : `${text}\n`);
/** A line on standard error, naming the program. */
export const fail = (ctx: CliContext, text: string) => ctx.note(`faceauth-shim: ${text}\n`);

/** Opens the store DATABASE_URL names, which the service made, for one command. */
export async function withStore<T>(
  ctx: CliContext,
  work: (store: Store) => Promise<T>,
): Promise<T> {
  const store = await openStore(loadDatabaseConfig(ctx.env), { mustExist: true });
  try {
    return await work(store);
  } finally {
    await store.close();
  }
}

export const limitOf = (value: string | boolean | undefined, fallback: number): number => {
  if (value === undefined) return fallback;
  const n = Number(value);
  if (!Number.isInteger(n) || n < 1 || n > 500) {
    throw new UsageError(`--limit takes a whole number from 1 to 500, not "${value}"`);
  }
  return n;
};

export const beforeOf = (value: string | boolean | undefined): string | undefined => {
  if (value === undefined) return undefined;
  if (typeof value !== 'string' || !/^\d+$/.test(value)) {
    throw new UsageError('--before takes the "next" value printed with a previous page');
  }
  return value;
};
