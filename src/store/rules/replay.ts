import type { ReplayResult } from '../delivery-types.js';
import type { EventStatus } from '../store.js';

/**
 * Events replayed per transaction by a bulk replay, on every backend: a replay of thousands of
 * dead events never holds one transaction (and, on PostgreSQL, its lines' locks) for all of
 * them; each batch is committed before the next is read.
 */
export const REPLAY_BATCH = 200;

/** Only a delivered or dead event is sent again; any other status is the answer, unchanged. */
export function replayOutcome(status: EventStatus): ReplayResult | 'replay' {
  return status === 'delivered' || status === 'dead' ? 'replay' : status;
}

/**
 * A requeue's writes: every event's success of the round that ends is kept as an attempt row;
 * one that never had a result (no score came for its ONBOARDING_FINISHED) waits for its score
 * again, the others go back in line with the body they were rendered with.
 */
export function planRequeue(events: readonly { id: string; needsScore: boolean }[]): {
  reenrich: string[];
  enqueue: string[];
} {
  return {
    reenrich: events.filter((e) => e.needsScore).map((e) => e.id),
    enqueue: events.filter((e) => !e.needsScore).map((e) => e.id),
  };
}

/** Whether a bulk replay reads another batch: the last was full, and it replayed some of it. */
export function replayGoesOn(found: number, replayed: number): boolean {
  return found === REPLAY_BATCH && replayed > 0;
}
