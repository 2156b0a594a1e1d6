import type Database from 'better-sqlite3';
import { prepareAdmin } from './sql/admin.js';
import { prepareComparison } from './sql/comparison.js';
import { prepareEnrichment } from './sql/enrichment.js';
import { prepareIntake } from './sql/intake.js';
import { prepareOperating } from './sql/operating.js';
import { prepareOutbox } from './sql/outbox.js';

/** Every statement of the store, prepared once on its connection. */
export function prepareStatements(db: Database.Database) {
  return {
    ...prepareIntake(db),
    ...prepareOutbox(db),
    ...prepareEnrichment(db),
    ...prepareComparison(db),
    ...prepareAdmin(db),
    ...prepareOperating(db),
  };
}

export type Statements = ReturnType<typeof prepareStatements>;

/** What an operation (ops/) runs on: the connection and its statements, inside a transaction. */
export interface Sqlite {
  db: Database.Database;
  s: Statements;
}
