import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { lexer, type Tokens } from 'marked';
import { describe, expect, it } from 'vitest';
import { ROOT } from '../helpers/markdown.js';

// The `src/` map in docs/architecture.md names every folder of src/ and every file at its top,
// so a folder added (or one the map forgot, as the README's once forgot cutover/ and admin/)
// fails here until the map says what it holds.

const architecture = readFileSync(join(ROOT, 'docs/architecture.md'), 'utf8');
const map = (
  lexer(architecture).find(
    (token): token is Tokens.Code => token.type === 'code' && token.text.startsWith('src/\n'),
  ) as Tokens.Code
).text;
const entries = readdirSync(join(ROOT, 'src'), { recursive: true, withFileTypes: true });

describe('the src/ map of docs/architecture.md', () => {
  it('names each folder of src/, and each file at its top, at the start of a line', () => {
    const named = (name: string) => new RegExp(`^\\s*${name.replace('.', '\\.')}\\s`, 'm');
    const folders = entries.filter((e) => e.isDirectory()).map((e) => `${e.name}/`);
    const topFiles = entries
      .filter((e) => e.isFile() && e.parentPath.replace(/\/$/, '') === join(ROOT, 'src'))
      .map((e) => e.name);
    expect(folders.length).toBeGreaterThan(10);
    expect([...folders, ...topFiles].filter((name) => !named(name).test(map))).toEqual([]);
  });
});
