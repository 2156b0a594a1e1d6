import { writeFile } from 'node:fs/promises';
import { parseArgs } from 'node:util';
import { produceReport, REPORT_FORMATS, reportRange } from '../compare/report.js';
import { ConfigError, loadConfig, loadDatabaseConfig, loadReportConfig } from '../config/config.js';
import { MappingsError } from '../normalize/load-mappings.js';
import { createLogger } from '../ops/logger.js';
import { startService } from '../service.js';
import { SqliteStore } from '../store/sqlite-store.js';
import { StoreUnavailableError } from '../store/store.js';

const USAGE = `usage: faceauth-shim [serve]
       faceauth-shim replay --status dead
       faceauth-shim replay --id <event id>
       faceauth-shim report [--from ISO] [--to ISO] [--format json|md|html] [--out FILE]

  serve    run the service (the default); configured by environment variables, see README.md
  replay   send events again from the first attempt, with their own event ids: every dead
           event, or one event; the running service delivers them (reads DATABASE_URL)
  report   the comparison report of the two sources over a range (default: the last 7
           days), to FILE or standard output; prints the verdict line on standard error
           (reads DATABASE_URL, COMPARE_MIN_PAIRS, COMPARE_MIN_AGREEMENT)`;

/** Thrown for wrong command-line words; exit code 2. */
class UsageError extends Error {
  override readonly name = 'UsageError';
}

async function report(args: string[]): Promise<number> {
  const { values } = parseArgs({
    args,
    options: {
      from: { type: 'string' },
      to: { type: 'string' },
      format: { type: 'string', default: 'json' },
      out: { type: 'string' },
    },
    strict: true,
    allowPositionals: false,
  });
  const format = REPORT_FORMATS.find((f) => f === values.format);
  if (!format)
    throw new UsageError(`report --format takes json, md or html, not "${values.format}"`);
  const range = reportRange(values.from, values.to, Date.now());
  if ('error' in range) throw new UsageError(`report --${range.error}`);
  const settings = loadReportConfig(process.env);
  const store = SqliteStore.open(settings.database.path, { mustExist: true });
  try {
    const produced = await produceReport(store, {
      ...range,
      format,
      minPairs: settings.compareMinPairs,
      minAgreement: settings.compareMinAgreement,
    });
    if (values.out) {
      await writeFile(values.out, produced.body);
      process.stdout.write(`wrote ${values.out}\n`);
    } else {
      process.stdout.write(produced.body);
    }
    process.stderr.write(`verdict: ${produced.report.verdict.line}\n`);
    return 0;
  } finally {
    await store.close();
  }
}

async function replay(args: string[]): Promise<number> {
  const { values } = parseArgs({
    args,
    options: { status: { type: 'string' }, id: { type: 'string' } },
    strict: true,
    allowPositionals: false,
  });
  if ((values.status === undefined) === (values.id === undefined)) {
    throw new UsageError('replay needs --status dead or --id <event id>');
  }
  if (values.status !== undefined && values.status !== 'dead') {
    throw new UsageError(`replay --status takes "dead", not "${values.status}"`);
  }
  const database = loadDatabaseConfig(process.env);
  const store = SqliteStore.open(database.path, { mustExist: true });
  try {
    if (values.id !== undefined) {
      const result = await store.replay(values.id, Date.now());
      if (result !== 'replayed') {
        process.stderr.write(
          `faceauth-shim: event ${values.id}: ${result === 'not_found' ? 'not found' : `is ${result}, not replayed`}\n`,
        );
        return 1;
      }
      process.stdout.write(`replayed event ${values.id}\n`);
    } else {
      const count = await store.replayAll('dead', Date.now());
      process.stdout.write(`replayed ${count} dead event${count === 1 ? '' : 's'}\n`);
    }
    return 0;
  } finally {
    await store.close();
  }
}

async function main(args: string[]): Promise<number> {
  const command = args[0] ?? 'serve';
  if (command === '--help' || command === '-h' || command === 'help') {
    process.stdout.write(`${USAGE}\n`);
    return 0;
  }
  if (command === 'replay') return replay(args.slice(1));
  if (command === 'report') return report(args.slice(1));
  if (command !== 'serve') throw new UsageError(`unknown command "${command}"`);
  const config = loadConfig(process.env);
  const logger = createLogger({ level: config.logLevel });
  const service = await startService(config, logger);
  await new Promise<void>((resolve) => {
    const shutdown = (signal: NodeJS.Signals) => {
      logger.info({ signal }, 'faceauth-shim: stopping');
      service.close().then(resolve, (error: unknown) => {
        logger.error({ err: error }, 'faceauth-shim: error while stopping');
        resolve();
      });
    };
    process.once('SIGTERM', shutdown);
    process.once('SIGINT', shutdown);
  });
  return 0;
}

main(process.argv.slice(2)).then(
  (code) => {
    process.exitCode = code;
  },
  (error: unknown) => {
    if (
      error instanceof UsageError ||
      (error as { code?: string }).code?.startsWith('ERR_PARSE_ARGS')
    ) {
      process.stderr.write(`faceauth-shim: ${(error as Error).message}\n${USAGE}\n`);
      process.exitCode = 2;
    } else if (error instanceof ConfigError || error instanceof MappingsError) {
      process.stderr.write(`faceauth-shim: ${error.message}\n`);
      process.exitCode = 2;
    } else if (error instanceof StoreUnavailableError) {
      process.stderr.write(`faceauth-shim: ${error.message}\n`);
      process.exitCode = 1;
    } else {
      process.stderr.write(`faceauth-shim: ${(error as Error)?.stack ?? String(error)}\n`);
      process.exitCode = 1;
    }
  },
);
