import { ALL } from '../store/rules/bucket.js';
import { FaceauthError } from '../util/errors.js';
import { planFrom } from './plan.js';
import { parseShare, shareText } from './share.js';
import { type CutoverState, planState, shareState } from './state.js';

/** FORWARD_SOURCE's words: which source the mode prefers when both report a login. */
export const FORWARD_SOURCES = ['legacy', 'workflows', 'both'] as const;
export type ForwardSource = (typeof FORWARD_SOURCES)[number];
/** FORWARD_SOURCE in full: a word, or a share of customers on Workflows (`workflows:10%`). */
export type ForwardSourceValue = ForwardSource | `workflows:${string}%`;

/** What decides forwarding: a word, or a share of customers with its state (plan, guard). */
export type ForwardMode = { word: ForwardSource } | { state: CutoverState };

/** Thrown for a value the cut-over refuses (API: 422, CLI: exit 2), with the reason. */
export class ForwardSourceError extends FaceauthError {
  override readonly name = 'ForwardSourceError';
  readonly code = 'forward_source_refused';
}

/** A FORWARD_SOURCE value as the environment, the admin API and the CLI accept it. */
export function parseForwardSource(
  text: string,
): { value: ForwardSourceValue } | { error: string } {
  const word = FORWARD_SOURCES.find((w) => w === text.trim());
  if (word) return { value: word };
  if (!text.trim().startsWith('workflows:')) {
    return {
      error: `expected ${FORWARD_SOURCES.join(', ')} or workflows:<N>% (a share of customers, 0 to 100), not "${text}"`,
    };
  }
  const parsed = parseShare(text);
  return 'error' in parsed ? parsed : { value: shareText(parsed.share) };
}

/** The text form of a mode. */
export function sourceText(mode: ForwardMode): ForwardSourceValue {
  return 'word' in mode ? mode.word : shareText(mode.state.share);
}

/** The share of customers whose Workflows reports are preferred; `both` counts as all. */
export function workflowsShare(mode: ForwardMode): number {
  if ('state' in mode) return mode.state.share;
  return mode.word === 'legacy' ? 0 : ALL;
}

/** Whether some customer's legacy reports are still preferred (or forwarded first, with `both`). */
export function legacyForwarded(mode: ForwardMode): boolean {
  if ('state' in mode) return mode.state.share < ALL;
  return mode.word !== 'workflows';
}

/** The share on Workflows before a change (`both` forwards legacy for everyone: 0). */
function shareBefore(mode: ForwardMode): number {
  if ('state' in mode) return mode.state.share;
  return mode.word === 'workflows' ? ALL : 0;
}

/**
 * The mode a value sets, after `current`. A share keeps counting from the share before it (the
 * last good step a rollback returns to); a word ends any share, plan and pause.
 */
export function modeFor(
  value: ForwardSourceValue,
  current: ForwardMode,
  now: number,
  from: CutoverState['from'],
): ForwardMode {
  const word = FORWARD_SOURCES.find((w) => w === value);
  if (word) return { word };
  const parsed = parseShare(value);
  if ('error' in parsed) throw new ForwardSourceError(parsed.error);
  return { state: shareState(parsed.share, shareBefore(current), now, from) };
}

/** The mode a plan sets: it starts now, its first step is taken at once when it is due. */
export function modeForPlan(
  text: string,
  current: ForwardMode,
  now: number,
  from: CutoverState['from'],
): { state: CutoverState } {
  const plan = planFrom(text, now);
  if ('error' in plan) throw new ForwardSourceError(plan.error);
  return { state: planState(text.trim(), plan.steps, shareBefore(current), now, from) };
}
