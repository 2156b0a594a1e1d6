// Writes the JSON Schema of the normalized result (generated from its zod schema) into the
// repository; test/http/ops-routes.test.ts fails when the checked-in file is out of date.
import { writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { normalizedJsonSchema } from '../src/http/ops-routes.js';

export const SCHEMA_FILE = fileURLToPath(
  new URL('../src/normalize/normalized.v1.schema.json', import.meta.url),
);

writeFileSync(SCHEMA_FILE, `${JSON.stringify(normalizedJsonSchema(), null, 2)}\n`);
process.stdout.write(`wrote ${SCHEMA_FILE}\n`);
