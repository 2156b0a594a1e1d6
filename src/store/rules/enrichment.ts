import type { NormalizedResult } from '../../normalize/normalized-schema.js';
import type { EnrichmentCompletion } from '../accept-types.js';
import type { CounterpartAction } from './arrival.js';
import { decideFate } from './forwarding.js';
import { type LoginCandidate, pickCounterpart } from './login.js';
import { type SupersedeRule, supersededNote } from './supersede.js';

/** The event whose wait for its score ends, as the store holds it. */
export interface WaitingEvent {
  id: string;
  /** Not to be forwarded when it arrived (it waits for its login's other report, or is shadowed). */
  shadowed: boolean;
  fallbackAt: number | null;
  receivedAt: number;
  /** Its login's other report, when the two are paired already. */
  pairedWith: LoginCandidate | null;
}

/** How an event's wait for its score ends, decided once for every backend. */
export type CompletionDecision =
  | {
      /** No outcome to forward: its outbox entry is dropped. */
      kind: 'ended';
      status: 'informational' | 'dead' | 'shadowed';
      note: string | null;
      lastError: string | null;
      /**
       * Its login's other report, shadowed because this one was to be forwarded, is forwarded
       * after all: the login must reach the callback.
       */
      release: { id: string; action: CounterpartAction } | null;
    }
  | {
      /** The callback got the same authentication meanwhile: its outbox entry is dropped. */
      kind: 'superseded';
      note: string;
    }
  | {
      /** An outcome: forwarded (its held outbox entry released, or made) unless shadowed. */
      kind: 'result';
      status: 'pending' | 'shadowed';
      forward: boolean;
      /** Still waiting for its login's other report until then; null once it is settled. */
      fallbackAt: number | null;
      /**
       * Its pair: `compare` (paired already: its differences computed now that it has a result),
       * or a new match with its login's other report, found with the ids the score completed.
       */
      pair:
        | { kind: 'compare'; counterpart: LoginCandidate }
        | { kind: 'new'; counterpart: LoginCandidate; action: CounterpartAction | null }
        | null;
    };

/** The earlier results to look for before deciding (null: no lookup needed). */
export function supersedeLookup(completion: EnrichmentCompletion): SupersedeRule | null {
  return 'status' in completion ? null : (completion.supersededBy ?? null);
}

/** Whether to read the candidates for a new match: an outcome, and no pair yet. */
export function seeksCounterpartOnCompletion(
  event: WaitingEvent,
  completion: EnrichmentCompletion,
): completion is Extract<EnrichmentCompletion, { normalized: NormalizedResult }> {
  return !('status' in completion) && event.pairedWith === null;
}

/**
 * Decides the end of an event's wait. `earlier`: the result found with supersedeLookup, if any.
 * `candidates`: the other source's unmatched reports (read when seeksCounterpartOnCompletion),
 * for an event that could not be matched when it arrived (its customer was not known yet). The
 * rules are those of an arrival (rules/forwarding.ts): one callback per login.
 */
export function decideCompletion(
  event: WaitingEvent,
  completion: EnrichmentCompletion,
  earlier: { id: string; route: string } | undefined,
  candidates: readonly LoginCandidate[] = [],
  windowMs = 0,
): CompletionDecision {
  const other = event.pairedWith;
  if ('status' in completion) {
    // Shadowed because its login's other report was forwarded: it stays shadowed, uncompared.
    const shadowedForGood = event.shadowed && event.fallbackAt === null;
    const status = shadowedForGood && completion.status === 'dead' ? 'shadowed' : completion.status;
    // This one was to reach the callback, and its login's other report was shadowed for it.
    const release =
      !event.shadowed && other?.fate === 'shadowed'
        ? {
            id: other.id,
            action: (other.status === 'enriching' ? 'unshadow' : 'enqueue') as CounterpartAction,
          }
        : null;
    return {
      kind: 'ended',
      status,
      note: completion.status === 'informational' || shadowedForGood ? completion.note : null,
      lastError: status === 'dead' ? completion.note : null,
      release,
    };
  }
  // An event that had no outcome until now (ONBOARDING_FINISHED) may find that the callback
  // got the same authentication meanwhile, from another webhook.
  if (earlier) return { kind: 'superseded', note: supersededNote(earlier) };
  if (other) {
    return {
      kind: 'result',
      status: event.shadowed ? 'shadowed' : 'pending',
      forward: !event.shadowed,
      fallbackAt: event.fallbackAt,
      pair: { kind: 'compare', counterpart: other },
    };
  }
  const ids = completion.normalized.ids;
  const counterpart = pickCounterpart(
    {
      source: completion.normalized.source,
      customerId: ids.customerId,
      interviewId: ids.interviewId,
      receivedAt: event.receivedAt,
    },
    candidates,
    windowMs,
  );
  if (!counterpart) {
    return {
      kind: 'result',
      status: event.shadowed ? 'shadowed' : 'pending',
      forward: !event.shadowed,
      fallbackAt: event.fallbackAt,
      pair: null,
    };
  }
  // As if it arrived now with these ids: one to be forwarded is the preferred report, one that
  // waits is the other source's.
  const decision = decideFate(event.shadowed ? 'other' : 'preferred', counterpart.fate, 0);
  const forward = decision.fate === 'forward';
  let action: CounterpartAction | null = null;
  if (decision.counterpart === 'settle') action = 'settle';
  else if (decision.counterpart === 'release') {
    action = counterpart.status === 'enriching' ? 'unshadow' : 'enqueue';
  }
  return {
    kind: 'result',
    status: forward ? 'pending' : 'shadowed',
    forward,
    fallbackAt: null,
    pair: { kind: 'new', counterpart, action },
  };
}
