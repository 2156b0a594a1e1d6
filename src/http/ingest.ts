import type { Config } from '../config/config.js';
import type { ForwardSourceSwitch } from '../cutover/switch.js';
import type { DeliveryWorker } from '../delivery/delivery-worker.js';
import { handOver, type Workers } from '../ingest/hand-over.js';
import { ingest } from '../ingest/ingest.js';
import type { IngestRules } from '../ingest/ingest-rules.js';
import { isJsonContentType, parseWebhook } from '../intake/parse-webhook.js';
import type { WebhookKind } from '../intake/webhook-kinds.js';
import { loggableEventName } from '../normalize/interpret.js';
import type { Mappings } from '../normalize/tables.js';
import type { Logger } from '../ops/logger.js';
import type { EventStatus, Store } from '../store/store.js';
import { codeOf } from '../util/errors.js';
import { acceptDeadline } from './accept-deadline.js';
import { HttpError } from './http-error.js';

export interface IngestOptions {
  config: Pick<
    Config,
    | 'forwardFormat'
    | 'maxBodyBytes'
    | 'dedupWindowMs'
    | 'shadowFallbackAfterMs'
    | 'compareWindowMs'
    | 'acceptTimeoutMs'
  >;
  forwardSource: ForwardSourceSwitch;
  store: Store;
  mappings: Mappings;
  logger: Logger;
  /** Called after an event to forward is stored without the fast path (wakes the delivery worker). */
  onAccepted: () => void;
  /** The delivery worker's fast path: events handed over from memory right after the commit. */
  fastPath?: Pick<DeliveryWorker, 'offer' | 'deliverFresh'> | undefined;
  /** Set when the Incode API is configured: events are completed with their score first. */
  enrichment?: { maxWaitMs: number } | undefined;
  /** Called after an event that waits for its score is stored (wakes the enrichment worker). */
  onEnrich?: (() => void) | undefined;
}

/** A body to take in, with what the checks read of its request. */
export interface IngestInput {
  route: string;
  kind: WebhookKind;
  contentType: string | undefined;
  /** Reads the body up to MAX_BODY_BYTES (tooLarge: it was longer). */
  read(): Promise<{ bytes: Uint8Array; tooLarge: boolean }>;
  /** When Incode sent it (ms): its place among its login's reports and in the dedup window. */
  receivedAt: number;
  /** Now (ms): a wait for the score runs from here. */
  now: number;
  /** A quarantined body taken in again (NewEvent.reingest). */
  reingest?: { quarantineId: string; at: number };
}

export type IngestOutcome =
  | { kind: 'accepted'; eventId: string; status: EventStatus }
  | { kind: 'duplicate'; eventId: string }
  /** Refused by a check; `body` is what to keep in quarantine (none for 413). */
  | { kind: 'rejected'; error: HttpError; body?: { bytes: Uint8Array; truncated: boolean } }
  /** The store could not take it: 503, send it again later. */
  | { kind: 'unavailable'; error: HttpError };

export type Ingest = (input: IngestInput) => Promise<IngestOutcome>;

/**
 * A webhook body through the checks of docs/contract.md after the credentials, in their order:
 * content type (415), size (413), parse (400), format (422); then stored (accept) and handed to
 * the delivery. The one code path a body takes in: the webhook routes call it for what Incode
 * sends, POST /admin/quarantine/:id/reingest for a quarantined body taken in again.
 */
