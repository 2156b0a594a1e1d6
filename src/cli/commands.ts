import { eventDetailView, NOT_REPLAYED, quarantineView } from '../admin/views.js';
import { produceReport, REPORT_FORMATS, reportRange } from '../compare/report.js';
import { loadConfig, loadReportConfig } from '../config/config.js';
import {
  FORWARD_SOURCES,
  type ForwardMode,
  parseForwardSource,
  sourceText,
} from '../cutover/source-value.js';
import { readStatus, type StatusView } from '../cutover/status.js';
import { readStored, resetStored, resumeStored, setPlan, setSource } from '../cutover/stored.js';
import { Source } from '../normalize/normalized-schema.js';
import { createLogger } from '../ops/logger.js';
import { startService } from '../service.js';
import { openStore } from '../store/open-store.js';
import { EVENT_STATUSES, type EventStatus } from '../store/store.js';
import { codeOf } from '../util/errors.js';
import { writePrivateFile } from '../util/private-files.js';
import { beforeOf, type Command, fail, limitOf, line, UsageError, withStore } from './command.js';
import { cancel, customer } from './operating-commands.js';
import { table } from './table.js';
import { replayScopeOf, timeRangeOf } from './time-options.js';

export { type CliContext, type Command, UsageError } from './command.js';

const serve: Command = {
  name: 'serve',
  summary: 'run the service (the default command)',
  help: `usage: faceauth-shim [serve]

Runs the service: the webhook routes, the delivery to CALLBACK_URL, the admin API. Configured
by environment variables only (README.md, "Configuration"); a missing or invalid one stops the
start with exit code 2 and one line naming it. SIGTERM or SIGINT stops it cleanly (exit 0).`,
  options: {},
  async run(_values, _positionals, ctx) {
    const config = loadConfig(ctx.env);
    const logger = createLogger({ level: config.logLevel });
    const service = await startService(config, logger);
    const stopped = new Promise<void>((resolve) => {
      const shutdown = (signal: NodeJS.Signals) => {
        logger.info({ signal }, 'faceauth-shim: stopping');
        service.close().then(resolve, (error: unknown) => {
          logger.error({ err: error }, 'faceauth-shim: error while stopping');
          resolve();
        });
      };
      process.once('SIGTERM', shutdown);
      process.once('SIGINT', shutdown);
    });
    // A database the service waited for that then refuses it: stop, as at start (exit 2).
    await Promise.race([
      stopped,
      service.failed.catch(async (error: unknown) => {
        await service.close(0).catch(() => {});
        throw error;
      }),
    ]);
    return 0;
  },
};

const report: Command = {
  name: 'report',
  summary: 'the comparison report of the two sources, as JSON, Markdown or HTML',
  help: `usage: faceauth-shim report [--from ISO] [--to ISO] [--format json|md|html] [--out FILE]

Writes the comparison report of the legacy and Workflows sources over a range (default: the
last 7 days) to FILE, or to standard output; prints the verdict line on standard error.
Reads DATABASE_URL, COMPARE_MIN_PAIRS and COMPARE_MIN_AGREEMENT.

  --from ISO      start of the range, e.g. 2026-12-01T00:00:00Z (default: 7 days before --to)
  --to ISO        end of the range (default: now)
  --format F      json (default), md or html
  --out FILE      write to FILE instead of standard output`,
  options: {
    from: { type: 'string' },
    to: { type: 'string' },
    format: { type: 'string', default: 'json' },
    out: { type: 'string' },
  },
  async run(values, _positionals, ctx) {
    const format = REPORT_FORMATS.find((f) => f === values.format);
    if (!format) {
      throw new UsageError(`report --format takes json, md or html, not "${values.format}"`);
    }
    const range = reportRange(
      values.from as string | undefined,
      values.to as string | undefined,
      Date.now(),
    );
    if ('error' in range) throw new UsageError(`report --${range.error}`);
    const settings = loadReportConfig(ctx.env);
    const store = await openStore(settings.database, { mustExist: true });
    try {
      const produced = await produceReport(store, {
        ...range,
        format,
        minPairs: settings.compareMinPairs,
        minAgreement: settings.compareMinAgreement,
      });
      if (typeof values.out === 'string') {
        // 0600 when new: a report names customers and interviews.
        await writePrivateFile(values.out, produced.body);
        line(ctx, `wrote ${values.out}`);
      } else {
        ctx.write(produced.body);
      }
      ctx.note(`verdict: ${produced.report.verdict.line}\n`);
      return 0;
    } finally {
      await store.close();
    }
  },
};

