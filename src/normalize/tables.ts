import { z } from 'zod';
import { SCORE_STATUSES } from '../incode/score-schema.js';
import { ReasonCode, WORKFLOWS_ERROR_NAMES } from './reason-codes.js';

// The shapes of the files in mappings/. The files are data a reviewer reads; these schemas
// and checkTables() (check-tables.ts: the fields and kinds they name) make sure a mistake in
// them stops the start instead of a forward.

const Path = z
  .string()
  .regex(/^[A-Za-z_]\w*(\.[A-Za-z_]\w*)*$/, 'expected a dotted field path such as ids.customerId');

/** normalized field -> source field. */
const FieldTable = z.record(Path, Path);

export const LegacyToNormalizedTable = z.strictObject({
  fields: FieldTable,
  reasons: z.strictObject({
    errorCodes: z.record(z.string().regex(/^\d+$/, 'expected a numeric errorCode'), ReasonCode),
    unknownErrorCode: ReasonCode,
    failureFlags: z.array(z.strictObject({ field: Path, reason: ReasonCode })),
    failureWithoutReason: ReasonCode,
  }),
});
export type LegacyToNormalizedTable = z.infer<typeof LegacyToNormalizedTable>;

const Scalar = z.union([z.string(), z.number(), z.boolean()]);

export const WorkflowsToNormalizedTable = z.strictObject({
  fields: FieldTable,
  reasons: z.strictObject({
    errorNames: z
      .record(
        z.string().min(1),
        z.strictObject({ reason: ReasonCode, sets: z.record(Path, Scalar).optional() }),
      )
      .superRefine((names, ctx) => {
        for (const name of WORKFLOWS_ERROR_NAMES) {
          if (!(name in names)) {
            ctx.addIssue({
              code: 'custom',
              path: [name],
              message: `missing: every documented Workflows error.name needs an entry`,
            });
          }
        }
      }),
    unknownErrorName: ReasonCode,
    failureWithoutReason: ReasonCode,
  }),
});
export type WorkflowsToNormalizedTable = z.infer<typeof WorkflowsToNormalizedTable>;

/** normalized field -> one source field, or several: the first one the body carries. */
const FieldsWithFallbacks = z.record(Path, z.union([Path, z.array(Path).min(1)]));

/** What an event means for the callback (see mappings/sessions-to-normalized.yaml). */
const EventMeaning = z.enum(['PASS', 'FAIL', 'score', 'none']);
export type EventMeaning = z.infer<typeof EventMeaning>;

export const SessionsToNormalizedTable = z.strictObject({
  session: z.strictObject({
    fields: FieldsWithFallbacks,
    events: z.record(
      z.string().regex(/^[A-Z][A-Z0-9_]*$/, 'expected an upper-case event name'),
      EventMeaning,
    ),
    unknownEvent: EventMeaning,
  }),
  onboarding: z.strictObject({
    fields: FieldsWithFallbacks,
    statuses: z.record(z.string().min(1), EventMeaning),
    unknownStatus: EventMeaning,
  }),
  failureWithoutReason: ReasonCode,
});
export type SessionsToNormalizedTable = z.infer<typeof SessionsToNormalizedTable>;

export const ScoreToNormalizedTable = z.strictObject({
  fields: z.record(
    Path,
    z.strictObject({ from: Path, scale: z.enum(['percent', 'inversePercent']).optional() }),
  ),
  statuses: z.array(
    z.strictObject({
      from: Path,
      to: Path,
      // Every documented status is decided (null: no value); undocumented ones may be added.
      values: z.record(z.string().min(1), Scalar.nullable()).superRefine((values, ctx) => {
        for (const status of SCORE_STATUSES) {
          if (!Object.hasOwn(values, status)) {
            ctx.addIssue({
              code: 'custom',
              path: [status],
              message: 'missing: every documented score status needs a value (null for none)',
            });
          }
        }
      }),
    }),
  ),
  failureReasons: z.array(z.strictObject({ when: Path, is: z.string(), reason: ReasonCode })),
});
export type ScoreToNormalizedTable = z.infer<typeof ScoreToNormalizedTable>;

const Text = z.union([z.string(), z.strictObject({ from: Path, default: z.string().optional() })]);
export type TextSpec = z.infer<typeof Text>;

const LegacyField = z.strictObject({
  legacy: Path,
  from: Path.optional(),
  default: z.json().optional(),
  defaultByStatus: z
    .strictObject({ PASS: z.json().optional(), FAIL: z.json().optional() })
    .optional(),
});

const LegacyError = z.union([
  z.literal('none'),
  z.strictObject({ error: Text, errorCode: z.number().int(), errorMessage: Text.optional() }),
]);

export const NormalizedToLegacyTable = z.strictObject({
  fields: z.array(LegacyField).min(1),
  passThroughUnknownFields: z.boolean(),
  // An enum key makes the record exhaustive: every reason code must be spelled.
  errors: z.record(ReasonCode, LegacyError),
});
export type NormalizedToLegacyTable = z.infer<typeof NormalizedToLegacyTable>;

/**
 * Reasons that differ between the two products for the same failure, and are expected to: the
 * Workflows module names causes the legacy webhook reported as "not recognized" or without a
 * reason. A pair of FAILs whose reasons an entry lists is not a disagreement (the report shows it
 * as expected; the guard counts it as agreeing).
 */
export const Equivalence = z.strictObject({
  legacy: z.array(ReasonCode).min(1),
  workflows: z.array(ReasonCode).min(1),
  why: z.string().min(1),
});
export type Equivalence = z.infer<typeof Equivalence>;

export const ComparisonTable = z.strictObject({
  compared: z
    .array(z.strictObject({ field: Path, tolerance: z.number().min(0).optional() }))
    .min(1),
  ignored: z.array(Path),
  equivalent: z.array(Equivalence).optional(),
});
export type ComparisonTable = z.infer<typeof ComparisonTable>;

export interface Mappings {
  legacy: LegacyToNormalizedTable;
  workflows: WorkflowsToNormalizedTable;
  sessions: SessionsToNormalizedTable;
  score: ScoreToNormalizedTable;
  toLegacy: NormalizedToLegacyTable;
  comparison: ComparisonTable;
}

export const MAPPING_FILES = {
  legacy: 'legacy-to-normalized.yaml',
  workflows: 'workflows-to-normalized.yaml',
  sessions: 'sessions-to-normalized.yaml',
  score: 'score-to-normalized.yaml',
  toLegacy: 'normalized-to-legacy.yaml',
  comparison: 'comparison.yaml',
} as const satisfies Record<keyof Mappings, string>;
