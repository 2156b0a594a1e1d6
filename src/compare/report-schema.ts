import { z } from 'zod';

// The comparison report, version 1: what `GET /admin/report?format=json` and
// `faceauth-shim report --format json` give. Markdown and HTML are renderings of this object.

const rate = z
  .number()
  .min(0)
  .max(1)
  .nullable()
  .describe('0..1; null when there is nothing to count');

/**
 * An instant as the report writes it (Date#toISOString: UTC, `Z`): `format: date-time` in the
 * JSON Schema, so a consumer's validator refuses "yesterday" or "2026-13-01".
 */
const instant = z.iso.datetime();

const ResultSide = z.object({
  eventId: z.string(),
  receivedAt: instant,
  status: z.enum(['PASS', 'FAIL']),
  reason: z.string().nullable(),
});

const FieldDifference = z.object({
  field: z.string(),
  legacy: z.unknown(),
  workflows: z.unknown(),
});

const SourceStats = z.object({
  events: z.number().int(),
  pass: z.number().int(),
  fail: z.number().int(),
  passRate: rate,
  failureReasons: z.record(z.string(), z.number().int()).describe('reason code -> events'),
  unpaired: z.number().int().describe('events with no counterpart from the other source'),
  delivery: z.object({
    delivered: z.number().int(),
    pending: z.number().int(),
    dead: z.number().int(),
    shadowed: z.number().int(),
    enriching: z.number().int().describe('waiting for the score from the Incode API'),
    latencyMs: z
      .object({ p50: z.number().nullable(), p95: z.number().nullable() })
      .describe('from receipt to the callback answer, delivered events only'),
  }),
  scores: z
    .object({
      scored: z.number().int().describe('numbers from GET /omni/get/score'),
      unavailable: z
        .number()
        .int()
        .describe('forwarded without the numbers: no score within ENRICH_MAX_WAIT, or an error'),
    })
    .describe('Workflows events completed from the Incode API (INCODE_API_URL)'),
});

const LoginCounts = z.object({
  total: z.number().int(),
  bothSources: z.number().int().describe('logins reported by both webhooks (a pair)'),
  legacyOnly: z.number().int().describe('logins reported by the legacy webhook only'),
  workflowsOnly: z.number().int().describe('logins reported by Workflows only'),
});

const PassRate = z
  .object({
    results: z.number().int(),
    pass: z.number().int(),
    rate: rate,
    low: rate.describe("the 95% interval's lower end (Wilson)"),
    high: rate.describe("the 95% interval's upper end (Wilson)"),
  })
  .describe('a pass rate with its 95% interval');

export const ComparisonReport = z.object({
  version: z.literal(1),
  generatedAt: instant,
  range: z.object({ from: instant, to: instant }),
  thresholds: z.object({ minPairs: z.number().int(), minAgreement: z.number() }),
  sources: z.object({ legacy: SourceStats, workflows: SourceStats }),
  logins: LoginCounts.extend({
    perDay: z.array(LoginCounts.extend({ day: z.string().describe('YYYY-MM-DD, UTC') })),
    reality: z
      .enum(['none', 'unclear', 'legacy-only', 'workflows-only', 'split', 'both', 'mixed'])
      .describe(
        'which reality the logins show: split (each login reported by one webhook), both (by both), mixed, or only one source',
      ),
    bothShare: rate.describe('the share of logins reported by both webhooks'),
    line: z.string(),
    next: z.string().describe('the path this reality asks for'),
  }).describe(
    'logins by who reported them, counted where their first report arrived in the range (the same figures as GET /admin/forward-source)',
  ),
  populations: z
    .object({
      passRate: z.object({
        legacy: PassRate,
        workflows: PassRate,
        workflowsClearlyLower: z
          .boolean()
          .describe("Workflows' interval lies wholly below legacy's"),
      }),
      sameCustomers: z
        .object({
          customers: z.number().int(),
          legacyBefore: PassRate,
          workflowsAfter: PassRate,
          workflowsClearlyLower: z.boolean(),
        })
        .describe(
          'customers with legacy results before their first Workflows result: their legacy results before, against their Workflows results after',
        ),
    })
    .describe('the two sources compared as populations, for where logins are not reported by both'),
  pairs: z.object({
    count: z.number().int(),
    statusAgreement: rate,
    reasonAgreement: rate,
    /** Disagreements grouped by kind, e.g. "status: legacy PASS, workflows FAIL". */
    disagreements: z.array(
      z.object({
        kind: z.string(),
        count: z.number().int(),
        examples: z.array(
          z.object({
            customerId: z.string().nullable(),
            interviewId: z.string().nullable(),
            legacy: ResultSide,
            workflows: ResultSide,
            differences: z.array(FieldDifference),
          }),
        ),
      }),
    ),
  }),
  unpaired: z.object({
    legacy: z.array(ResultSide.extend({ customerId: z.string().nullable() })),
    workflows: z.array(ResultSide.extend({ customerId: z.string().nullable() })),
  }),
  legacyOnlyFields: z
    .array(
      z.object({
        field: z.string(),
        legacyEvents: z.number().int().describe('legacy events that carried the field'),
        pairsMissing: z
          .number()
          .int()
          .describe('pairs where the legacy body had it and the Workflows rendering did not'),
      }),
    )
    .describe(
      'what the callback received from the legacy webhook that the Workflows source cannot provide',
    ),
  timeline: z
    .array(
      z.object({
        start: instant,
        legacy: z.object({ events: z.number().int(), pass: z.number().int() }),
        workflows: z.object({ events: z.number().int(), pass: z.number().int() }),
      }),
    )
    .describe('events and PASSes per source, per bucket of the range'),
  shares: z
    .array(
      z.object({
        share: z.string().describe('a share of customers on Workflows, e.g. "10%"'),
        pairs: z.number().int(),
        statusAgreement: z.number().nullable(),
        reasonAgreement: z.number().nullable(),
        disagreements: z.number().int().describe('pairs that differ on status or reason'),
      }),
    )
    .describe(
      'per share of customers (FORWARD_SOURCE=workflows:<N>%, by the stable hash of the customer id): the pairs of the customers that share moves, and how they agree',
    ),
  verdict: z.object({
    safe: z.boolean(),
    line: z.string().describe('"safe to switch" or "not safe to switch: ..."'),
    reasons: z.array(z.string()),
    evidence: z
      .enum(['pairs', 'populations', 'none'])
      .describe(
        'what the verdict rests on: pairs (logins reported by both), populations, or nothing sufficient',
      ),
    note: z.string().nullable().describe('where pair-level evidence is missing: what that means'),
    daysLeft: z
      .number()
      .int()
      .describe('days left before Incode switches the legacy webhook off (2027-04-01)'),
    timeLeft: z.string().describe("how much time is left, by Incode's dates"),
  }),
});

export type ComparisonReport = z.infer<typeof ComparisonReport>;

export function reportJsonSchema() {
  return {
    $id: 'urn:faceauth-shim:schema:report.v1',
    title: 'faceauth-shim comparison report v1',
    ...z.toJSONSchema(ComparisonReport, { target: 'draft-2020-12' }),
  };
}
