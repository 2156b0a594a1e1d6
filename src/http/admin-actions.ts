import { NOT_CANCELLED, NOT_REPLAYED } from '../admin/views.js';
import type { Config } from '../config/config.js';
import { ForwardSourceError, parseForwardSource } from '../cutover/source-value.js';
import { readStatus } from '../cutover/status.js';
import type { ForwardSourceSwitch } from '../cutover/switch.js';
import { WEBHOOK_ROUTES } from '../intake/webhook-kinds.js';
import type { Logger } from '../ops/logger.js';
import type { ReplayScope } from '../store/delivery-types.js';
import type { EventStatus, Store } from '../store/store.js';
import { codeOf } from '../util/errors.js';
import { HttpError } from './http-error.js';
import type { Ingest } from './ingest.js';

// What an operator does, once: the admin API (admin-routes.ts, operating-routes.ts) and the
// operator console (console/) call these functions and only shape their answers. Each one
// either does its work and says what it did, or throws the HttpError the admin API answers.

export interface AdminActionDeps {
  store: Store;
  config: Pick<
    Config,
    | 'maxBodyBytes'
    | 'compareMinPairs'
    | 'compareMinAgreement'
    | 'forwardSourceGuard'
    | 'compareWindowMs'
  >;
  forwardSource: ForwardSourceSwitch;
  /** The webhooks' way in (ingest.ts): a quarantined body taken in again goes through it. */
  ingest: Ingest;
  /** Called when events are put back in the outbox or a line moved on (wakes the workers). */
  onEnqueued: () => void;
  logger: Logger;
}

/** What the guard goes by, from the configuration. */
export function guardSettings(config: AdminActionDeps['config']) {
  return {
    minPairs: config.compareMinPairs,
    minAgreement: config.compareMinAgreement,
    counts: config.forwardSourceGuard.counts,
    windowMs: config.forwardSourceGuard.windowMs,
    compareWindowMs: config.compareWindowMs,
  };
}

/** Where the cut-over stands: the share, the plan, the guard, and why the plan waits. */
export function cutoverStatus(
  deps: Pick<AdminActionDeps, 'store' | 'config' | 'forwardSource'>,
  now = Date.now(),
  range?: { from: number; to: number },
) {
  return readStatus(
    deps.store,
    deps.forwardSource.mode(),
    guardSettings(deps.config),
    now,
    deps.forwardSource.environment(),
    range,
  );
}

/** Sends one dead or delivered event again; its status after (pending, or enriching). */
export async function replayEvent(
  deps: AdminActionDeps,
  id: string,
): Promise<{ eventId: string; status: EventStatus }> {
  const result = await deps.store.replay(id, Date.now());
  if (result === 'not_found') throw new HttpError(404, 'not_found', `no event with id ${id}`);
  if (result !== 'replayed') {
    throw new HttpError(409, 'conflict', `event ${id} ${NOT_REPLAYED[result]}`);
  }
  deps.logger.info({ eventId: id }, 'admin: event replayed');
  deps.onEnqueued();
  // pending, or enriching: an ONBOARDING_FINISHED that never got its score asks for it again.
  const status = (await deps.store.getEvent(id))?.status ?? 'pending';
  return { eventId: id, status };
}

/** Every dead (or delivered) event in the scope sent again; how many. */
export async function replayEvents(
  deps: AdminActionDeps,
  status: 'dead' | 'delivered',
  scope: ReplayScope,
): Promise<number> {
  // Sending delivered events again is for a callback that lost them: a customer or a range.
  if (status === 'delivered' && scope.customerId === undefined && scope.from === undefined) {
    throw new HttpError(
      400,
      'invalid_query',
      'status=delivered sends delivered events again: give a customerId or a from',
    );
  }
  const replayed = await deps.store.replayAll(status, Date.now(), scope);
  deps.logger.info({ status, ...scope, replayed }, 'admin: events replayed');
  if (replayed > 0) deps.onEnqueued();
  return replayed;
}

/** Cancels an event: it is never delivered and its customer's line moves on. */
export async function cancelEvent(
  deps: AdminActionDeps,
  id: string,
): Promise<{ eventId: string; already: boolean }> {
  const result = await deps.store.cancel(id, Date.now());
  if (result === 'not_found') throw new HttpError(404, 'not_found', `no event with id ${id}`);
  if (result === 'cancelled' || result === 'already_cancelled') {
    if (result === 'cancelled') {
      deps.logger.warn({ eventId: id }, 'admin: event cancelled; it is never delivered');
      // Its customer's next event may be the head of the line now.
      deps.onEnqueued();
    }
    return { eventId: id, already: result === 'already_cancelled' };
  }
  throw new HttpError(
    409,
    'conflict',
    `event ${id} ${NOT_CANCELLED[result]}; not cancelled`,
    undefined,
    result === 'in_flight' ? 5 : undefined,
  );
}

