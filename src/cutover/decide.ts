import type { Source } from '../normalize/normalized-schema.js';
import type { ComparedEvent } from '../store/store.js';
import { bucketOf } from './bucket.js';
import type { CutoverState } from './state.js';

/** What an arriving event tells about itself. */
export interface EventFacts {
  source: Source;
  customerId: string | null;
  interviewId: string | null;
  receivedAt: number;
}

/** The counterpart already stored, and whether it was forwarded or shadowed. */
export interface KnownCounterpart {
  eventId: string;
  shadowed: boolean;
}

/**
 * Whether the decision for this event depends on its counterpart from the other source, if
 * one is stored (within COMPARE_WINDOW). Three cases, all rare or short-lived, so the lookup
 * stays off the hot path:
 * - a Workflows event that names no customer (a session event): it cannot be bucketed;
 * - a legacy event of a moved customer: its Workflows counterpart may have come first without a
 *   customer id, and was then shadowed (below), so this one must be forwarded;
 * - the share changed (a step, a set, a rollback) within COMPARE_WINDOW before the event: its
 *   counterpart may have been decided under the share before.
 */
export function needsCounterpart(
  event: EventFacts,
  state: CutoverState,
  compareWindowMs: number,
): boolean {
  if (event.customerId === null) return event.interviewId !== null;
  if (event.source === 'legacy' && bucketOf(event.customerId) < state.share) return true;
  return event.receivedAt - state.since <= compareWindowMs;
}

/**
 * Whether an event is shadowed under a share. The counterpart decides first: one forwarded
 * makes this one shadowed, one shadowed makes this one forwarded, so both events of one
 * authentication get one callback between them in every arrival order, even across a change
 * of the share. Without a counterpart, the customer's bucket decides: a moved customer's
 * Workflows events are forwarded and legacy events shadowed, the others the other way round.
 * A Workflows event that names no customer and has no counterpart yet is shadowed: its legacy
 * counterpart, arriving later, is then forwarded, and SHADOW_FALLBACK_AFTER forwards it when
 * no counterpart comes at all.
 */
export function shadowedByShare(
  event: EventFacts,
  state: CutoverState,
  counterpart: KnownCounterpart | undefined,
): boolean {
  if (counterpart) return !counterpart.shadowed;
  if (event.customerId === null) return true;
  const moved = bucketOf(event.customerId) < state.share;
  return event.source === 'workflows' ? !moved : moved;
}

/** Statuses whose forwarding is known: forwarded, or shadowed. */
const FORWARDED = new Set(['pending', 'delivered', 'dead']);

/**
 * Whether a stored counterpart reaches the callback: forwarded, shadowed, or undefined when
 * that says nothing (informational, superseded). One still waiting for its score goes as it was
 * decided when it arrived (`shadowed`): forwarded once scored, or not.
 */
function forwardedOf(other: ComparedEvent & { shadowed?: boolean }): boolean | undefined {
  if (FORWARDED.has(other.delivery)) return true;
  if (other.delivery === 'shadowed') return false;
  if (other.delivery === 'enriching' && other.shadowed !== undefined) return !other.shadowed;
  return undefined;
}

/**
 * The counterpart of an arriving event among the stored ones, as the store pairs and the shadow
 * fallback match: the other source, within the window, the same customer (and interview where
 * both carry one) or, where one names no customer, the same interview; not paired already (a
 * paired event belongs to another authentication). The nearest in time wins. An event still
 * waiting for its score counts as it was decided when it arrived (forwardedOf).
 */
export function findCounterpart(
  event: EventFacts,
  stored: readonly (ComparedEvent & { shadowed?: boolean })[],
  compareWindowMs: number,
): KnownCounterpart | undefined {
  let best: (ComparedEvent & { shadowed?: boolean }) | undefined;
  for (const other of stored) {
    if (other.source === event.source || other.paired) continue;
    if (Math.abs(other.receivedAt - event.receivedAt) > compareWindowMs) continue;
    if (forwardedOf(other) === undefined) continue;
    const sameCustomer =
      event.customerId !== null &&
      other.customerId === event.customerId &&
      (event.interviewId === null ||
        other.interviewId === null ||
        other.interviewId === event.interviewId);
    const sameInterview =
      event.interviewId !== null &&
      other.interviewId === event.interviewId &&
      (event.customerId === null || other.customerId === null);
    if (!sameCustomer && !sameInterview) continue;
    if (
      !best ||
      Math.abs(other.receivedAt - event.receivedAt) < Math.abs(best.receivedAt - event.receivedAt)
    ) {
      best = other;
    }
  }
  return best && { eventId: best.eventId, shadowed: forwardedOf(best) === false };
}
