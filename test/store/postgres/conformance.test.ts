import { openStore } from '../../../src/store/open-store.js';
import { describePostgres, freshSchema } from '../../helpers/postgres.js';
import { describeStoreConformance } from '../conformance/index.js';

// The Store conformance suite on PostgreSQL: each test gets a schema of its own (dropped after
// it), named the way a service is told it, by DATABASE_URL's options=-c search_path=<schema>.
describePostgres('PostgreSQL store', () => {
  describeStoreConformance('postgres', {
    async open() {
      const schema = await freshSchema();
      return openStore({ ...schema.config, schema: schema.name });
    },
  });
});
