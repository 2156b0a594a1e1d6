import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    // Two cores: a few workers, and end-to-end tests that start processes get room.
    pool: 'forks',
    maxWorkers: 2,
    // A worker runs file after file instead of starting afresh for each: the suite is bound by
    // CPU, and a fresh worker per file (111 files) cost about 40 s of it. Files clean up what
    // they change (fake timers, msw's interception) in their own hooks; none sets process.env
    // or mocks a module.
    isolate: false,
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
  },
});
