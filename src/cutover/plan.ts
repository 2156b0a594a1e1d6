import { parseDuration } from '../util/duration.js';
import { parseShare, percent } from './share.js';

/** A step of a plan as written: a share, and when it may be taken at the earliest. */
export type PlanStepText = { share: number } & ({ afterMs: number } | { notBefore: number });

/** A step of a stored plan: a share in basis points, the earliest time in ms since the epoch. */
export interface PlanStep {
  share: number;
  at: number;
}

const EXAMPLE = 'such as 1%,10%@2d,50%@7d,100%@14d';

/**
 * FORWARD_SOURCE_PLAN: steps separated by commas, each `<share>%` with an optional `@<when>`:
 * a duration after the plan starts (`@2d`, `@12h`) or a date-time (`@2026-12-15T09:00:00Z`).
 * A step without `@` may be taken as soon as the one before it. Shares must rise from step to
 * step, and no step may come earlier than the one before it.
 */
export function parsePlan(text: string): { steps: PlanStepText[] } | { error: string } {
  const parts = text.split(',').map((part) => part.trim());
  if (parts.length === 0 || parts.some((part) => part === '')) {
    return { error: `expected steps separated by commas, ${EXAMPLE}` };
  }
  const steps: PlanStepText[] = [];
  for (const part of parts) {
    const [shareWord = '', when, extra] = part.split('@');
    if (extra !== undefined) return { error: `step "${part}" has more than one @` };
    const parsed = parseShare(`workflows:${shareWord.trim()}`);
    if ('error' in parsed) {
      return { error: `step "${part}": expected a share from 0.01% to 100% ${EXAMPLE}` };
    }
    if (parsed.share === 0) return { error: `step "${part}": a step moves more than 0%` };
    const previous = steps.at(-1);
    if (previous && parsed.share <= previous.share) {
      return {
        error: `step "${part}" goes down or stays at ${percent(previous.share)}: each step's share must be larger than the one before`,
      };
    }
    if (when === undefined) {
      steps.push({ share: parsed.share, afterMs: 0 });
      continue;
    }
    const after = parseDuration(when);
    if (after !== undefined) {
      steps.push({ share: parsed.share, afterMs: after });
      continue;
    }
    const at = /^\d{4}-\d{2}-\d{2}/.test(when.trim()) ? Date.parse(when.trim()) : Number.NaN;
    if (Number.isNaN(at)) {
      return {
        error: `step "${part}": "${when}" is neither a duration (2d, 12h) nor a date-time (2026-12-15T09:00:00Z)`,
      };
    }
    steps.push({ share: parsed.share, notBefore: at });
  }
  return { steps };
}

/**
 * The plan's steps with their earliest times, for a plan that starts at `startedAt`; an error
 * when a step would come before the one ahead of it.
 */
export function resolvePlan(
  steps: readonly PlanStepText[],
  startedAt: number,
): { steps: PlanStep[] } | { error: string } {
  const resolved: PlanStep[] = [];
  for (const step of steps) {
    const at = 'afterMs' in step ? startedAt + step.afterMs : step.notBefore;
    const previous = resolved.at(-1);
    if (previous && at < previous.at) {
      return {
        error: `the step to ${percent(step.share)} (${new Date(at).toISOString()}) comes before the step to ${percent(previous.share)} (${new Date(previous.at).toISOString()})`,
      };
    }
    resolved.push({ share: step.share, at });
  }
  return { steps: resolved };
}

/** Parses and resolves a plan in one go (the API, the CLI and the start use this). */
export function planFrom(
  text: string,
  startedAt: number,
): { steps: PlanStep[] } | { error: string } {
  const parsed = parsePlan(text);
  return 'error' in parsed ? parsed : resolvePlan(parsed.steps, startedAt);
}
