import type { NormalizedResult, Source } from '../normalize/normalized-schema.js';
import type { OutboxItem } from './delivery-types.js';
import type { ForwardingMode } from './rules/forwarding.js';
import type { PairingRule } from './rules/pairing.js';
import type { EventStatus } from './rules/statuses.js';
import type { SupersedeRule } from './rules/supersede.js';

// What an event brings to the store and what it becomes (Store.accept), and how its wait for
// its score ends (Store.claimEnrichment, Store.completeEnrichment): part of the storage
// contract (store.ts).

export type ForwardFormat = 'legacy' | 'normalized';

export interface NewEvent {
  id: string;
  source: Source;
  route: string;
  /** Milliseconds since the epoch. */
  receivedAt: number;
  /** Identifies a redelivery: same route, same body. */
  dedupKey: string;
  contentType: string;
  rawBody: Uint8Array;
  /** Null for an event that carries no outcome (yet): SESSION_STARTED, ONBOARDING_FINISHED. */
  normalized: NormalizedResult | null;
  /** Where `normalized` is null: the ids the body carries. */
  ids?: { customerId: string | null; interviewId: string | null };
  /** SESSION_SUCCEEDED, ONBOARDING_FINISHED, ...; null or absent for the other webhooks. */
  eventName?: string | null;
  /**
   * What the callback gets for this event, rendered when it arrives (also for a shadowed one);
   * null when there is nothing to forward (yet).
   */
  forward: { format: ForwardFormat; body: Uint8Array } | null;
  /**
   * The cut-over mode (FORWARD_SOURCE) when it arrived: the store decides its fate from the
   * preference it gives this report (rules/forwarding.ts preferenceOf, with the customer of its
   * login's other report where it names none) and from that other report.
   */
  mode: ForwardingMode;
  /**
   * SHADOW_FALLBACK_AFTER: how long a report of the source not preferred waits for its login's
   * other report before it is forwarded alone (0: it does not wait).
   */
  waitMs: number;
  /** Not forwarded, and why (see EVENT_STATUSES). */
  notForwarded?: { status: 'informational'; note: string } | null;
  /**
   * Completed with its score before it is forwarded: status enriching until `deadline`.
   * Its outbox entry (if it has a body already) is held so the customer's later events wait.
   */
  enrich?: { deadline: number } | null;
  /**
   * The same authentication as an earlier Workflows event of this interview received on one
   * of these routes: stored as superseded, not forwarded or compared.
   */
  supersededBy?: SupersedeRule | null;
  /** Events with the same key reach the callback in arrival order (the customer). */
  orderKey: string;
  /**
   * The fast path: the delivery worker of this process takes the event from memory right after
   * the commit. When it is forwarded now and no earlier entry of its order key waits, its outbox
   * entry is stored leased to this process until `leaseUntil` (no poll claims it), and the
   * accept result carries it as `fresh`. Otherwise the entry waits for a poll, as without this.
   */
  fastPath?: { leaseUntil: number } | null;
  /** Which LEGACY_ONLY_FIELDS the event's legacy-shaped body carries (for the report). */
  legacyFields?: string[];
  /**
   * A quarantined body taken in again (POST /admin/quarantine/:id/reingest): the quarantine
   * entry is marked with the event's id in the same transaction. Once: a body re-ingested
   * already (or at another store at the same moment) makes this accept a duplicate naming that
   * event; a body that is a redelivery marks the entry with the first event's id.
   */
  reingest?: { quarantineId: string; at: number } | null;
  /** How its login's other report is found (COMPARE_WINDOW) and compared (mappings/comparison.yaml). */
  pairing: PairingRule;
}

export interface AcceptResult {
  eventId: string;
  /** True when the same body reached the same route within the dedup window. */
  duplicate: boolean;
  /** The status the event was stored with (for a duplicate: undefined). */
  status?: EventStatus;
  /** Taken by the fast path (NewEvent.fastPath): deliver it now; it is leased until then. */
  fresh?: OutboxItem & { leaseUntil: number };
  /** Its login's other report, which was waiting, was put in line now (wake the delivery worker). */
  counterpartEnqueued?: boolean;
}

/** An event waiting for its score. */
export interface EnrichmentItem {
  eventId: string;
  route: string;
  receivedAt: number;
  rawBody: Uint8Array;
  interviewId: string | null;
  /** When it is forwarded without the numbers (milliseconds since the epoch). */
  deadline: number;
  /** Calls to the Incode API made for it so far. */
  attempts: number;
  /** What the last call got, if it failed. */
  lastError: string | null;
}

/** How an event's wait for its score ends. */
export type EnrichmentCompletion =
  | {
      /** Forward it: with the numbers (scored), or without them (unavailable). */
      state: 'scored' | 'unavailable';
      normalized: NormalizedResult;
      forward: { format: ForwardFormat; body: Uint8Array };
      legacyFields: string[];
      error: string | null;
      /** Whether this completion follows a call to the Incode API (counted in attempts). */
      called: boolean;
      /** How its login's other report is found and compared (as NewEvent.pairing). */
      pairing: NewEvent['pairing'];
      /** As NewEvent.supersededBy: checked again now that the event has an outcome. */
      supersededBy?: NewEvent['supersededBy'];
    }
  | {
      /** Nothing to forward: informational (the score gives no outcome) or dead (no score came). */
      state: 'scored' | 'unavailable';
      status: 'informational' | 'dead';
      note: string;
      error: string | null;
      called: boolean;
    };
