import { Score } from '../incode/score-schema.js';
import { FaceAuthenticationBody } from '../intake/face-authentication-schema.js';
import { LegacyAuthenticationBody } from '../intake/legacy-schema.js';
import { OnboardingStatusBody } from '../intake/onboarding-schema.js';
import { SessionBody } from '../intake/session-schema.js';
import { NormalizedResult } from './normalized-schema.js';
import { kindOfValue, schemaPaths, type ValueKind } from './schema-paths.js';
import {
  ComparisonTable,
  LegacyToNormalizedTable,
  MAPPING_FILES,
  type Mappings,
  NormalizedToLegacyTable,
  ScoreToNormalizedTable,
  SessionsToNormalizedTable,
  WorkflowsToNormalizedTable,
} from './tables.js';

// The tables of mappings/ checked before the service uses them: each file against its schema
// (tables.ts), then every field path and value kind they name against the bodies they read and
// the normalized result they write. A problem stops the start, naming its file and entry.

const TABLE_SCHEMAS = {
  legacy: LegacyToNormalizedTable,
  workflows: WorkflowsToNormalizedTable,
  sessions: SessionsToNormalizedTable,
  score: ScoreToNormalizedTable,
  toLegacy: NormalizedToLegacyTable,
  comparison: ComparisonTable,
} as const;

/** One problem in one file of mappings/. */
export interface TableProblem {
  file: string;
  entry: string;
  message: string;
}

const NORMALIZED_PATHS = schemaPaths(NormalizedResult);
const SOURCE_PATHS = {
  legacy: schemaPaths(LegacyAuthenticationBody),
  workflows: schemaPaths(FaceAuthenticationBody),
  session: schemaPaths(SessionBody),
  onboarding: schemaPaths(OnboardingStatusBody),
  score: schemaPaths(Score),
};
/** Normalized fields a table may write: leaves set by the source, not the envelope. */
const WRITABLE = new Set(
  [...NORMALIZED_PATHS]
    .filter(
      ([path, kind]) =>
        kind !== 'object' &&
        !['version', 'eventId', 'receivedAt', 'source', 'unknownFields'].includes(path) &&
        !path.startsWith('trigger.') &&
        !path.startsWith('enrichment.'),
    )
    .map(([path]) => path),
);

const compatible = (a: ValueKind | undefined, b: ValueKind | undefined) =>
  a === b || a === 'unknown' || b === 'unknown';

/** Validates the three parsed tables: shapes, then the field paths and kinds they name. */
export function checkTables(
  raw: Record<keyof Mappings, unknown>,
): { ok: true; mappings: Mappings } | { ok: false; problems: TableProblem[] } {
  const problems: TableProblem[] = [];
  const parsed: Partial<Mappings> = {};
  for (const key of Object.keys(TABLE_SCHEMAS) as (keyof Mappings)[]) {
    const result = TABLE_SCHEMAS[key].safeParse(raw[key]);
    if (result.success) {
      (parsed as Record<string, unknown>)[key] = result.data;
    } else {
      for (const issue of result.error.issues) {
        problems.push({
          file: MAPPING_FILES[key],
          entry: issue.path.join('.') || '(top level)',
          message: issue.message,
        });
      }
    }
  }
  const { legacy, workflows, sessions, score, toLegacy, comparison } = parsed;
  if (comparison) checkComparison(comparison, problems);
  if (legacy) checkFieldTable(MAPPING_FILES.legacy, 'legacy', legacy.fields, 'fields', problems);
  if (workflows) {
    checkFieldTable(MAPPING_FILES.workflows, 'workflows', workflows.fields, 'fields', problems);
  }
  if (sessions) {
    const file = MAPPING_FILES.sessions;
    checkFieldTable(file, 'session', sessions.session.fields, 'session.fields', problems);
    checkFieldTable(file, 'onboarding', sessions.onboarding.fields, 'onboarding.fields', problems);
    if (
      Object.values(sessions.session.events).includes('score') ||
      sessions.session.unknownEvent === 'score'
    ) {
      problems.push({
        file,
        entry: 'session.events',
        message: 'a session event says PASS or FAIL itself; "score" is for onboarding statuses',
      });
    }
  }
  if (score) checkScoreTable(score, problems);
  if (legacy) {
    legacy.reasons.failureFlags.forEach((rule, i) => {
      if (SOURCE_PATHS.legacy.get(rule.field) !== 'boolean') {
        problems.push({
          file: MAPPING_FILES.legacy,
          entry: `reasons.failureFlags.${i}.field`,
          message: `"${rule.field}" is not a true/false field of the legacy body`,
        });
      }
    });
  }
  if (workflows) {
    for (const [name, rule] of Object.entries(workflows.reasons.errorNames)) {
      for (const [target, value] of Object.entries(rule.sets ?? {})) {
        const entry = `reasons.errorNames.${name}.sets.${target}`;
        if (!WRITABLE.has(target)) {
          problems.push({
            file: MAPPING_FILES.workflows,
            entry,
            message: `"${target}" is not a field of the normalized result`,
          });
        } else if (!compatible(NORMALIZED_PATHS.get(target), kindOfValue(value))) {
          problems.push({
            file: MAPPING_FILES.workflows,
            entry,
            message: `${target} holds a ${NORMALIZED_PATHS.get(target)}, not a ${kindOfValue(value)}`,
          });
        }
      }
    }
  }
  if (toLegacy) checkLegacyRender(toLegacy, problems);
  if (problems.length > 0) return { ok: false, problems };
  return { ok: true, mappings: parsed as Mappings };
}

