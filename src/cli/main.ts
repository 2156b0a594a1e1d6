import { readFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { COMMANDS, type Command, UsageError } from './commands.js';
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

async function run(command: Command, args: string[]): Promise<number> {
  const parsed = parseArgs({
    args,
    options: { ...command.options, help: { type: 'boolean', short: 'h' } },
    strict: true,
    allowPositionals: command.positionals !== undefined,
  });
  if (parsed.values.help) {
    process.stdout.write(`${command.help}\n`);
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
  );
}

async function main(args: string[]): Promise<number> {
  const [first, ...rest] = args;
  if (first === '--version' || first === '-V' || first === 'version') {
    process.stdout.write(`faceauth-shim ${VERSION}\n`);
    return 0;
  }
  if (first === '--help' || first === '-h' || first === 'help') {
    const topic = first === 'help' ? COMMANDS.find((c) => c.name === rest[0]) : undefined;
    process.stdout.write(`${topic ? topic.help : USAGE}\n`);
    return 0;
  }
  const command = COMMANDS.find((c) => c.name === (first ?? 'serve'));
  if (!command) throw new UsageError(`unknown command "${first}"`);
  try {
    return await run(command, first === undefined ? [] : rest);
  } catch (error) {
    if (
      error instanceof UsageError ||
      (error as { code?: string }).code?.startsWith('ERR_PARSE_ARGS')
    ) {
      process.stderr.write(`faceauth-shim: ${(error as Error).message}\n\n${command.help}\n`);
      return 2;
    }
    throw error;
  }
}

main(process.argv.slice(2)).then(
  (code) => {
    process.exitCode = code;
  },
  (error: unknown) => {
    if (error instanceof UsageError) {
      process.stderr.write(`faceauth-shim: ${error.message}\n\n${USAGE}\n`);
      process.exitCode = 2;
      return;
    }
    const { line, code } = explainFailure(error);
    process.stderr.write(`faceauth-shim: ${line}\n`);
    process.exitCode = code;
  },
);
