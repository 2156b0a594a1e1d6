import type { DeliveryWorker } from '../delivery/delivery-worker.js';
import type { AcceptResult } from '../store/accept-types.js';

/** Who is told when an accepted event has work for them. */
export interface Workers {
  /** The delivery worker's fast path: an event leased to it in the accept, sent from memory. */
  fastPath?: Pick<DeliveryWorker, 'deliverFresh'> | undefined;
  /** Something was put in the outbox without the fast path (wakes the delivery worker). */
  onAccepted: () => void;
  /** Something waits for its score (wakes the enrichment worker). */
  onEnrich?: (() => void) | undefined;
}

/**
 * Hands a stored event to the workers, as its accept left it: from memory when the fast path
 * took it, otherwise by waking the worker that reads what it left (a login's other report put
 * in line, an event waiting for its score). A duplicate has nothing for them.
 */
export function handOver(accepted: AcceptResult, workers: Workers): void {
  if (accepted.duplicate) return;
  if (accepted.fresh) workers.fastPath?.deliverFresh(accepted.fresh);
  else if (accepted.status === 'pending') workers.onAccepted();
  if (accepted.counterpartEnqueued) workers.onAccepted();
  if (accepted.status === 'enriching') workers.onEnrich?.();
}
