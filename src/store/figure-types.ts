import type { PairDiff } from '../compare/diff/pair-diff.js';
import type { NormalizedResult, Source } from '../normalize/normalized-schema.js';
import type { EventStatus } from './rules/statuses.js';

// The figures the store reads for the comparison report, the cut-over guard, the console and
// the metrics (store.ts): index ranges, never a read of every event.

/** One event as the comparison report sees it. */
export interface ComparedEvent {
  eventId: string;
  source: Source;
  receivedAt: number;
  status: NormalizedResult['status'];
  reason: string | null;
  customerId: string | null;
  interviewId: string | null;
  delivery: EventStatus;
  deliveredAt: number | null;
  legacyFields: string[];
  paired: boolean;
  /** Whether the Incode API completed its numbers: null (not asked), scored, unavailable. */
  enrichment: 'scored' | 'unavailable' | null;
}

/** The two reports of one login, compared (both have a result). */
export interface StoredPair {
  legacy: ComparedEvent;
  workflows: ComparedEvent;
  /** Which report reached the callback (null: neither, e.g. both still waiting for a score). */
  forwarded: Source | null;
  statusAgrees: boolean;
  reasonAgrees: boolean;
  kind: string | null;
  differences: PairDiff['differences'];
}

/** Store.deliveryFigures: a range of time, and how far back the events are looked for. */
export interface DeliveryFiguresQuery {
  /** Deliveries and failed attempts in [from, to) (milliseconds since the epoch). */
  from: number;
  to: number;
  /** Of the events received in [since, to): an older event delivered now is not counted. */
  since: number;
}

/** Deliveries and failed attempts per minute, and the callback's last success and failure. */
export interface DeliveryFigures {
  /** Per minute that has any (its start, ms since the epoch), oldest first or in any order. */
  delivered: { minute: number; n: number }[];
  failed: { minute: number; n: number }[];
  lastSuccessAt: number | null;
  lastFailure: {
    at: number;
    statusCode: number | null;
    error: string | null;
    eventId: string;
  } | null;
}

/** Results that reached the callback, and how many passed. */
export interface ResultCounts {
  results: number;
  pass: number;
}

/** Store.populationFigures. */
export interface PopulationFigures {
  moved: ResultCounts;
  movedBefore: ResultCounts;
  notMoved: ResultCounts;
}

/** Logins by who reported them (Store.loginFigures). */
export interface LoginCounts {
  total: number;
  bothSources: number;
  legacyOnly: number;
  workflowsOnly: number;
}

export interface LoginFigures extends LoginCounts {
  /** Per UTC day (YYYY-MM-DD) that has any, oldest first. */
  perDay: (LoginCounts & { day: string })[];
}

/** Store.movedPairFigures: the pairs completed in [from, to) of the customers a share moves. */
export interface MovedPairFiguresQuery {
  from: number;
  to: number;
  belowBucket: number;
  /** How many ids of pairs that disagree, at most. */
  ids: number;
  /** A pair agrees on its status (`status`), or on its status and its reason (`reason`). */
  counts: 'status' | 'reason';
}

/**
 * How many moved pairs, how many agree, and the ids (`legacyEventId/workflowsEventId`) of the
 * first that do not, oldest first.
 */
export interface MovedPairFigures {
  pairs: number;
  agreeing: number;
  disagreeingIds: string[];
}

/** Store.populationFigures: [from, since) before the move, [since, to) after it. */
export interface PopulationFiguresQuery {
  from: number;
  since: number;
  to: number;
  belowBucket: number;
}

/** Store.comparisonData: the events of a range, and the pairs with an event in it. */
export interface ComparisonData {
  events: ComparedEvent[];
  pairs: StoredPair[];
}

/** Store.backlogFigures: the oldest pending event's arrival, and the customers held. */
export interface BacklogFigures {
  oldestPendingAt: number | null;
  heldCustomers: number;
}
