import { loadReportConfig } from '../config/config.js';
import {
  FORWARD_SOURCES,
  type ForwardMode,
  parseForwardSource,
  sourceText,
} from '../cutover/source-value.js';
import { readStatus, type StatusView } from '../cutover/status.js';
import { readStored, resetStored, resumeStored, setPlan, setSource } from '../cutover/stored.js';
import { codeOf } from '../util/errors.js';
import { type Command, fail, line, UsageError, withStore } from './command.js';

/** The status as lines a person reads. */
function statusLines(status: StatusView): string[] {
  const lines = [`forwarded: ${status.source} (${status.share} of customers on Workflows)`];
  if (status.plan) {
    lines.push(
      `plan: ${status.plan.text} (step ${status.plan.step} of ${status.plan.steps.length})`,
    );
    for (const step of status.plan.steps) {
      lines.push(`  ${step.taken ? '[x]' : '[ ]'} ${step.share} not before ${step.notBefore}`);
    }
  }
  if (status.paused) {
    lines.push(
      `paused by the guard at ${status.paused.at}: ${status.paused.from} back to ${status.paused.to}: ${status.paused.reason}`,
    );
    if (status.paused.pairIds.length > 0)
      lines.push(`  pairs: ${status.paused.pairIds.join(', ')}`);
    lines.push('  resume with: faceauth-shim forward-source resume');
  }
  if (status.guard) {
    const agreement = (a: number | null) => (a === null ? 'no pairs' : `${(a * 100).toFixed(1)}%`);
    lines.push(
      `guard: ${status.guard.status}; window since ${status.guard.windowFrom}: ${status.guard.window.pairs} pairs, agreement ${agreement(status.guard.window.agreement)}; since the last step: ${status.guard.sinceStep.pairs} pairs, agreement ${agreement(status.guard.sinceStep.agreement)}`,
    );
  }
  if (status.next) lines.push(`next: ${status.next.action}: ${status.next.reason}`);
  const logins = status.logins;
  lines.push(
    `logins since ${logins.range.from}: ${logins.total} in all, ${logins.bothSources} reported by both webhooks, ${logins.legacyOnly} by the legacy webhook only, ${logins.workflowsOnly} by Workflows only`,
  );
  lines.push(`  reality: ${logins.reality}: ${logins.line}`);
  lines.push(`  next step: ${logins.next}`);
  for (const instance of status.environments.instances) {
    lines.push(
      `instance ${instance.instance} (seen ${instance.seenAt}): its environment asks for ${instance.forwardSource}${instance.differs ? ' (differs from the stored cut-over, which holds)' : ''}`,
    );
  }
  lines.push(`legacy webhook: ${status.legacy.timeLeft}`);
  return lines;
}

export const forwardSource: Command = {
  name: 'forward-source',
  summary: 'show or change the cut-over: the preferred source, a share of customers or a plan',
  help: `usage: faceauth-shim forward-source [show]
       faceauth-shim forward-source set legacy|workflows|both|workflows:<N>%
       faceauth-shim forward-source plan <steps>     e.g. 1%,10%@2d,50%@7d,100%@14d
       faceauth-shim forward-source resume
       faceauth-shim forward-source reset

The cut-over, as stored in the database for every instance (the CLI counterpart of
PUT /admin/forward-source; it needs no ADMIN_TOKEN). A running service obeys a change within a
second or two; a report keeps the decision made when it arrived. A restart never changes it.

  show     the value in force; the logins of the last 7 days by who reported them (both
           webhooks, legacy only, Workflows only) and what that says; for a share: the plan's
           steps, the guard's figures and why the plan waits; each instance's environment
  set S    store S for every instance until an operator changes it again. workflows:<N>%
           prefers Workflows for N% of customers (by a stable hash of the customer id), guarded
  plan P   store a plan, which starts now: steps of a share and an earliest time (@2d after
           the start, or @2026-12-15T09:00:00Z); shares must rise from step to step
  resume   after the guard rolled a share back and paused: go on (pairs are counted anew)
  reset    forget the stored cut-over: the next instance to look stores its own FORWARD_SOURCE
           (or FORWARD_SOURCE_PLAN), for every instance

Reads DATABASE_URL, and COMPARE_MIN_PAIRS, COMPARE_MIN_AGREEMENT, COMPARE_WINDOW and
FORWARD_SOURCE_GUARD_* to say where a plan stands.`,
  options: {},
  positionals: { min: 0, max: 2 },
  async run(_values, [action = 'show', value], ctx) {
    return withStore(ctx, async (store) => {
      const now = Date.now();
      const show = async (mode: ForwardMode) => {
        const status = await readStatus(store, mode, loadReportConfig(ctx.env).guard, now);
        for (const text of statusLines(status)) line(ctx, text);
      };
      const refused = (error: unknown, verb: string) => {
        if (codeOf(error) !== 'forward_source_refused') throw error;
        throw new UsageError(`forward-source ${verb}: ${(error as Error).message}`);
      };
      if (action === 'show') {
        if (value !== undefined) throw new UsageError('forward-source show takes no value');
        const stored = await readStored(store);
        if (!stored) {
          line(
            ctx,
            'nothing stored: the next instance to start (or to look, within a second) stores its FORWARD_SOURCE for every instance',
          );
          await show({ word: 'legacy' });
          return 0;
        }
        line(ctx, `stored: ${sourceText(stored.mode)} since ${stored.since}`);
        await show(stored.mode);
        return 0;
      }
      if (action === 'set') {
        const parsed = parseForwardSource(value ?? '');
        if ('error' in parsed) {
          throw new UsageError(
            `forward-source set takes ${FORWARD_SOURCES.join(', ')} or workflows:<N>%, not ${value === undefined ? 'nothing' : `"${value}"`}${value?.startsWith('workflows:') ? `: ${parsed.error}` : ''}`,
          );
        }
        const before = await readStored(store);
        await setSource(store, parsed.value, now).catch((error: unknown) => refused(error, 'set'));
        line(
          ctx,
          `stored ${parsed.value}${before ? ` (was ${sourceText(before.mode)})` : ''} for every instance`,
        );
        return 0;
      }
      if (action === 'plan') {
        if (value === undefined) throw new UsageError('forward-source plan takes the steps');
        let mode: ForwardMode | undefined;
        try {
          mode = await setPlan(store, value, now);
        } catch (error) {
          refused(error, 'plan');
        }
        line(ctx, `plan stored: ${value}`);
        if (mode) await show(mode);
        return 0;
      }
      if (action === 'resume') {
        if (value !== undefined) throw new UsageError('forward-source resume takes no value');
        let mode: ForwardMode;
        try {
          mode = await resumeStored(store, now);
        } catch (error) {
          if (codeOf(error) !== 'forward_source_refused') throw error;
          fail(ctx, (error as Error).message);
          return 1;
        }
        line(ctx, `resumed at ${sourceText(mode)}`);
        await show(mode);
        return 0;
      }
      if (action === 'reset') {
        if (value !== undefined) throw new UsageError('forward-source reset takes no value');
        await resetStored(store);
        line(
          ctx,
          'forgotten: the next instance to look (within a second) stores its FORWARD_SOURCE (or FORWARD_SOURCE_PLAN) for every instance',
        );
        return 0;
      }
      throw new UsageError(
        `forward-source takes show, set, plan, resume or reset, not "${action}"`,
      );
    });
  },
};
