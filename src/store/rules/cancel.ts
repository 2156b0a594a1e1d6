import type { CancelResult } from '../delivery-types.js';
import type { EventStatus } from '../store.js';
import { fateOf } from './login.js';

/** The event to cancel as the store holds it, read under its row lock. */
export interface CancelTarget {
  status: EventStatus;
  shadowed: boolean;
  fallbackAt: number | null;
  /** Its outbox entry's lease, if it has an entry and one is taken (null: not leased). */
  leaseUntil: number | null;
}

/**
 * Whether an operator's cancel goes ahead, decided once for every backend. An event is
 * cancelled while it may still reach the callback: pending (not being sent now), dead,
 * waiting for its score, or waiting for its login's other report. Never one being sent right
 * now (its lease has not run out): the callback may be answering it, and an event must never
 * end up both delivered and cancelled. Pure.
 */
export function decideCancel(target: CancelTarget, now: number): CancelResult {
  if (target.leaseUntil !== null && target.leaseUntil > now) return 'in_flight';
  switch (target.status) {
    case 'pending':
    case 'dead':
      return 'cancelled';
    case 'cancelled':
      return 'already_cancelled';
    case 'delivered':
    case 'informational':
    case 'superseded':
      return target.status;
    case 'shadowed':
    case 'enriching': {
      // Shadowed for good, it is never sent anyway: nothing to cancel.
      const fate = fateOf(target);
      return fate === 'shadowed' ? 'shadowed' : 'cancelled';
    }
  }
}

/** The note a cancelled event carries. */
export const cancelledNote = (now: number) =>
  `cancelled by an operator at ${new Date(now).toISOString()}: never delivered; its login counts as forwarded (a report of the same login is not forwarded in its place)`;
