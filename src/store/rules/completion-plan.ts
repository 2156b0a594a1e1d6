import type { EnrichmentCompletion, ForwardFormat } from '../accept-types.js';
import type { EventStatus } from '../store.js';
import type { CounterpartAction } from './arrival.js';
import { bucketOf } from './bucket.js';
import {
  type CompletionDecision,
  decideCompletion,
  seeksCounterpartOnCompletion,
  type WaitingEvent,
} from './enrichment.js';
import { type CounterpartQuery, counterpartQuery, type LoginCandidate } from './login.js';
import { compareResults, type NewPair, newPair, type PairComparison } from './pairing.js';

/** The event whose wait ends, as read under its row lock (with its status still enriching). */
export interface CompletedEvent {
  id: string;
  receivedAt: number;
  fallbackAt: number | null;
  customerId: string | null;
}

/** The event's row as its wait ends: plain values, each backend maps them to its columns. */
export interface EnrichedRowValues {
  id: string;
  /** The normalized result, JSON; null when the wait ends without one. */
  normalized: string | null;
  resultStatus: string | null;
  reason: string | null;
  /** Kept where the row names one already. */
  customerId: string | null;
  forwardFormat: ForwardFormat | null;
  forwardBody: Uint8Array | null;
  legacyFields: string;
  state: EnrichmentCompletion['state'];
  error: string | null;
  status: EventStatus;
  note: string | null;
  lastError: string | null;
  /** This completion followed a call to the Incode API (counted in its attempts). */
  called: boolean;
  fallbackAt: number | null;
  /** The customer's bucket, where a customer is known now; null keeps the row's. */
  bucket: number | null;
}

/** The writes that end a wait for a score, in the order they are applied. */
export interface CompletionPlan {
  status: EventStatus;
  row: EnrichedRowValues;
  /**
   * Its outbox entry: dropped (nothing to forward), or released with the scored body, due
   * `at` (made there when it had none: an event that had no body to hold).
   */
  outbox: { kind: 'drop' } | { kind: 'release'; body: Uint8Array; at: number };
  /**
   * Its pair (PAIRING_POINT: after the outbox entry): a new one with its login's other report,
   * or the comparison of the pair it was in already, now that both have a result.
   */
  pair:
    | { kind: 'insert'; pair: NewPair }
    | { kind: 'compare'; legacyId: string; workflowsId: string; comparison: PairComparison }
    | null;
  /** What this completion does to its login's other report (rules/arrival.ts CounterpartAction). */
  counterpart: { id: string; action: CounterpartAction; at: number } | null;
}

/** The writes of a completion, from the waiting event, the completion and decideCompletion's decision. */
export function planCompletion(
  event: CompletedEvent,
  completion: EnrichmentCompletion,
  decision: CompletionDecision,
  now: number,
): CompletionPlan {
  const scored = 'status' in completion ? null : completion;
  const known = scored?.normalized.ids.customerId ?? event.customerId;
  const base: EnrichedRowValues = {
    id: event.id,
    normalized: null,
    resultStatus: null,
    reason: null,
    customerId: null,
    forwardFormat: null,
    forwardBody: null,
    legacyFields: '[]',
    state: completion.state,
    error: completion.error,
    status: 'enriching',
    note: null,
    lastError: null,
    called: completion.called,
    fallbackAt: event.fallbackAt,
    bucket: known === null ? null : bucketOf(known),
  };
  if (decision.kind === 'ended') {
    const release = decision.release;
    return {
      status: decision.status,
      row: { ...base, status: decision.status, note: decision.note, lastError: decision.lastError },
      outbox: { kind: 'drop' },
      pair: null,
      counterpart: release ? { ...release, at: now } : null,
    };
  }
  if (!scored) throw new Error('unreachable: an ending without a result');
  const n = scored.normalized;
  const result = {
    ...base,
    normalized: JSON.stringify(n),
    resultStatus: n.status,
    reason: n.reason,
    customerId: n.ids.customerId,
    legacyFields: JSON.stringify(scored.legacyFields),
  };
  if (decision.kind === 'superseded') {
    return {
      status: 'superseded',
      row: { ...result, status: 'superseded', note: decision.note, fallbackAt: null },
      outbox: { kind: 'drop' },
      pair: null,
      counterpart: null,
    };
  }
  let pair: CompletionPlan['pair'] = null;
  let counterpart: CompletionPlan['counterpart'] = null;
  if (decision.pair?.kind === 'compare') {
    const other = decision.pair.counterpart;
    const comparison = compareResults(n.source, n, other.normalized, scored.pairing);
    const [legacyId, workflowsId] =
      n.source === 'legacy' ? [event.id, other.id] : [other.id, event.id];
    if (comparison) pair = { kind: 'compare', legacyId, workflowsId, comparison };
  } else if (decision.pair?.kind === 'new') {
    const { counterpart: other, action } = decision.pair;
    pair = {
      kind: 'insert',
      pair: newPair(
        {
          id: event.id,
          source: n.source,
          receivedAt: event.receivedAt,
          customerId: known,
          normalized: n,
        },
        other,
        scored.pairing,
        decision.forward ? n.source : other.source,
      ),
    };
    if (action) counterpart = { id: other.id, action, at: now };
  }
  return {
    status: decision.status,
    row: {
      ...result,
      forwardFormat: scored.forward.format,
      forwardBody: scored.forward.body,
      status: decision.status,
      fallbackAt: decision.fallbackAt,
    },
    outbox: decision.forward
      ? { kind: 'release', body: scored.forward.body, at: now }
      : { kind: 'drop' },
    pair,
    counterpart,
  };
}

/** The waiting event as its row is read (under its lock), with the pair it is in already. */
export interface WaitingRow extends CompletedEvent {
  shadowed: boolean;
  pairedWith: LoginCandidate | null;
}

/** The other source's unmatched reports to read for a new match; null: none to read. */
export function completionQuery(
  row: WaitingRow,
  completion: EnrichmentCompletion,
): CounterpartQuery | null {
  if (!seeksCounterpartOnCompletion(waitingOf(row), completion)) return null;
  const n = completion.normalized;
  return counterpartQuery(
    { ...n.ids, source: n.source, receivedAt: row.receivedAt },
    completion.pairing.windowMs,
  );
}

/**
 * The end of a wait, from the facts each backend reads (the row, the earlier result of
 * supersedeLookup, the candidates of completionQuery): decided (rules/enrichment.ts) and planned.
 */
export function decideAndPlanCompletion(
  row: WaitingRow,
  completion: EnrichmentCompletion,
  earlier: { id: string; route: string } | undefined,
  candidates: readonly LoginCandidate[],
  now: number,
): CompletionPlan {
  const windowMs = 'status' in completion ? 0 : completion.pairing.windowMs;
  const decision = decideCompletion(waitingOf(row), completion, earlier, candidates, windowMs);
  return planCompletion(row, completion, decision, now);
}

function waitingOf(row: WaitingRow): WaitingEvent {
  return {
    id: row.id,
    shadowed: row.shadowed,
    fallbackAt: row.fallbackAt,
    receivedAt: row.receivedAt,
    pairedWith: row.pairedWith,
  };
}
