// Writes the JSON Schema of the normalized result (generated from its zod schema) into the
// repository; test/http/ops-routes.test.ts fails when the checked-in file is out of date.
import { writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { reportJsonSchema } from '../src/compare/report-schema.js';
import { normalizedJsonSchema } from '../src/http/ops-routes.js';

export const SCHEMA_FILE = fileURLToPath(
  new URL('../src/normalize/normalized.v1.schema.json', import.meta.url),
);

export const REPORT_SCHEMA_FILE = fileURLToPath(
  new URL('../src/compare/report.v1.schema.json', import.meta.url),
);

writeFileSync(SCHEMA_FILE, `${JSON.stringify(normalizedJsonSchema(), null, 2)}\n`);
writeFileSync(REPORT_SCHEMA_FILE, `${JSON.stringify(reportJsonSchema(), null, 2)}\n`);
process.stdout.write(`wrote ${SCHEMA_FILE} and ${REPORT_SCHEMA_FILE}\n`);
