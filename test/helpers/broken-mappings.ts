import { copyFile, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { expect, onTestFinished } from 'vitest';
import { DEFAULT_MAPPINGS_DIR, loadMappings } from '../../src/normalize/load-mappings.js';
import { MappingsError } from '../../src/normalize/mappings-error.js';
import { MAPPING_FILES } from '../../src/normalize/tables.js';

// Broken copies of the shipped mappings/ tables, for tests of what stops a start.

/**
 * A copy of the shipped tables in a temp dir, with `edits` applied to the named files; removed
 * when the test ends. Call it inside a test (the removal is the test's onTestFinished).
 */
export async function brokenCopy(edits: Record<string, (text: string) => string>): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), 'faceauth-mappings-'));
  onTestFinished(() => rm(dir, { recursive: true, force: true }));
  for (const file of Object.values(MAPPING_FILES)) {
    await copyFile(join(DEFAULT_MAPPINGS_DIR, file), join(dir, file));
  }
  for (const [file, edit] of Object.entries(edits)) {
    const path = join(dir, file);
    const before = await readFile(path, 'utf8');
    const after = edit(before);
    // A replacement that matched nothing would make the test pass for the wrong reason.
    if (after === before) throw new Error(`the edit of ${file} changed nothing`);
    await writeFile(path, after);
  }
  return dir;
}

/** Replaces exactly one occurrence of `from`. */
export const replaceOnce = (from: string | RegExp, to: string) => (text: string) => {
  const count =
    typeof from === 'string' ? text.split(from).length - 1 : (text.match(from) ?? []).length;
  if (count !== 1) throw new Error(`expected one match of ${String(from)}, found ${count}`);
  return text.replace(from, to);
};

/** Replaces the first of several occurrences of `from` (there must be at least one). */
export const replaceFirst = (from: string, to: string) => (text: string) => {
  if (!text.includes(from)) throw new Error(`expected a match of ${from}`);
  return text.replace(from, to);
};

export async function loadError(dir: string): Promise<MappingsError> {
  try {
    await loadMappings(dir);
  } catch (error) {
    expect(error).toBeInstanceOf(MappingsError);
    return error as MappingsError;
  }
  throw new Error(`loadMappings(${dir}) succeeded; expected a MappingsError`);
}

/** The message names the file (with its directory) and the entry. */
export function expectProblem(error: MappingsError, dir: string, file: string, entry: string) {
  expect(error.message).toContain(`${join(dir, file)}: ${entry}:`);
}