const replay: Command = {
  name: 'replay',
  summary: 'send dead events (or one event) again, with their own event ids',
  help: `usage: faceauth-shim replay --status dead [--customer ID] [--from ISO] [--to ISO]
       faceauth-shim replay --status delivered (--customer ID | --from ISO) [--to ISO]
       faceauth-shim replay --id <event id>

Puts every dead event (of one customer, received in a range), or one event, back in the outbox
from its first attempt; the running service delivers it with its original X-Faceauth-Event-Id.
--status delivered sends delivered events again (a callback that lost them): it needs a
customer or a start. Reads DATABASE_URL. Exit code 1 when the event does not exist or cannot be
replayed (the reason is printed).

  --customer ID   only this customer's events
  --from ISO      only events received at or after, e.g. 2026-11-25T14:00:00Z
  --to ISO        only events received before`,
  options: {
    status: { type: 'string' },
    id: { type: 'string' },
    customer: { type: 'string' },
    from: { type: 'string' },
    to: { type: 'string' },
  },
  async run(values, _positionals, ctx) {
    if ((values.status === undefined) === (values.id === undefined)) {
      throw new UsageError('replay needs --status dead or --id <event id>');
    }
    if (values.status !== undefined && values.status !== 'dead' && values.status !== 'delivered') {
      throw new UsageError(`replay --status takes "dead" or "delivered", not "${values.status}"`);
    }
    const scope = replayScopeOf(values);
    if (values.id !== undefined && Object.keys(scope).length > 0) {
      throw new UsageError('replay --id takes no --customer, --from or --to');
    }
    if (values.status === 'delivered' && !scope.customerId && scope.from === undefined) {
      throw new UsageError('replay --status delivered needs --customer or --from');
    }
    return withStore(ctx, async (store) => {
      if (typeof values.id === 'string') {
        const result = await store.replay(values.id, Date.now());
        if (result === 'not_found') {
          fail(ctx, `event ${values.id}: not found`);
          return 1;
        }
        if (result !== 'replayed') {
          fail(ctx, `event ${values.id} ${NOT_REPLAYED[result]}; not replayed`);
          return 1;
        }
        line(ctx, `replayed event ${values.id}`);
      } else {
        const status = values.status === 'delivered' ? 'delivered' : 'dead';
        const count = await store.replayAll(status, Date.now(), scope);
        line(ctx, `replayed ${count} ${status} event${count === 1 ? '' : 's'}`);
      }
      return 0;
    });
  },
};

