// The architecture rules `npm run lint` checks (dependency-cruiser): which folder of src/ may
// import which, and why. docs/architecture.md#which-folder-may-import-which shows the same
// table; test/architecture/dependency-rules.test.ts checks that the two agree and that a
// forbidden import fails the lint.

/**
 * Each folder of src/ (or file at its top) and the folders it may import, lowest first: a folder
 * imports only folders above it in this list, so no two folders import each other. A folder
 * not listed here fails the lint until it is placed (rule `every-folder-has-a-place`).
 */
export const LAYERS = [
  { folder: 'util', imports: [], why: 'helpers every stage uses; it imports nothing of ours' },
  { folder: 'intake', imports: ['util'], why: 'the webhook bodies: schemas and parsing' },
  {
    folder: 'incode',
    imports: ['intake', 'util'],
    why: "Incode's API: its client and the score's schema",
  },
  {
    folder: 'normalize',
    imports: ['intake', 'incode', 'util'],
    why: 'a body and its score to the normalized result, and back',
  },
  {
    folder: 'compare/diff',
    imports: ['normalize', 'util'],
    why: 'how two results differ: the one part of compare/ the store uses when it pairs',
  },
  {
    folder: 'store',
    imports: ['intake', 'normalize', 'compare/diff', 'util'],
    why: 'keeps and decides; knows no stage above it, nor the configuration that opens it',
  },
  {
    folder: 'cutover',
    imports: ['store', 'normalize', 'intake', 'util'],
    why: 'the share of customers, the guard and the stored switch, over the store',
  },
  {
    folder: 'ops',
    imports: ['store', 'cutover', 'normalize', 'intake', 'util'],
    why: "the logger and the metrics, whose gauges read the store's counts and the cut-over",
  },
  {
    folder: 'admin',
    imports: ['store', 'normalize', 'intake', 'util'],
    why: 'what the admin API and the CLI show of an event',
  },
  {
    folder: 'compare',
    imports: ['compare/diff', 'store', 'cutover', 'normalize', 'intake', 'util'],
    why: 'the comparison report, from the stored pairs',
  },
  {
    folder: 'delivery',
    imports: ['compare', 'store', 'ops', 'normalize', 'intake', 'incode', 'util'],
    why: 'what the callback gets and the worker that sends it',
  },
  {
    folder: 'ingest',
    imports: ['delivery', 'cutover', 'compare', 'store', 'normalize', 'intake', 'incode', 'util'],
    why: 'what a webhook becomes, arriving or completed with its score, without HTTP',
  },
  {
    folder: 'enrich',
    imports: [
      'ingest',
      'delivery',
      'compare',
      'store',
      'ops',
      'normalize',
      'intake',
      'incode',
      'util',
    ],
    why: 'the worker that completes Workflows results with their score',
  },
  {
    folder: 'alerts',
    imports: ['delivery', 'cutover', 'store', 'ops', 'util'],
    why: "what operators are told: the alerts, their sender, the callback's and the store's health",
  },
  {
    folder: 'config',
    imports: ['delivery', 'cutover', 'store', 'normalize', 'intake', 'util'],
    why: 'the environment, read once; handed down as options, never imported by a stage',
  },
  {
    folder: 'http',
    imports: [
      'config',
      'enrich',
      'ingest',
      'delivery',
      'compare',
      'admin',
      'ops',
      'cutover',
      'store',
      'normalize',
      'incode',
      'intake',
      'util',
    ],
    why: 'the routes and the Node server',
  },
  {
    folder: 'console',
    imports: ['http', 'compare', 'admin', 'cutover', 'ops', 'store', 'normalize', 'intake', 'util'],
    why: 'the operator console: pages in a browser over the admin actions of http/',
  },
  { folder: 'app.ts', imports: ['*'], why: 'createApp(deps): the routes put together' },
  { folder: 'service.ts', imports: ['*'], why: 'composition root of serve' },
  { folder: 'cli', imports: ['*'], why: 'composition root of the command line' },
  { folder: 'cli.ts', imports: ['*'], why: "the command's entry" },
];

const esc = (name) => name.replace(/[.]/g, '\\.');
/** The path of a folder (or top file) of src/ as a regular expression, without what lies below it in another entry. */
const pathOf = (name) => (name.endsWith('.ts') ? `^src/${esc(name)}$` : `^src/${esc(name)}/`);
const named = (names) => `(${names.map(pathOf).join('|')})`;
const nested = (name) => LAYERS.filter((l) => l.folder.startsWith(`${name}/`)).map((l) => l.folder);

const layerRules = LAYERS.filter((layer) => !layer.imports.includes('*')).map((layer) => ({
  name: `${layer.folder.replace('/', '-')}-imports-only-below-it`,
  comment: `${layer.folder}/: ${layer.why}. It may import ${layer.imports.join(', ') || 'nothing of ours'} (docs/architecture.md#which-folder-may-import-which).`,
  severity: 'error',
  from: {
    path: pathOf(layer.folder),
    ...(nested(layer.folder).length > 0 ? { pathNot: named(nested(layer.folder)) } : {}),
  },
  to: {
    path: '^src/',
    pathNot: named([layer.folder, ...nested(layer.folder), ...layer.imports]),
  },
}));