function checkFieldTable(
  file: string,
  source: keyof typeof SOURCE_PATHS,
  fields: Record<string, string | string[]>,
  prefix: string,
  problems: TableProblem[],
): void {
  const sourcePaths = SOURCE_PATHS[source];
  // The legacy and Face Authentication bodies say PASS or FAIL; the session and onboarding
  // tables decide the status by event name instead.
  if ((source === 'legacy' || source === 'workflows') && !('status' in fields)) {
    problems.push({
      file,
      entry: `${prefix}.status`,
      message: 'missing: the normalized status must come from a field',
    });
  }
  for (const [target, sources] of Object.entries(fields)) {
    const entry = `${prefix}.${target}`;
    if (!WRITABLE.has(target)) {
      problems.push({
        file,
        entry,
        message: `"${target}" is not a field of the normalized result`,
      });
      continue;
    }
    for (const from of typeof sources === 'string' ? [sources] : sources) {
      const fromKind = sourcePaths.get(from);
      if (!fromKind) {
        problems.push({
          file,
          entry,
          message: `"${from}" is not a known field of the ${source} body`,
        });
        continue;
      }
      const targetKind = NORMALIZED_PATHS.get(target);
      if (!compatible(targetKind, fromKind)) {
        problems.push({
          file,
          entry,
          message: `${target} holds a ${targetKind}, but ${from} is a ${fromKind}`,
        });
      }
    }
  }
}

/** The score table names score fields that exist and normalized fields that take its values. */
function checkScoreTable(table: ScoreToNormalizedTable, problems: TableProblem[]): void {
  const file = MAPPING_FILES.score;
  const scorePaths = SOURCE_PATHS.score;
  const scoreField = (path: string, entry: string) => {
    if (!scorePaths.has(path)) {
      problems.push({ file, entry, message: `"${path}" is not a field of the score answer` });
    }
  };
  const target = (path: string, entry: string): ValueKind | undefined => {
    if (!WRITABLE.has(path)) {
      problems.push({ file, entry, message: `"${path}" is not a field of the normalized result` });
      return undefined;
    }
    return NORMALIZED_PATHS.get(path);
  };
  for (const [to, rule] of Object.entries(table.fields)) {
    scoreField(rule.from, `fields.${to}.from`);
    const kind = target(to, `fields.${to}`);
    if (kind && rule.scale && kind !== 'number') {
      problems.push({ file, entry: `fields.${to}.scale`, message: `${to} is not a number` });
    }
  }
  table.statuses.forEach((rule, i) => {
    scoreField(rule.from, `statuses.${i}.from`);
    const kind = target(rule.to, `statuses.${i}.to`);
    for (const [status, value] of Object.entries(rule.values)) {
      if (kind && value !== null && !compatible(kind, kindOfValue(value))) {
        problems.push({
          file,
          entry: `statuses.${i}.values.${status}`,
          message: `${rule.to} holds a ${kind}, not a ${kindOfValue(value)}`,
        });
      }
      if (rule.to === 'status' && value !== null && value !== 'PASS' && value !== 'FAIL') {
        problems.push({
          file,
          entry: `statuses.${i}.values.${status}`,
          message: 'status is PASS, FAIL or null',
        });
      }
    }
  });
  table.failureReasons.forEach((rule, i) => {
    scoreField(rule.when, `failureReasons.${i}.when`);
  });
}

