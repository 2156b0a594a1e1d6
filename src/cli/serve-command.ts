import { loadConfig } from '../config/config.js';
import { createLogger } from '../ops/logger.js';
import type { Command } from './command.js';

export const serve: Command = {
  name: 'serve',
  summary: 'run the service (the default command)',
  help: `usage: faceauth-shim [serve]

Runs the service: the webhook routes, the delivery to CALLBACK_URL, the admin API. Configured
by environment variables only (README.md, "Configuration"); a missing or invalid one stops the
start with exit code 2 and one line naming it. SIGTERM or SIGINT stops it cleanly (exit 0).`,
  options: {},
  async run(_values, _positionals, ctx) {
    const config = loadConfig(ctx.env);
    const logger = createLogger({ level: config.logLevel });
    // Loaded once the settings are known to be right: a wrong one is told without loading the
    // service (its routes, stores, workers and their libraries), in a fraction of the time.
    const { startService } = await import('../service.js');
    const service = await startService(config, logger);
    const stopped = new Promise<void>((resolve) => {
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
    // A database the service waited for that then refuses it: stop, as at start (exit 2).
    await Promise.race([
      stopped,
      service.failed.catch(async (error: unknown) => {
        await service.close(0).catch(() => {});
        throw error;
      }),
    ]);
    return 0;
  },
};
