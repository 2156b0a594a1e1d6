import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parse } from 'yaml';
import { checkTables } from './check-tables.js';
import { MappingsError } from './mappings-error.js';
import { MAPPING_FILES, type Mappings } from './tables.js';

/** The mappings/ folder shipped with faceauth-shim (src/ and dist/ sit at the same depth). */
export const DEFAULT_MAPPINGS_DIR = fileURLToPath(new URL('../../mappings/', import.meta.url));

/** Reads and validates the tables in `dir`. */
export async function loadMappings(dir: string = DEFAULT_MAPPINGS_DIR): Promise<Mappings> {
  const raw: Record<string, unknown> = {};
  for (const [key, file] of Object.entries(MAPPING_FILES)) {
    const path = join(dir, file);
    let text: string;
    try {
      text = await readFile(path, 'utf8');
    } catch (cause) {
      throw new MappingsError(`mappings: cannot read ${path}: ${(cause as Error).message}`, {
        cause,
      });
    }
    try {
      raw[key] = parse(text);
    } catch (cause) {
      throw new MappingsError(`mappings: ${path}: not valid YAML: ${(cause as Error).message}`, {
        cause,
      });
    }
  }
  const result = checkTables(raw as Record<keyof Mappings, unknown>);
  if (!result.ok) {
    const lines = result.problems.map(
      (p) => `mappings: ${join(dir, p.file)}: ${p.entry}: ${p.message}`,
    );
    throw new MappingsError(lines.join('\n'));
  }
  return result.mappings;
}
