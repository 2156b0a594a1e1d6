import { readFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { codeOf } from '../util/errors.js';
import { type CliContext, COMMANDS, type Command, UsageError } from './commands.js';
import { explainFailure } from './explain-failure.js';

const VERSION = (
  JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as {
    version: string;
  }
).version;

const USAGE = `usage: faceauth-shim <command> [options]

${COMMANDS.map((c) => `  ${c.name.padEnd(15)}${c.summary}`).join('\n')}

  faceauth-shim <command> --help   what a command does, its options, what it reads
  faceauth-shim --version          the version

Settings come from environment variables (README.md, "Configuration"); the commands other than
serve read DATABASE_URL and work on the database directly, with or without a running service.
Exit codes: 0 done, 1 the command failed (said why), 2 wrong words or settings.`;

async function run(command: Command, args: string[], ctx: CliContext): Promise<number> {
  const parsed = parseArgs({
    args,
    options: { ...command.options, help: { type: 'boolean', short: 'h' } },
    strict: true,
    allowPositionals: command.positionals !== undefined,
  });
  if (parsed.values.help) {
    ctx.write(`${command.help}\n`);
    return 0;
  }
  const { min = 0, max = 0 } = command.positionals ?? {};
  if (parsed.positionals.length < min || parsed.positionals.length > max) {
    throw new UsageError(
      parsed.positionals.length < min
        ? `${command.name} needs more words`
        : `${command.name} does not take "${parsed.positionals.slice(max).join(' ')}"`,
    );
  }
  return command.run(
    parsed.values as Record<string, string | boolean | undefined>,
    parsed.positionals,
    ctx,
  );
}

/** Wrong words: ours (UsageError), or Node's parseArgs refusing an option (ERR_PARSE_ARGS_*). */
const isUsageError = (error: unknown) =>
  codeOf(error) === 'usage' ||
  ((error as { code?: string } | undefined)?.code?.startsWith('ERR_PARSE_ARGS') ?? false);

/**
 * The command line: runs `args` and resolves with the exit code. Every outcome is written to
 * `ctx` (a wrong word with the usage, a failure in one line); nothing is thrown.
 */
export async function cli(args: string[], ctx: CliContext): Promise<number> {
  const [first, ...rest] = args;
  if (first === '--version' || first === '-V' || first === 'version') {
    ctx.write(`faceauth-shim ${VERSION}\n`);
    return 0;
  }
  if (first === '--help' || first === '-h' || first === 'help') {
    const topic = first === 'help' ? COMMANDS.find((c) => c.name === rest[0]) : undefined;
    ctx.write(`${topic ? topic.help : USAGE}\n`);
    return 0;
  }
  const command = COMMANDS.find((c) => c.name === (first ?? 'serve'));
  if (!command) {
    ctx.note(`faceauth-shim: unknown command "${first}"\n\n${USAGE}\n`);
    return 2;
  }
  try {
    return await run(command, first === undefined ? [] : rest, ctx);
  } catch (error) {
    if (isUsageError(error)) {
      ctx.note(`faceauth-shim: ${(error as Error).message}\n\n${command.help}\n`);
      return 2;
    }
    const { line, code } = explainFailure(error);
    ctx.note(`faceauth-shim: ${line}\n`);
    return code;
  }
}

/** The process's own context: its environment, standard output and standard error. */
export const PROCESS_CONTEXT: CliContext = {
  env: process.env,
  write: (text) => process.stdout.write(text),
  note: (text) => process.stderr.write(text),
};

/**
 * A reader that stops early (\`faceauth-shim events | head -1\`) closes the pipe: the command
 * ends quietly (exit 0), with no EPIPE stack. Not for serve, whose standard output is its log.
 */
export function quietOnClosedPipe(stream: NodeJS.WriteStream): void {
  stream.on('error', function closedPipe(error: NodeJS.ErrnoException) {
    if (error.code === 'EPIPE') process.exit(process.exitCode ?? 0);
    throw error;
  });
}
