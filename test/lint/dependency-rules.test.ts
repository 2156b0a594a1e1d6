import { execFile } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { promisify } from 'node:util';
import { lexer, type Tokens } from 'marked';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ROOT } from '../helpers/markdown.js';

// The architecture rules of `npm run lint` (.dependency-cruiser.mjs) fail on a forbidden
// import: a small tree in a temporary folder breaks each named rule once, and depcruise, run
// as the lint runs it, names every one and nothing else. The real src/ passing is the lint
// itself (npm test runs it before the suite).

const CONFIG = join(ROOT, '.dependency-cruiser.mjs');
/** The config's table of folders (plain JavaScript, so imported at run time). */
type Layer = { folder: string; imports: string[]; why: string };
const DEPCRUISE = join(ROOT, 'node_modules/dependency-cruiser/bin/dependency-cruiser.mjs');

/** Each file of the broken tree, and the rules its imports break. */
const TREE: Record<string, { source: string; breaks?: string[] }> = {
  'src/http/route.ts': { source: 'export const route = 1;' },
  'src/config/config.ts': { source: 'export const config = 1;' },
  'src/service.ts': { source: 'export const service = 1;' },
  'src/util/clock.ts': {
    source: "import { route } from '../http/route.js';\nexport const now = route;",
    breaks: ['util-imports-nothing-of-ours', 'util-imports-only-below-it'],
  },
  'src/delivery/worker.ts': {
    source: "import { route } from '../http/route.js';\nexport const worker = route;",
    breaks: ['a-worker-knows-no-routes', 'delivery-imports-only-below-it'],
  },
  'src/store/rules/decide.ts': {
    source: "import { sql } from '../sqlite/sql.js';\nexport const decide = sql;",
    breaks: ['decisions-know-no-sql', 'only-open-store-opens-a-backend'],
  },
  'src/store/sqlite/sql.ts': {
    source: "import { pg } from '../postgres/sql.js';\nexport const sql = pg;",
    breaks: ['the-backends-do-not-know-each-other'],
  },
  'src/store/postgres/sql.ts': { source: 'export const pg = 1;' },
  // The store importing the report while the report reads the store: a folder cycle.
  'src/store/store.ts': {
    source: "import { report } from '../compare/report.js';\nexport const store = report;",
    breaks: [
      'the-store-uses-only-the-diff-of-compare',
      'store-imports-only-below-it',
      'no-folder-cycles',
    ],
  },
  'src/compare/report.ts': {
    source: "import type { Pair } from '../store/pairs.js';\nexport const report = 1 as Pair;",
  },
  'src/store/pairs.ts': { source: 'export type Pair = number;' },
  'src/cutover/watch.ts': {
    source: "import { service } from '../service.js';\nexport const watch = service;",
    breaks: ['nothing-imports-the-composition-root', 'cutover-imports-only-below-it'],
  },
  'src/ops/metrics.ts': {
    source: "import { config } from '../config/config.js';\nexport const metrics = config;",
    breaks: ['stages-know-no-configuration', 'ops-imports-only-below-it'],
  },
  'src/admin/views.ts': {
    source: "import { sql } from '../store/sqlite/sql.js';\nexport const views = sql;",
    breaks: ['only-open-store-opens-a-backend'],
  },
  'src/intake/parse.ts': {
    source:
      "import pg from 'pg';\nimport { describe } from 'vitest';\nexport const parse = [pg, describe];",
    breaks: ['only-the-backends-speak-sql', 'no-dev-dependencies-in-src'],
  },
  'src/normalize/a.ts': {
    source: "import { b } from './b.js';\nexport const a = () => b;",
    breaks: ['no-import-cycles'],
  },
  'src/normalize/b.ts': { source: "import { a } from './a.js';\nexport const b = () => a;" },
  'src/somewhere-new/thing.ts': {
    source: "import { a } from '../normalize/a.js';\nexport const thing = a;",
    breaks: ['every-folder-has-a-place'],
  },
  'src/enrich/lost.ts': {
    source: "import { gone } from './gone.js';\nexport const lost = gone;",
    breaks: ['not-to-unresolvable'],
  },
};

let tree: string;

beforeAll(() => {
  tree = mkdtempSync(join(tmpdir(), 'faceauth-depcruise-'));
  for (const [path, { source }] of Object.entries(TREE)) {
    mkdirSync(dirname(join(tree, path)), { recursive: true });
    writeFileSync(join(tree, path), `${source}\n`);
  }
  writeFileSync(join(tree, 'package.json'), readFileSync(join(ROOT, 'package.json')));
  writeFileSync(join(tree, 'tsconfig.json'), readFileSync(join(ROOT, 'tsconfig.json')));
  symlinkSync(join(ROOT, 'node_modules'), join(tree, 'node_modules'), 'dir');
});

afterAll(() => {
  rmSync(tree, { recursive: true, force: true });
});

/** Runs depcruise on `folder` of the tree as `npm run lint` does; the violations' rule names and the exit code. */
async function lint(folder: string): Promise<{ code: number; rules: Set<string> }> {
  const run = promisify(execFile)(process.execPath, [DEPCRUISE, folder, '--config', CONFIG], {
    cwd: tree,
    maxBuffer: 16 * 1024 * 1024,
  });
  const { stdout, code } = await run.then(
    ({ stdout }) => ({ stdout, code: 0 }),
    (error: { stdout: string; code: number }) => ({ stdout: error.stdout, code: error.code }),
  );
  // The lint's own report: one `error <rule>: <from> → <to>` per violation.
  const rules = new Set([...stdout.matchAll(/^\s*error ([\w-]+):/gm)].map((match) => match[1]));
  return { code, rules: rules as Set<string> };
}

describe('the architecture rules of npm run lint', () => {
  it('fail on each forbidden import, naming its rule', async () => {
    const { code, rules } = await lint('src');
    expect(code).not.toBe(0);
    // Every rule broken is named, and no rule is named that the tree keeps.
    const expected = new Set(Object.values(TREE).flatMap((file) => file.breaks ?? []));
    expect([...rules].sort()).toEqual([...expected].sort());
  });

  it('are the table of docs/architecture.md', async () => {
    const { LAYERS } = (await import(pathToFileURL(CONFIG).href)) as { LAYERS: Layer[] };
    const doc = readFileSync(join(ROOT, 'docs/architecture.md'), 'utf8');
    const table = lexer(doc).find(
      (token): token is Tokens.Table =>
        token.type === 'table' && token.header[0]?.text === 'folder',
    );
    const cell = (text: string) => text.replace(/`/g, '').trim();
    const rows = (table?.rows ?? []).map((row) => ({
      folder: cell(row[0]?.text ?? '').replace(/\/$/, ''),
      imports: cell(row[1]?.text ?? '')
        .split(',')
        .map((name) => name.trim().replace(/\/$/, ''))
        .filter((name) => name !== '' && name !== 'nothing of ours'),
    }));
    const layers = LAYERS.map((layer) => ({
      folder: layer.folder,
      imports: layer.imports.includes('*') ? ['anything'] : layer.imports,
    }));
    expect(rows).toEqual(layers);
  });
});
