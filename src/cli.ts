#!/usr/bin/env node
import { parseArgs } from 'node:util';
import { ConfigError, loadConfig, loadDatabaseConfig } from './config/config.js';
import { MappingsError } from './normalize/load-mappings.js';
import { createLogger } from './ops/logger.js';
import { startService } from './service.js';
import { SqliteStore } from './store/sqlite-store.js';
import { StoreUnavailableError } from './store/store.js';

const USAGE = `usage: faceauth-shim [serve]
       faceauth-shim replay --status dead
       faceauth-shim replay --id <event id>

  serve    run the service (the default); configured by environment variables, see README.md
  replay   send events again from the first attempt, with their own event ids: every dead
           event, or one event; the running service delivers them (reads DATABASE_URL)`;

/** Thrown for wrong command-line words; exit code 2. */
class UsageError extends Error {
  override readonly name = 'UsageError';
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