/** A quarantined body taken in again through the webhook's own checks. */
export async function reingestQuarantined(
  deps: AdminActionDeps,
  id: string,
): Promise<
  { eventId: string; duplicate: false; status: EventStatus } | { eventId: string; duplicate: true }
> {
  const { store, config, ingest, logger } = deps;
  const entry = await store.getQuarantine(id);
  if (!entry) throw new HttpError(404, 'not_found', `no quarantined body with id ${id}`);
  if (entry.truncated) {
    throw new HttpError(
      409,
      'conflict',
      `quarantined body ${id} was kept cut short (it was longer than what is kept): it cannot be taken in again`,
    );
  }
  const kind = WEBHOOK_ROUTES[entry.route as keyof typeof WEBHOOK_ROUTES];
  if (!kind) {
    throw new HttpError(
      409,
      'conflict',
      `quarantined body ${id} came to ${entry.route}, no webhook route now`,
    );
  }
  const now = Date.now();
  // The webhook's own checks and store, on the body as it came, at the time it came (so it is
  // paired with its login's other report); only the credentials are the admin token's.
  const outcome = await ingest({
    route: entry.route,
    kind,
    contentType: entry.contentType ?? undefined,
    read: async () => ({
      bytes: entry.body,
      tooLarge: entry.body.byteLength > config.maxBodyBytes,
    }),
    receivedAt: Date.parse(entry.receivedAt),
    now,
    reingest: { quarantineId: id, at: now },
  });
  switch (outcome.kind) {
    case 'accepted':
      logger.warn(
        { quarantineId: id, eventId: outcome.eventId },
        'admin: quarantined body taken in again',
      );
      return { eventId: outcome.eventId, duplicate: false, status: outcome.status };
    case 'duplicate':
      return { eventId: outcome.eventId, duplicate: true };
    case 'unavailable':
      throw outcome.error;
    case 'rejected':
      logger.warn(
        { quarantineId: id, status: outcome.error.status, code: outcome.error.code },
        'admin: a quarantined body taken in again is still refused; it stays in quarantine',
      );
      throw new HttpError(
        outcome.error.status,
        outcome.error.code,
        `still refused (it stays in quarantine as ${id}): ${outcome.error.message}`,
        outcome.error.issues,
      );
  }
}

/** What an operator sets: a source (legacy, workflows, both, workflows:N%) or a plan. */
export type CutoverChange = { source: string } | { plan: string };

/** Stores an operator's source or plan; a refusal is a 422 saying why. */
export async function switchForwardSource(
  deps: Pick<AdminActionDeps, 'store' | 'config' | 'forwardSource' | 'logger'>,
  change: CutoverChange,
) {
  const { forwardSource, logger } = deps;
  const previous = forwardSource.get();
  const now = Date.now();
  try {
    if ('plan' in change) {
      await forwardSource.setPlan(change.plan, now);
    } else {
      const value = parseForwardSource(change.source);
      if ('error' in value) throw new ForwardSourceError(value.error);
      await forwardSource.set(value.value, now);
    }
  } catch (error) {
    if (codeOf(error) !== 'forward_source_refused') throw error;
    throw new HttpError(422, 'invalid_payload', (error as Error).message);
  }
  const source = forwardSource.get();
  logger.warn(
    { previous, forwardSource: source, ...('plan' in change ? { plan: change.plan } : {}) },
    'admin: FORWARD_SOURCE switched',
  );
  return { source, previous, status: await cutoverStatus(deps, now) };
}

/** Resumes a plan or share the guard paused; a refusal is a 409 saying why. */
export async function resumeCutover(
  deps: Pick<AdminActionDeps, 'store' | 'config' | 'forwardSource' | 'logger'>,
) {
  const now = Date.now();
  try {
    await deps.forwardSource.resume(now);
  } catch (error) {
    if (codeOf(error) !== 'forward_source_refused') throw error;
    throw new HttpError(409, 'conflict', (error as Error).message);
  }
  deps.logger.warn({ forwardSource: deps.forwardSource.get() }, 'admin: the cut-over resumed');
  return { status: await cutoverStatus(deps, now) };
}