/** @type {import('dependency-cruiser').IConfiguration} */
export default {
  forbidden: [
    {
      name: 'no-folder-cycles',
      comment:
        'Two folders that import each other are one folder in two places: each is understood, tested and changed only with the other.',
      severity: 'error',
      scope: 'folder',
      from: { path: '^src/' },
      to: { circular: true },
    },
    {
      name: 'no-import-cycles',
      comment:
        'A module cycle makes the load order decide what is defined; break it with a type of its own.',
      severity: 'error',
      from: { path: '^src/' },
      to: { circular: true },
    },
    {
      name: 'util-imports-nothing-of-ours',
      comment:
        'util/ holds the helpers every stage uses (deadlines, clocks, errors): it depends on no stage.',
      severity: 'error',
      from: { path: '^src/util/' },
      to: { path: '^src/', pathNot: '^src/util/' },
    },
    {
      name: 'a-worker-knows-no-routes',
      comment:
        'The delivery and enrichment workers run without HTTP: what they need comes as options (a route calls them, not the other way).',
      severity: 'error',
      from: { path: '^src/(delivery|enrich)/' },
      to: { path: '^src/(http/|app\\.ts$)' },
    },
    {
      name: 'decisions-know-no-sql',
      comment:
        'store/rules/ decides what a new event becomes, for both backends: facts in, decisions out, no SQL and no driver.',
      severity: 'error',
      from: { path: '^src/store/rules/' },
      to: { path: '^src/store/(sqlite|postgres)/|(^|/)node_modules/(better-sqlite3|pg|pg-[^/]+)/' },
    },
    {
      name: 'the-backends-do-not-know-each-other',
      comment:
        'SQLite and PostgreSQL each apply the shared rules with their own SQL; what they share lives in store/ above them.',
      severity: 'error',
      from: { path: '^src/store/(sqlite|postgres)/' },
      to: { path: '^src/store/(sqlite|postgres)/', pathNot: '^src/store/$1/' },
    },
    {
      name: 'only-open-store-opens-a-backend',
      comment:
        'Everything above the store talks to the Store interface (store/store.ts) and opens it with store/open-store.ts.',
      severity: 'error',
      from: { path: '^src/', pathNot: '^src/store/(open-store\\.ts$|sqlite/|postgres/)' },
      to: { path: '^src/store/(sqlite|postgres)/' },
    },
    {
      name: 'only-the-backends-speak-sql',
      comment:
        'The database drivers are used by their backend only: no SQL outside store/sqlite/ and store/postgres/.',
      severity: 'error',
      from: { path: '^src/', pathNot: '^src/store/(sqlite|postgres)/' },
      to: {
        path: '(^|/)node_modules/(better-sqlite3|pg|pg-[^/]+)/',
        dependencyTypesNot: ['type-only'],
      },
    },
    {
      name: 'nothing-imports-the-composition-root',
      comment:
        'service.ts and the CLI build every part from the configuration; a part that imported them would build the whole service.',
      severity: 'error',
      from: { path: '^src/', pathNot: '^src/(cli/|cli\\.ts$)' },
      to: { path: '^src/(service\\.ts|cli\\.ts|cli/)' },
    },
    {
      name: 'stages-know-no-configuration',
      comment:
        'Only the routes and the composition root read the configuration; a stage gets its options as plain values.',
      severity: 'error',
      from: {
        path: '^src/',
        pathNot: '^src/(config/|http/|app\\.ts$|service\\.ts$|cli/|cli\\.ts$)',
      },
      to: { path: '^src/config/' },
    },
    {
      name: 'the-store-uses-only-the-diff-of-compare',
      comment:
        'The store diffs a pair when it makes it (compare/diff/); the report is built from the store, so the store knows nothing else of compare/.',
      severity: 'error',
      from: { path: '^src/store/' },
      to: { path: '^src/compare/', pathNot: '^src/compare/diff/' },
    },
    {
      name: 'every-folder-has-a-place',
      comment:
        'Each folder of src/ is placed in LAYERS (.dependency-cruiser.mjs) and in docs/architecture.md, with what it may import.',
      severity: 'error',
      from: {
        path: '^src/',
        pathNot: named(LAYERS.map((layer) => layer.folder)),
      },
      to: {},
    },
    ...layerRules,
    {
      name: 'src-knows-no-tests',
      comment: 'The product never imports its tests, benchmarks or scripts.',
      severity: 'error',
      from: { path: '^src/' },
      to: { path: '^(test|bench|scripts)/' },
    },
    {
      name: 'no-dev-dependencies-in-src',
      comment:
        'The release installs without devDependencies (npm ci --omit=dev): src/ may not need one at run time.',
      severity: 'error',
      from: { path: '^src/' },
      to: { dependencyTypes: ['npm-dev'], dependencyTypesNot: ['type-only'] },
    },
    {
      name: 'not-to-unresolvable',
      comment: 'An import that resolves to nothing fails at run time.',
      severity: 'error',
      from: {},
      to: { couldNotResolve: true },
    },
  ],
  options: {
    doNotFollow: { path: 'node_modules' },
    tsPreCompilationDeps: true,
    tsConfig: { fileName: 'tsconfig.json' },
    enhancedResolveOptions: {
      exportsFields: ['exports'],
      conditionNames: ['import', 'require', 'node', 'default', 'types'],
      extensions: ['.ts', '.js', '.mjs', '.json', '.d.ts'],
    },
    skipAnalysisNotInRules: true,
  },
};
