import { openStore } from '../../../src/store/open-store.js';
import { describeStoreConformance } from '../conformance/index.js';

// The Store conformance suite on the embedded SQLite store: each test gets a fresh database.
describeStoreConformance('sqlite', {
  open: () => openStore({ kind: 'sqlite', path: ':memory:' }),
});
