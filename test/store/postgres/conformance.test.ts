import { openStore } from '../../../src/store/open-store.js';
import { describePostgres, emptySchema, registerEmptySchemas } from '../../helpers/postgres.js';
import { describeStoreConformance } from '../conformance/index.js';

// The Store conformance suite on PostgreSQL: each test gets a schema of its own with no rows (one
// an earlier test of this file used and emptied, or a new one), named the way a service is told
// it, by DATABASE_URL's options=-c search_path=<schema>.
describePostgres('PostgreSQL store', () => {
  registerEmptySchemas();
  describeStoreConformance('postgres', {
    async open() {
      const schema = await emptySchema();
      return openStore({ ...schema.config, schema: schema.name });
    },
  });
});
