import type { PostgresDriver } from '../driver.js';

/** One statement outside a transaction, once the store is usable (PostgresStore's own query). */
export type Reader = Pick<PostgresDriver, 'query'>;
