// Vitest global setup: is the PostgreSQL of TEST_DATABASE_URL reachable? Asked once for the whole
// run, so a run without one says so in one line (outside CI the PostgreSQL tests are skipped;
// under CI they fail, each naming the reason). Test files read the answer with inject('postgres').
import type { TestProject } from 'vitest/node';
import { probePostgres, underCi } from './postgres-probe.js';

export default async function setup(project: TestProject): Promise<void> {
  const postgres = await probePostgres();
  project.provide('postgres', postgres);
  if (!postgres.reachable) {
    const what = underCi()
      ? 'CI is set, so the PostgreSQL tests will fail'
      : 'PostgreSQL tests skipped (they run under CI, which needs one)';
    process.stdout.write(`no PostgreSQL at ${postgres.target} (${postgres.reason}): ${what}\n`);
  }
}
