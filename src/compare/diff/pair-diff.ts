import type { NormalizedResult } from '../../normalize/normalized-schema.js';
import { getPath } from '../../normalize/paths.js';
import type { ComparisonTable, Equivalence } from '../../normalize/tables.js';

export interface FieldDifference {
  field: string;
  legacy: unknown;
  workflows: unknown;
}

/** How the two results of one authentication compare. */
export interface PairDiff {
  statusAgrees: boolean;
  /** Same status and same reason (both null on a PASS). */
  reasonAgrees: boolean;
  /** Compared fields both sides carry and that differ (beyond the tolerance). */
  differences: FieldDifference[];
  /** The kind of disagreement, for grouping; null when they agree on every compared field. */
  kind: string | null;
}

const show = (value: unknown) => (value === null ? 'none' : String(value));

/** Compares a legacy and a Workflows result field by field, as mappings/comparison.yaml says. Pure. */
export function diffResults(
  legacy: NormalizedResult,
  workflows: NormalizedResult,
  table: ComparisonTable,
): PairDiff {
  const differences: FieldDifference[] = [];
  for (const rule of table.compared) {
    const a = getPath(legacy, rule.field) ?? null;
    const b = getPath(workflows, rule.field) ?? null;
    // status and reason are always compared (null is a value there: no reason on a PASS).
    const always = rule.field === 'status' || rule.field === 'reason';
    if (!always && (a === null || b === null)) continue;
    const equal =
      typeof a === 'number' && typeof b === 'number'
        ? Math.abs(a - b) <= (rule.tolerance ?? 0)
        : JSON.stringify(a) === JSON.stringify(b);
    if (!equal) differences.push({ field: rule.field, legacy: a, workflows: b });
  }
  const statusAgrees = legacy.status === workflows.status;
  const expected = statusAgrees ? equivalenceOf(legacy, workflows, table) : undefined;
  const reasonAgrees = statusAgrees && (legacy.reason === workflows.reason || !!expected);
  let kind: string | null = null;
  if (!statusAgrees) kind = `status: legacy ${legacy.status}, workflows ${workflows.status}`;
  else if (expected)
    kind = `expected: legacy ${show(legacy.reason)}, workflows ${show(workflows.reason)}`;
  else if (!reasonAgrees)
    kind = `reason: legacy ${show(legacy.reason)}, workflows ${show(workflows.reason)}`;
  else if (differences.length > 0) kind = `fields: ${differences.map((d) => d.field).join(', ')}`;
  return { statusAgrees, reasonAgrees, differences, kind };
}

/**
 * The entry of mappings/comparison.yaml `equivalent` that lists both reasons of two FAILs with
 * different reasons, if one does.
 */
function equivalenceOf(
  legacy: NormalizedResult,
  workflows: NormalizedResult,
  table: ComparisonTable,
): Equivalence | undefined {
  if (legacy.status !== 'FAIL' || legacy.reason === workflows.reason) return undefined;
  const l = legacy.reason;
  const w = workflows.reason;
  if (l === null || w === null) return undefined;
  return table.equivalent?.find((e) => e.legacy.includes(l) && e.workflows.includes(w));
}
