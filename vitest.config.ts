import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vitest/config';
import { BaseSequencer, type TestSpecification } from 'vitest/node';

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

/**
 * The longest files, longest first (measured on 2026-12-07), which start before the others when
 * Vitest has no durations of a last run for them, so that no long file is left to run alone at
 * the end. Vitest orders by the last run's durations when it has them (node_modules/.vite), and
 * otherwise by file size: on a fresh clone, CI's case, the PostgreSQL conformance file (a few
 * lines that run the shared suites) came last and ran alone for about 20 s. A name here that is
 * no file stops the run.
 */
const LONGEST_FIRST = [
  'test/store/postgres/conformance.test.ts',
  'test/faults/delivery-faults.test.ts',
  'test/faults/hostile.test.ts',
  'test/console/console-browser.test.ts',
  'test/faults/postgres-hang.test.ts',
  'test/e2e/order-hold.test.ts',
  'test/compare/report-browser.test.ts',
  'test/store/postgres/several-stores.test.ts',
  'test/e2e/several-instances.test.ts',
];
for (const file of LONGEST_FIRST) {
  if (!existsSync(fileURLToPath(new URL(file, import.meta.url)))) {
    throw new Error(`vitest.config.ts: LONGEST_FIRST names ${file}, which is not there`);
  }
}

/**
 * Vitest's order (failed first, then longest first by the last run's durations), except that
 * LONGEST_FIRST's files with no durations of a last run go to the front of their project.
 */
class LongestFirst extends BaseSequencer {
  override async sort(files: TestSpecification[]): Promise<TestSpecification[]> {
    const sorted = await super.sort(files);
    const rank = (spec: TestSpecification) => {
      if (this.ctx.cache.getTestSpecificationResult(spec) !== undefined)
        return LONGEST_FIRST.length;
      const at = LONGEST_FIRST.findIndex((file) => spec.moduleId.endsWith(`/${file}`));
      return at === -1 ? LONGEST_FIRST.length : at;
    };
    // Projects keep Vitest's order; within one, a stable sort.
    const projects = [...new Set(sorted.map((spec) => spec.project.name))];
    return projects.flatMap((name) =>
      sorted.filter((spec) => spec.project.name === name).sort((a, b) => rank(a) - rank(b)),
    );
  }
}

export default defineConfig({
  test: {
    // Two cores: a few workers, and end-to-end tests that start processes get room.
    pool: 'forks',
    maxWorkers: 2,
    testTimeout: 20_000,
    hookTimeout: 20_000,
    setupFiles: ['test/helpers/no-console.ts'],
    sequence: { sequencer: LongestFirst },
    // Asks once whether TEST_DATABASE_URL's PostgreSQL is reachable, and drops at the end the
    // schemas the run's tests left there (test/helpers/postgres-global-setup.ts); builds src/
    // once for the tests that start the service as a child process, and fails the run if one of
    // those processes outlives the tests (test/helpers/service-build-global-setup.ts).
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