export function createIngest(options: IngestOptions): Ingest {
  const { config, store, mappings, logger, forwardSource } = options;
  const rules: IngestRules = {
    mappings,
    forwardFormat: config.forwardFormat,
    compareWindowMs: config.compareWindowMs,
    shadowFallbackAfterMs: config.shadowFallbackAfterMs,
    enrichment: options.enrichment,
  };
  const workers: Workers = {
    fastPath: options.fastPath,
    onAccepted: options.onAccepted,
    onEnrich: options.onEnrich,
  };

  return async function ingestBody(input: IngestInput): Promise<IngestOutcome> {
    const { route, kind, contentType, receivedAt } = input;
    if (!isJsonContentType(contentType)) {
      const { bytes, tooLarge } = await input.read();
      return {
        kind: 'rejected',
        error: new HttpError(
          415,
          'unsupported_media_type',
          `expected Content-Type: application/json, got ${contentType ? JSON.stringify(contentType) : 'none'}`,
        ),
        body: { bytes, truncated: tooLarge },
      };
    }
    const { bytes, tooLarge } = await input.read();
    if (tooLarge) {
      return {
        kind: 'rejected',
        error: new HttpError(
          413,
          'payload_too_large',
          `the body is larger than ${config.maxBodyBytes} bytes (MAX_BODY_BYTES)`,
        ),
      };
    }
    const parsed = parseWebhook(kind, bytes);
    if (!parsed.ok) {
      return {
        kind: 'rejected',
        error: new HttpError(parsed.status, parsed.code, parsed.message, parsed.issues),
        body: { bytes, truncated: false },
      };
    }
    // What the body becomes (src/ingest/ingest.ts), under the cut-over in force now.
    const made = ingest(
      {
        kind,
        route,
        body: parsed.body,
        bytes,
        contentType: contentType ?? 'application/json',
        receivedAt,
        now: input.now,
        mode: forwardSource.mode(),
        fastPath: options.fastPath?.offer(input.now) ?? null,
        ...(input.reingest ? { reingest: input.reingest } : {}),
      },
      rules,
    );
    if (!made.ok) {
      // A body that passed its schema but cannot be mapped: a gap in mappings/. Kept in
      // quarantine rather than retried by Incode into oblivion.
      logger.error({ err: made.cause, route }, 'webhook: a valid body could not be mapped');
      return {
        kind: 'rejected',
        error: new HttpError(422, 'invalid_payload', made.message),
        body: { bytes, truncated: false },
      };
    }
    const { event } = made;
    let accepted: Awaited<ReturnType<Store['accept']>>;
    // ACCEPT_TIMEOUT: a store that hangs gets a 503 answered at the deadline (accept-deadline.ts).
    const deadline = acceptDeadline(config.acceptTimeoutMs);
    const storedLate = (late: Awaited<ReturnType<Store['accept']>>) => {
      // A COMMIT sent in time, answered past the deadline: the event is stored although the
      // webhook got 503. Incode's resend is answered as a duplicate; it is delivered from here.
      if (late.duplicate) return;
      logger.warn({ route, eventId: late.eventId }, 'webhook: stored after its 503 answer');
      handOver(late, workers);
    };
    try {
      const accepting = store.accept(event, config.dedupWindowMs, deadline.at);
      accepted = await deadline.race(accepting, storedLate);
    } catch (error) {
      if (codeOf(error) !== 'store_unavailable') throw error;
      logger.error(
        { err: error, route },
        'webhook: cannot store the event; answered 503 so Incode retries',
      );
      return {
        kind: 'unavailable',
        error: new HttpError(
          503,
          'unavailable',
          'the event could not be stored; send it again later',
        ),
      };
    }
    const reingested = input.reingest ? { reingestedFrom: input.reingest.quarantineId } : {};
    if (accepted.duplicate) {
      logger.info(
        { route, eventId: accepted.eventId, ...reingested },
        'webhook: redelivery of a stored event; not forwarded again',
      );
      return { kind: 'duplicate', eventId: accepted.eventId };
    }
    logger.info(
      {
        route,
        eventId: event.id,
        source: event.source,
        event: loggableEventName(kind, event.eventName ?? null, mappings),
        result: event.normalized?.status ?? null,
        reason: event.normalized?.reason ?? null,
        status: accepted.status,
        ...reingested,
      },
      'webhook: accepted',
    );
    handOver(accepted, workers);
    return { kind: 'accepted', eventId: event.id, status: accepted.status ?? 'pending' };
  };
}
