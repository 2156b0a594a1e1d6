import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vitest/config';

/**
 * The test files that intercept fetch with msw. Each runs in a worker of its own: run after
 * test/e2e/delivery.test.ts in the same worker (it starts the service in-process and calls it
 * with fetch), msw left `HttpResponse.error()` unanswered and the calls timed out instead of
 * failing on the network. Where inside msw that comes from was not found.
 */
const TEST = fileURLToPath(new URL('./test/', import.meta.url));
const MSW_FILES = readdirSync(TEST, { recursive: true, encoding: 'utf8' })
  .filter((file) => file.endsWith('.test.ts'))
  .filter((file) => readFileSync(join(TEST, file), 'utf8').includes("from 'msw/node'"))
  .map((file) => `test/${file}`);

export default defineConfig({
  test: {
    // Two cores: a few workers, and end-to-end tests that start processes get room.
    pool: 'forks',
    maxWorkers: 2,
    testTimeout: 20_000,
    hookTimeout: 20_000,
    setupFiles: ['test/helpers/no-console.ts'],
    // Asks once whether TEST_DATABASE_URL's PostgreSQL is reachable (test/helpers/postgres.ts).
    // and builds src/ once for the tests that start the service as a child process
    // (test/helpers/service-build-global-setup.ts).
    globalSetup: [
      'test/helpers/postgres-global-setup.ts',
      'test/helpers/service-build-global-setup.ts',
    ],
    projects: [
      {
        extends: true,
        test: {
          name: 'shared',
          include: ['test/**/*.test.ts'],
          exclude: MSW_FILES,
          // A worker runs file after file instead of starting afresh for each: the suite is
          // bound by CPU, and a fresh worker per file (111 files) cost about 40 s of it. Files
          // undo what they change (fake timers) in their own hooks; none sets process.env or
          // mocks a module, and no helper registers a hook when imported
          // (test/helpers/hooks-in-helpers.test.ts).
          isolate: false,
        },
      },
      { extends: true, test: { name: 'msw', include: MSW_FILES, isolate: true } },
    ],
  },
});
