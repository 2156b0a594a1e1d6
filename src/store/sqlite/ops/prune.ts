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

/** The redelivery keys first seen at or before `before`, `limit` at most (store.ts pruneDedupKeys). */
export function pruneDedupKeys({ s }: Sqlite, before: number, limit: number): number {
  return s.pruneDedupKeys.run(before, limit).changes;
}
