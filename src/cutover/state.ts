import { z } from 'zod';
import { ALL } from '../store/rules/bucket.js';
import type { PlanStep } from './plan.js';
import { percent } from './share.js';

const share = z.number().int().min(0).max(ALL);

/** What the guard found when it rolled the share back. */
export const Rollback = z.object({
  /** When (ms since the epoch). */
  at: z.number(),
  /** The share it rolled back from, and to (basis points). */
  from: share,
  to: share,
  reason: z.string(),
  /** `legacyEventId/workflowsEventId` of the disagreeing pairs (at most 10). */
  pairIds: z.array(z.string()),
});
export type Rollback = z.infer<typeof Rollback>;

/**
 * A share of customers on Workflows, stored whole in the `forward_source` setting (one value,
 * written at once, so every instance reads a consistent state). The stored state is the truth:
 * instances read it every second and decide from it alone.
 */
export const CutoverState = z.object({
  v: z.literal(1),
  /** The share in force, in basis points. */
  share,
  /** The share before the last change (a step, a set, a rollback). */
  previous: share,
  /** The share a rollback goes back to: the last good step. */
  lastGood: share,
  /** When the share in force was set: the plan counts pairs from here. */
  since: z.number(),
  /**
   * The guard's window starts here at the earliest: the last rollback, resume or change by an
   * operator. A plan's step does not move it, so the pairs just before a step still count.
   */
  guardFrom: z.number(),
  /** Set from FORWARD_SOURCE / FORWARD_SOURCE_PLAN, or by the admin API or the CLI. */
  from: z.enum(['environment', 'switch']),
  plan: z
    .object({
      text: z.string(),
      steps: z.array(z.object({ share, at: z.number() })).min(1),
      /** The step in force; -1 before the first. */
      step: z.number().int().min(-1),
    })
    .nullable(),
  /** Set by a rollback: the plan takes no step until an operator resumes it. */
  paused: Rollback.nullable(),
});
export type CutoverState = z.infer<typeof CutoverState>;

/** A stored value as a state, or undefined when it is not one (a word such as `legacy`). */
export function readCutoverState(text: string): CutoverState | undefined {
  if (!text.startsWith('{')) return undefined;
  try {
    const parsed = CutoverState.safeParse(JSON.parse(text));
    return parsed.success ? parsed.data : undefined;
  } catch {
    return undefined;
  }
}

/** A fixed share (FORWARD_SOURCE=workflows:N%, or set by an operator), after `previous`. */
export function shareState(
  target: number,
  previous: number,
  now: number,
  from: CutoverState['from'],
): CutoverState {
  return {
    v: 1,
    share: target,
    previous,
    // Raising from a share that held counts that share as good; anything else falls back to 0%.
    lastGood: previous < target ? previous : 0,
    since: now,
    guardFrom: now,
    from,
    plan: null,
    paused: null,
  };
}

/** A plan at its start: the first step is taken at once when its time has come. */
export function planState(
  text: string,
  steps: PlanStep[],
  previous: number,
  now: number,
  from: CutoverState['from'],
): CutoverState {
  const start: CutoverState = {
    v: 1,
    share: 0,
    previous,
    lastGood: 0,
    since: now,
    guardFrom: now,
    from,
    plan: { text, steps, step: -1 },
    paused: null,
  };
  const first = steps[0];
  return first && first.at <= now ? advance(start, now) : start;
}

/** The plan's next step, taken. */
export function advance(state: CutoverState, now: number): CutoverState {
  const plan = state.plan;
  const next = plan?.steps[plan.step + 1];
  if (!plan || !next) return state;
  return {
    ...state,
    share: next.share,
    previous: state.share,
    lastGood: state.share,
    since: now,
    plan: { ...plan, step: plan.step + 1 },
  };
}

/** Back to the last good step, paused until an operator resumes. */
export function rollBack(
  state: CutoverState,
  cause: { reason: string; pairIds: string[] },
  now: number,
): CutoverState {
  const plan = state.plan;
  const to = state.lastGood;
  // In a plan, the step in force becomes the one whose share is `to`; the one before it is the
  // next rollback's target.
  let step = plan ? plan.step : -1;
  if (plan) {
    while (step >= 0 && (plan.steps[step]?.share ?? 0) > to) step--;
  }
  const before = plan && step >= 1 ? (plan.steps[step - 1]?.share ?? 0) : 0;
  return {
    ...state,
    share: to,
    previous: state.share,
    lastGood: plan ? before : 0,
    since: now,
    guardFrom: now,
    plan: plan ? { ...plan, step } : null,
    paused: {
      at: now,
      from: state.share,
      to,
      reason: cause.reason,
      pairIds: cause.pairIds.slice(0, 10),
    },
  };
}

/** An operator resumes after a rollback: pairs are counted anew from now. */
export function resume(state: CutoverState, now: number): CutoverState {
  return { ...state, paused: null, since: now, guardFrom: now };
}

/** One line for logs and the CLI: `workflows for 10% of customers (plan step 2 of 4)`. */
export function describeState(state: CutoverState): string {
  const plan = state.plan
    ? ` (plan step ${state.plan.step + 1} of ${state.plan.steps.length}: ${state.plan.text})`
    : '';
  const paused = state.paused
    ? `; paused since ${new Date(state.paused.at).toISOString()}: ${state.paused.reason}`
    : '';
  return `workflows for ${percent(state.share)} of customers, legacy for the rest${plan}${paused}`;
}