const events: Command = {
  name: 'events',
  summary: 'list stored events, newest first',
  help: `usage: faceauth-shim events [--status S] [--source S] [--customer ID] [--interview ID]
                            [--from ISO] [--to ISO] [--limit N] [--before CURSOR] [--json]

Lists stored events, newest first, a page at a time (what GET /admin/events answers), only those
matching every filter given, under a header: received, id, source, status, result, reason,
customer, and the other report of its login when both sources reported it. Reads DATABASE_URL.

  --status S      ${EVENT_STATUSES.join(', ')}
  --source S      legacy or workflows
  --customer ID   one customer's events
  --interview ID  one interview's events (one login)
  --from ISO      received at or after, e.g. 2026-11-25T14:00:00Z
  --to ISO        received before
  --limit N       events per page, 1 to 500 (default 50)
  --before CURSOR the page after the one that printed this "next" cursor
  --json          the page as JSON, as the admin API gives it`,
  options: {
    status: { type: 'string' },
    source: { type: 'string' },
    customer: { type: 'string' },
    interview: { type: 'string' },
    from: { type: 'string' },
    to: { type: 'string' },
    limit: { type: 'string' },
    before: { type: 'string' },
    json: { type: 'boolean', default: false },
  },
  async run(values, _positionals, ctx) {
    const status = EVENT_STATUSES.find((s) => s === values.status);
    if (values.status !== undefined && !status) {
      throw new UsageError(`--status takes ${EVENT_STATUSES.join(', ')}, not "${values.status}"`);
    }
    const source = Source.safeParse(values.source);
    if (values.source !== undefined && !source.success) {
      throw new UsageError(`--source takes legacy or workflows, not "${values.source}"`);
    }
    const id = (name: 'customer' | 'interview') => {
      const value = values[name];
      if (value !== undefined && (typeof value !== 'string' || value === '')) {
        throw new UsageError(`--${name} takes an id`);
      }
      return value;
    };
    const query = {
      status: status as EventStatus | undefined,
      source: source.success ? source.data : undefined,
      customerId: id('customer'),
      interviewId: id('interview'),
      ...timeRangeOf(values),
      limit: limitOf(values.limit, 50),
      before: beforeOf(values.before),
    };
    const page = await withStore(ctx, (store) => store.listEvents(query));
    if (values.json) {
      line(ctx, JSON.stringify({ events: page.items, next: page.next }, null, 2));
      return 0;
    }
    if (page.items.length === 0) line(ctx, 'no events');
    else {
      const rows = page.items.map((e) => [
        e.receivedAt,
        e.id,
        e.source,
        e.status,
        e.result.status ?? '-',
        e.result.reason ?? '-',
        e.result.customerId ?? '-',
        e.pair
          ? `${e.pair.counterpartId}${e.pair.forwarded ? ` (${e.pair.forwarded} sent)` : ''}`
          : '-',
      ]);
      const headers = [
        'RECEIVED',
        'ID',
        'SOURCE',
        'STATUS',
        'RESULT',
        'REASON',
        'CUSTOMER',
        'PAIR',
      ];
      for (const text of table(headers, rows)) line(ctx, text);
    }
    if (page.next) line(ctx, `next page: faceauth-shim events --before ${page.next}`);
    return 0;
  },
};

const event: Command = {
  name: 'event',
  summary: 'one event with its attempts, its raw body and what the callback gets',
  help: `usage: faceauth-shim event <event id>

Prints one event as JSON (what GET /admin/events/:id answers): its normalized result, its
delivery attempts, the raw body as Incode sent it, and under "callback" the body the callback
gets; for a shadowed event, the body it would get after a switch. Reads DATABASE_URL. Exit
code 1 when there is no such event.`,
  options: {},
  positionals: { min: 1, max: 1 },
  async run(_values, [id], ctx) {
    const found = await withStore(ctx, (store) => store.getEvent(id as string));
    if (!found) {
      fail(ctx, `event ${id}: not found`);
      return 1;
    }
    line(ctx, JSON.stringify(eventDetailView(found), null, 2));
    return 0;
  },
};

const quarantine: Command = {
  name: 'quarantine',
  summary: 'the rejected bodies, with their reasons',
  help: `usage: faceauth-shim quarantine [--limit N] [--before CURSOR]

Prints the quarantined (rejected) webhook bodies as JSON, newest first, with the status, code
and message each got (what GET /admin/quarantine answers). Reads DATABASE_URL.

  --limit N       entries per page, 1 to 500 (default 50)
  --before CURSOR the page after the one that printed this "next" cursor`,
  options: { limit: { type: 'string' }, before: { type: 'string' } },
  async run(values, _positionals, ctx) {
    const page = await withStore(ctx, (store) =>
      store.listQuarantine({ limit: limitOf(values.limit, 50), before: beforeOf(values.before) }),
    );
    line(ctx, JSON.stringify({ items: page.items.map(quarantineView), next: page.next }, null, 2));
    return 0;
  },
};

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

const forwardSource: Command = {
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

export const COMMANDS: readonly Command[] = [
  serve,
  report,
  replay,
  events,
  event,
  customer,
  cancel,
  quarantine,
  forwardSource,
];
