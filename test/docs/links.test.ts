import {
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { READING_SECTION } from '../../src/compare/report-text.js';
import { commentsOf } from '../helpers/code-comments.js';
import {
  anchorsOf,
  brokenLinks,
  docFiles,
  headingsOf,
  missingPaths,
  ROOT,
} from '../helpers/markdown.js';

// The docs a reader walks (README.md, MIGRATION.md, docs/) hold together: every relative link
// resolves, every anchor names a heading, every repository path they name exists, and the code
// that points a reader at a doc points at one that is there.

const read = (file: string) => readFileSync(join(ROOT, file), 'utf8');

/** Every file under `folder`, root-relative, that `keep` accepts. */
function filesUnder(folder: string, keep: (name: string) => boolean): string[] {
  return readdirSync(join(ROOT, folder), { recursive: true, withFileTypes: true })
    .filter((entry) => entry.isFile() && keep(entry.name))
    .map((entry) => join(entry.parentPath, entry.name).slice(ROOT.length))
    .filter((file) => !file.startsWith('test/fixtures/'));
}

const CODE = ['src', 'test', 'scripts', 'bench'].flatMap((folder) =>
  filesUnder(folder, (name) => /\.(ts|mjs)$/.test(name)),
);

describe('the docs', () => {
  it('are the README, the runbook and the files in docs/', () => {
    expect(docFiles()).toEqual(
      expect.arrayContaining(['README.md', 'MIGRATION.md', 'docs/contract.md']),
    );
  });

  it('link only to files and folders of the repository, and to headings that exist', () => {
    expect(brokenLinks()).toEqual([]);
  });

  it('name only repository paths that exist (or outputs .gitignore declares)', () => {
    expect(missingPaths()).toEqual([]);
  });

  it('bring the outside contract into the repository, saying how it changes', () => {
    const contract = read('docs/contract.md');
    expect(contract.split('\n')[0]).toMatch(/outside contract.*only through an issue/);
    expect(headingsOf(contract)).toContain('What the callback receives');
  });
});

describe('the code that points at a doc', () => {
  it('names in its comments only Markdown files that exist', () => {
    const missing = CODE.flatMap((file) =>
      commentsOf(file, read(file))
        .flatMap((comment) => [...comment.matchAll(/\b[\w][\w./-]*\.md\b/g)].map((m) => m[0]))
        .filter((name) => !existsSync(join(ROOT, name)))
        .map((name) => `${file}: ${name}`),
    );
    expect(missing).toEqual([]);
  });

  it('names, as `FILE, "Section"`, sections that are headings of that file', () => {
    const files = [...CODE, 'deploy/faceauth-shim.service', 'Dockerfile', '.ci/run'];
    const reference =
      /\b(README|MIGRATION|docs\/[\w-]+)(?:\.md)?,? "([^"\n]+)"|(README)'s "([^"\n]+)"/g;
    const stale = files.flatMap((file) =>
      [...read(file).matchAll(reference)].flatMap((match) => {
        const doc = `${match[1] ?? match[3]}.md`;
        const section = (match[2] ?? match[4]) as string;
        const headings = headingsOf(read(doc)).map((h) => h.toLowerCase());
        return headings.some((h) => h.startsWith(section.toLowerCase()))
          ? []
          : [`${file}: ${doc}, "${section}"`];
      }),
    );
    expect(stale).toEqual([]);
  });

  it("the report's pointer into MIGRATION.md is one of its headings", () => {
    const migration = read(READING_SECTION.file);
    expect(headingsOf(migration)).toContain(READING_SECTION.title);
    expect(anchorsOf(migration)).toContain(READING_SECTION.anchor);
  });
});

describe('the checks themselves', () => {
  const dir = mkdtempSync(join(tmpdir(), 'faceauth-docs-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));
  const write = (file: string, text: string) => {
    mkdirSync(dirname(join(dir, file)), { recursive: true });
    writeFileSync(join(dir, file), text);
  };
  write('.gitignore', 'bench/results.json\n');
  write('src/app.ts', '');
  write(
    'docs/guide.md',
    [
      '# A guide',
      '## What `FORWARD_SOURCE` does, and why?',
      '## Twice',
      '## Twice',
      '| a | b |',
      '|---|---|',
      '| [in a table](../MIGRATION.md#gone) | x |',
    ].join('\n'),
  );
  write('MIGRATION.md', '# Runbook\n## Step by step\n');
  write(
    'README.md',
    [
      '# Readme',
      '[ok](docs/guide.md#what-forward_source-does-and-why) [ok](docs/guide.md#twice-1)',
      '[ok](#readme) [ok](src/) [web](https://example.com/nowhere)',
      '[missing file](docs/nowhere.md) [missing anchor](MIGRATION.md#step-by-steps)',
      '[outside](../elsewhere/CONTRACT.md) [own anchor](#nothing) [code](src/app.ts#L1)',
      'Named: `src/app.ts`, `bench/results.json`, `node scripts/gone.mjs 9090`, `test/fixtures/<id>`',
      '`../shared/notes.md`',
      '```sh',
      'npx tsx bench/missing.ts --only ingest',
      '```',
    ].join('\n'),
  );

  it('report each broken link, anchor and path, and nothing that resolves', () => {
    expect(brokenLinks(dir, ['README.md', 'MIGRATION.md', 'docs/guide.md'])).toEqual([
      'README.md: docs/nowhere.md: no such file or folder (docs/nowhere.md)',
      'README.md: MIGRATION.md#step-by-steps: MIGRATION.md has no heading #step-by-steps',
      'README.md: ../elsewhere/CONTRACT.md: outside the repository',
      'README.md: #nothing: README.md has no heading #nothing',
      'README.md: src/app.ts#L1: an anchor into a file that is not Markdown',
      'docs/guide.md: ../MIGRATION.md#gone: MIGRATION.md has no heading #gone',
    ]);
    expect(missingPaths(dir, ['README.md'])).toEqual([
      'README.md: scripts/gone.mjs',
      'README.md: test/fixtures/',
      'README.md: ../shared/notes.md',
      'README.md: bench/missing.ts',
    ]);
  });
});
