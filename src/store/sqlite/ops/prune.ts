import type { Sqlite } from '../statements.js';

/** RETENTION, inside a transaction (store.ts prune). */
export function prune(
  { s }: Sqlite,
  before: number,
  limit: number,
): { events: number; quarantine: number } {
  const rows = s.prunable.all(before, limit);
  for (const { id } of rows) {
    s.pruneLegacyPair.run(id);
    s.pruneWorkflowsPair.run(id);
    s.pruneAttempts.run(id);
    s.dropOutbox.run(id);
    s.pruneEvent.run(id);
  }
  const quarantine = s.pruneQuarantine.run(before, limit).changes;
  return { events: rows.length, quarantine };
}
