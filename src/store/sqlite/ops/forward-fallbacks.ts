import { FALLBACK_BATCH } from '../../rules/fallbacks.js';
import type { Sqlite } from '../statements.js';

/** Inside a transaction (store.ts forwardFallbacks): the due waits, FALLBACK_BATCH at most. */
export function forwardFallbacks({ s }: Sqlite, now: number): string[] {
  const due = s.dueFallbacks.all(now, FALLBACK_BATCH);
  for (const { id } of due) {
    s.enqueue.run(now, id);
    s.setPending.run(id);
  }
  return due.map((row) => row.id);
}