function checkLegacyRender(table: NormalizedToLegacyTable, problems: TableProblem[]): void {
  const file = MAPPING_FILES.toLegacy;
  const legacyPaths = SOURCE_PATHS.legacy;
  table.fields.forEach((rule, i) => {
    const legacyKind = legacyPaths.get(rule.legacy);
    if (rule.from !== undefined) {
      const fromKind = NORMALIZED_PATHS.get(rule.from);
      if (!fromKind) {
        problems.push({
          file,
          entry: `fields.${i}.from`,
          message: `"${rule.from}" is not a field of the normalized result`,
        });
      } else if (legacyKind && !compatible(legacyKind, fromKind)) {
        problems.push({
          file,
          entry: `fields.${i}.from`,
          message: `the legacy ${rule.legacy} is a ${legacyKind}, but ${rule.from} is a ${fromKind}`,
        });
      }
    } else if (rule.default === undefined) {
      problems.push({
        file,
        entry: `fields.${i}`,
        message: `"${rule.legacy}" needs a "from" or a "default"`,
      });
    }
    const defaults = [
      ['default', rule.default],
      ['defaultByStatus.PASS', rule.defaultByStatus?.PASS],
      ['defaultByStatus.FAIL', rule.defaultByStatus?.FAIL],
    ] as const;
    for (const [key, value] of defaults) {
      if (value !== undefined && legacyKind && !compatible(legacyKind, kindOfValue(value))) {
        problems.push({
          file,
          entry: `fields.${i}.${key}`,
          message: `the legacy ${rule.legacy} is a ${legacyKind}, not a ${kindOfValue(value)}`,
        });
      }
    }
  });
  for (const [reason, rule] of Object.entries(table.errors)) {
    if (rule === 'none') continue;
    for (const key of ['error', 'errorMessage'] as const) {
      const spec = rule[key];
      if (!spec || typeof spec !== 'object') continue;
      const kind = NORMALIZED_PATHS.get(spec.from);
      if (kind !== 'string') {
        problems.push({
          file,
          entry: `errors.${reason}.${key}.from`,
          message: kind
            ? `${spec.from} is a ${kind}, not a text`
            : `"${spec.from}" is not a field of the normalized result`,
        });
      }
    }
  }
}

/** Every normalized leaf is either compared or ignored, once; tolerances only on numbers. */
function checkComparison(table: ComparisonTable, problems: TableProblem[]): void {
  const file = MAPPING_FILES.comparison;
  const leaves = [...NORMALIZED_PATHS]
    .filter(([, kind]) => kind !== 'object')
    .map(([path]) => path);
  leaves.push('unknownFields');
  const seen = new Map<string, string>();
  const visit = (field: string, entry: string) => {
    if (!NORMALIZED_PATHS.has(field)) {
      problems.push({ file, entry, message: `"${field}" is not a field of the normalized result` });
    } else if (seen.has(field)) {
      problems.push({
        file,
        entry,
        message: `"${field}" is listed twice (also at ${seen.get(field)})`,
      });
    }
    seen.set(field, entry);
  };
  table.compared.forEach((rule, i) => {
    visit(rule.field, `compared.${i}.field`);
    if (rule.tolerance !== undefined && NORMALIZED_PATHS.get(rule.field) !== 'number') {
      problems.push({
        file,
        entry: `compared.${i}.tolerance`,
        message: `${rule.field} is not a number`,
      });
    }
  });
  table.ignored.forEach((field, i) => {
    visit(field, `ignored.${i}`);
  });
  for (const leaf of new Set(leaves)) {
    if (!seen.has(leaf)) {
      problems.push({
        file,
        entry: leaf,
        message: 'missing: every normalized field is either compared or ignored',
      });
    }
  }
}
