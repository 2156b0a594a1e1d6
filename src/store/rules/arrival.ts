import type { NewEvent } from '../accept-types.js';
import type { EventStatus } from '../store.js';
import { decideFate, preferenceOf } from './forwarding.js';
import { type LoginCandidate, type LoginIds, pickCounterpart } from './login.js';
import { supersededNote } from './supersede.js';

/** What happens to the login's other report when this one arrives (see decideFate). */
export type CounterpartAction =
  /** It was waiting: it will never be sent (this one is). */
  | 'settle'
  /** It was waiting with its body ready: it goes in line now (this one is shadowed). */
  | 'enqueue'
  /** It was waiting for its score: it is forwarded once scored (this one is shadowed). */
  | 'unshadow';

/**
 * What a new event becomes, decided once for every backend from the event and from what the
 * store holds: the earlier result that supersedes it, and the unmatched reports of the other
 * source that may be its login's other report, both read in the same transaction.
 */
export interface Arrival {
  status: EventStatus;
  /** Why it is not forwarded (informational, superseded). */
  note: string | null;
  /** It gets an outbox entry (forwarded now, or held until its score arrives) when it has a body. */
  forwarded: boolean;
  /** Its outbox entry is held, never due, until its score arrives (status enriching). */
  held: boolean;
  /** Not forwarded on arrival: it waits for its login's other report, or is shadowed. */
  shadowed: boolean;
  ids: { customerId: string | null; interviewId: string | null };
  /** When a waiting event is forwarded alone if its login's other report has not come (null: it does not wait). */
  fallbackAt: number | null;
  /** Waiting for its score: until `deadline`, `waitMs` long, first asked at `nextAt`. */
  enrich: { deadline: number; waitMs: number; nextAt: number } | null;
  /** Its login's other report, if one is stored: the two are paired now. */
  match: { counterpart: LoginCandidate; action: CounterpartAction | null } | null;
}

/** The ids an event is matched by: its result's, or those its body names when it has none yet. */
export function loginIdsOf(event: NewEvent): LoginIds {
  const ids = event.normalized?.ids ?? event.ids ?? { customerId: null, interviewId: null };
  return {
    source: event.source,
    customerId: ids.customerId,
    interviewId: ids.interviewId,
    receivedAt: event.receivedAt,
  };
}

/**
 * Whether the arrival looks for its login's other report: a report that is a result (or will be
 * one once scored), not a repeat of an earlier Workflows result, naming something to match on.
 * When false, the backend need not read the candidates.
 */
export function seeksCounterpart(
  event: NewEvent,
  earlier: { id: string; route: string } | undefined,
): boolean {
  if (earlier || event.notForwarded) return false;
  const ids = loginIdsOf(event);
  return ids.customerId !== null || ids.interviewId !== null;
}

/**
 * The status decision: superseded (an earlier Workflows result of the interview reached, or will
 * reach, the callback), informational, or a login's report, whose fate (forward, wait, shadow)
 * rules/forwarding.ts decides from the cut-over's preference and its login's other report among
 * `candidates`. Throws for an event with nothing to forward and no reason given (a bug in the
 * caller): the backend rolls the accept back.
 */
export function decideArrival(
  event: NewEvent,
  earlier: { id: string; route: string } | undefined,
  candidates: readonly LoginCandidate[],
): Arrival {
  const self = loginIdsOf(event);
  const ids = { customerId: self.customerId, interviewId: self.interviewId };
  const none = { shadowed: false, fallbackAt: null, enrich: null, match: null, held: false };
  if (earlier) {
    return {
      ...none,
      status: 'superseded',
      note: supersededNote(earlier),
      forwarded: false,
      ids,
    };
  }
  if (event.notForwarded) {
    const { status, note } = event.notForwarded;
    return { ...none, status, note, forwarded: false, ids };
  }
  const counterpart = seeksCounterpart(event, earlier)
    ? pickCounterpart(self, candidates, event.pairing.windowMs)
    : undefined;
  const preference = preferenceOf(
    event.mode,
    event.source,
    self.customerId ?? counterpart?.customerId ?? null,
  );
  const decision = decideFate(preference, counterpart?.fate, event.waitMs);
  const shadowed = decision.fate !== 'forward';
  let status: EventStatus;
  if (event.enrich) status = 'enriching';
  else if (event.forward === null) {
    throw new Error(`event ${event.id}: nothing to forward and no reason given`);
  } else status = shadowed ? 'shadowed' : 'pending';
  let action: CounterpartAction | null = null;
  if (decision.counterpart === 'settle') action = 'settle';
  else if (decision.counterpart === 'release') {
    action = counterpart?.status === 'enriching' ? 'unshadow' : 'enqueue';
  }
  return {
    status,
    note: null,
    forwarded: !shadowed,
    held: status === 'enriching',
    shadowed,
    ids,
    fallbackAt: decision.fate === 'wait' ? event.receivedAt + event.waitMs : null,
    enrich:
      status === 'enriching' && event.enrich
        ? {
            deadline: event.enrich.deadline,
            waitMs: event.enrich.deadline - event.receivedAt,
            nextAt: event.receivedAt,
          }
        : null,
    match: counterpart ? { counterpart, action } : null,
  };
}

/**
 * The fast path's rule: an event forwarded now is leased to the process that asked for it only
 * when no earlier entry of its order key is in the outbox (pending, leased or held anywhere);
 * otherwise it waits for a poll, behind the earlier one.
 */
export function fastPathLease(
  arrival: Arrival,
  event: NewEvent,
  earlierInLine: () => boolean,
): { leaseUntil: number } | null {
  if (arrival.status !== 'pending' || !event.fastPath) return null;
  return earlierInLine() ? null : event.fastPath;
}
