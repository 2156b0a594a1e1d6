#!/usr/bin/env node
import { ConfigError, loadConfig } from './config/config.js';
import { MappingsError } from './normalize/load-mappings.js';
import { createLogger } from './ops/logger.js';
import { startService } from './service.js';
import { StoreUnavailableError } from './store/store.js';

const USAGE = `usage: faceauth-shim [serve]

  serve   run the service (the default); configured by environment variables, see README.md`;

async function main(args: string[]): Promise<number> {
  const command = args[0] ?? 'serve';
  if (command === '--help' || command === '-h' || command === 'help') {
    process.stdout.write(`${USAGE}\n`);
    return 0;
  }
  if (command !== 'serve') {
    process.stderr.write(`faceauth-shim: unknown command "${command}"\n${USAGE}\n`);
    return 2;
  }
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
    if (error instanceof ConfigError || error instanceof MappingsError) {
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
