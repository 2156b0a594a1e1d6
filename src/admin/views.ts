import type { EventDetail, QuarantineRecord } from '../store/admin-types.js';
import type { CancelResult, ReplayResult } from '../store/delivery-types.js';
import { lineView } from './line-view.js';

// What the admin API and the CLI show of stored events and quarantined bodies: one shape for
// both, so `faceauth-shim event <id>` prints what `GET /admin/events/:id` answers.

const decoder = new TextDecoder('utf-8', { fatal: true });

/** A stored body as text when it is UTF-8, else base64. */
export function bodyFields(bytes: Uint8Array): { body: string } | { bodyBase64: string } {
  try {
    return { body: decoder.decode(bytes) };
  } catch {
    return { bodyBase64: Buffer.from(bytes).toString('base64') };
  }
}

/** One event with its attempts, its raw body, and the body the callback gets (or would get). */
export function eventDetailView(event: EventDetail) {
  const { rawBody, callbackBody, attemptHistory, pairDetail, line, ...rest } = event;
  return {
    ...rest,
    // Its login's other report: the counterpart, which one the callback got, the differences.
    pair: pairDetail
      ? { ...pairDetail, pairedAt: new Date(pairDetail.pairedAt).toISOString() }
      : null,
    // Its place in its customer's line: held behind a refused event, or holding others.
    line: lineView({ id: event.id, line }),
    attemptHistory: attemptHistory.map((a) => ({ ...a, at: new Date(a.at).toISOString() })),
    ...bodyFields(rawBody),
    // For a shadowed event: what the callback would get after a switch.
    callback: callbackBody
      ? { format: callbackBody.format, ...bodyFields(callbackBody.body) }
      : null,
  };
}

export function quarantineView({ body, ...rest }: QuarantineRecord) {
  return { ...rest, ...bodyFields(body) };
}

/** Why an event cannot be replayed, by its status. */
export const NOT_REPLAYED: Record<Exclude<ReplayResult, 'replayed' | 'not_found'>, string> = {
  pending: 'is already waiting for delivery',
  shadowed: 'is shadowed: its source is not forwarded',
  enriching: 'is waiting for its score from the Incode API',
  informational: 'says nothing about a face authentication: there is nothing to forward',
  superseded: 'is superseded: the callback gets the same authentication from an earlier event',
  cancelled: 'was cancelled by an operator: it is never delivered',
};

/** Why an event is not cancelled, by what the store answered. */
export const NOT_CANCELLED: Record<
  Exclude<CancelResult, 'cancelled' | 'not_found' | 'already_cancelled'>,
  string
> = {
  in_flight: 'is being sent right now; try again once this attempt is over (a few seconds)',
  delivered: 'was delivered already',
  shadowed: 'is shadowed: it is never sent anyway',
  informational: 'says nothing about a face authentication: it is never sent',
  superseded: 'is superseded: it is never sent',
};
