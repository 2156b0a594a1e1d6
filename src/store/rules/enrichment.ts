import type { EnrichmentCompletion } from '../store.js';
import { type SupersedeRule, supersededNote } from './supersede.js';

/** How an event's wait for its score ends, decided once for every backend. */
export type CompletionDecision =
  | {
      /** No outcome to forward: its outbox entry is dropped. */
      kind: 'ended';
      status: 'informational' | 'dead' | 'shadowed';
      note: string | null;
      lastError: string | null;
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
      /** Paired (or its pair's differences computed again) with the other source. */
      pair: boolean;
    };

/** The earlier results to look for before deciding (null: no lookup needed). */
export function supersedeLookup(completion: EnrichmentCompletion): SupersedeRule | null {
  return 'status' in completion ? null : (completion.supersededBy ?? null);
}

/**
 * Decides the end of an event's wait. `shadowed`: the event was stored shadowed (it is scored
 * only for the report). `earlier`: the result found with supersedeLookup, if any.
 */
export function decideCompletion(
  shadowed: boolean,
  completion: EnrichmentCompletion,
  earlier: { id: string; route: string } | undefined,
): CompletionDecision {
  if ('status' in completion) {
    // A shadowed event was never to be forwarded: it stays shadowed, uncompared.
    const status = shadowed && completion.status === 'dead' ? 'shadowed' : completion.status;
    return {
      kind: 'ended',
      status,
      note: completion.status === 'informational' || shadowed ? completion.note : null,
      lastError: completion.status === 'dead' && !shadowed ? completion.note : null,
    };
  }
  // An event that had no outcome until now (ONBOARDING_FINISHED) may find that the callback
  // got the same authentication meanwhile, from another webhook.
  if (earlier) return { kind: 'superseded', note: supersededNote(earlier) };
  return {
    kind: 'result',
    status: shadowed ? 'shadowed' : 'pending',
    forward: !shadowed,
    pair: !!completion.pairing && completion.normalized.ids.customerId !== null,
  };
}
