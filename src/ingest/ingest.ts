import { createHash, randomUUID } from 'node:crypto';
import { forwardingMode } from '../cutover/preference.js';
import type { ForwardMode } from '../cutover/source-value.js';
import type { SourceBody } from '../intake/parse-webhook.js';
import { SOURCE_OF, type WebhookKind } from '../intake/webhook-kinds.js';
import type { NewEvent } from '../store/accept-types.js';
import { orderKeyOf } from '../store/rules/ordering.js';
import { supersededBy } from '../store/rules/supersede.js';
import { type IngestRules, pairingOf } from './ingest-rules.js';
import { prepare } from './prepare.js';

/** A webhook body that passed its schema, as it arrived, and the moment's cut-over mode. */
export interface Arrival {
  kind: WebhookKind;
  /** The route it came on: with the bytes, its redelivery key. */
  route: string;
  /** The body as intake/parse-webhook.ts parsed and validated it. */
  body: SourceBody;
  bytes: Uint8Array;
  contentType: string;
  /** Milliseconds since the epoch. */
  receivedAt: number;
  /** FORWARD_SOURCE in force (cutover/switch.ts). */
  mode: ForwardMode;
  /** The delivery worker's offer to take it from memory after the commit (DeliveryWorker.offer). */
  fastPath?: { leaseUntil: number } | null;
  /** A new id when left out. */
  eventId?: string;
  /** Now, when the body is taken in later than it arrived (a re-ingest): a wait for the score runs from here. */
  now?: number;
  /** A quarantined body taken in again (NewEvent.reingest). */
  reingest?: NewEvent['reingest'];
}

export type Ingested =
  | { ok: true; event: NewEvent }
  | { ok: false; message: string; cause: unknown };

/**
 * What a webhook becomes, without HTTP: the event to store (store.accept), with its
 * redelivery key, its order key, the body the callback gets, whether it waits for its score,
 * whether an earlier Workflows event of its interview supersedes it, and how its login's other
 * report is found and compared. The webhook routes call it; so can anything that takes a body in
 * again (a quarantined body, say). Not ok when the body cannot be mapped (a gap in mappings/).
 */
export function ingest(arrival: Arrival, rules: IngestRules): Ingested {
  const { kind, route, bytes, receivedAt } = arrival;
  const id = arrival.eventId ?? randomUUID();
  let prepared: ReturnType<typeof prepare>;
  try {
    prepared = prepare(kind, arrival.body, bytes, { eventId: id, receivedAt }, rules);
  } catch (cause) {
    return {
      ok: false,
      message: `the body could not be mapped: ${(cause as Error).message}`,
      cause,
    };
  }
  const { enrichment } = rules;
  const enrich =
    enrichment &&
    (prepared.outcome === 'needs-score' || (prepared.outcome === 'result' && prepared.scorable))
      ? { deadline: (arrival.now ?? receivedAt) + enrichment.maxWaitMs }
      : null;
  const result =
    prepared.outcome === 'result'
      ? {
          normalized: prepared.normalized,
          forward: prepared.forward,
          legacyFields: prepared.legacyFields,
          notForwarded: null,
        }
      : {
          normalized: null,
          forward: null,
          legacyFields: [],
          notForwarded: enrich
            ? null
            : {
                status: 'informational' as const,
                note:
                  prepared.outcome === 'no-result'
                    ? prepared.note
                    : `${prepared.eventName} carries no outcome and the Incode API is not configured (INCODE_API_URL) to fetch it: stored, not forwarded`,
              },
        };
  const interviewId = result.normalized?.ids.interviewId ?? prepared.ids.interviewId;
  const customerId = result.normalized?.ids.customerId ?? prepared.ids.customerId;
  return {
    ok: true,
    event: {
      id,
      source: SOURCE_OF[kind],
      route,
      receivedAt,
      dedupKey: createHash('sha256').update(route).update('\n').update(bytes).digest('hex'),
      contentType: arrival.contentType,
      rawBody: bytes,
      ids: prepared.ids,
      eventName: prepared.eventName,
      ...result,
      enrich,
      mode: forwardingMode(arrival.mode),
      waitMs: rules.shadowFallbackAfterMs,
      orderKey: orderKeyOf(customerId, id),
      pairing: pairingOf(rules),
      supersededBy: result.notForwarded === null ? supersededBy(kind, interviewId) : null,
      fastPath: arrival.fastPath ?? null,
      ...(arrival.reingest ? { reingest: arrival.reingest } : {}),
    },
  };
}
