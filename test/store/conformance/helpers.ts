import { expect } from 'vitest';
import type { NewEvent } from '../../../src/store/accept-types.js';
import type { AttemptRecord, OutboxItem } from '../../../src/store/delivery-types.js';
import type { Store } from '../../../src/store/store.js';
import { type EventSpec, newEvent, T0 } from '../../helpers/new-event.js';

export const MINUTE = 60_000;
export const HOUR = 60 * MINUTE;
export const DEDUP = HOUR;
export const LEASE = 30_000;

export const attempt = (over: Partial<AttemptRecord> = {}): AttemptRecord => ({
  at: T0,
  durationMs: 12,
  statusCode: 500,
  error: null,
  ...over,
});
export const ids = (items: OutboxItem[]) => items.map((i) => i.eventId).sort();
export const text = (bytes: Uint8Array | undefined) => Buffer.from(bytes ?? []).toString('utf8');

/** Accepts an event, claims it and records a failure that makes it dead. */
export async function deadEvent(store: Store, spec: EventSpec, now = T0): Promise<NewEvent> {
  const event = newEvent(spec);
  await store.accept(event, DEDUP);
  const claimed = await store.claimDue(now + 10 * HOUR, 100, LEASE);
  expect(claimed.map((c) => c.eventId)).toContain(event.id);
  await store.recordFailed(event.id, attempt({ at: now, statusCode: 410, error: 'gone' }), 'dead');
  await store.releaseLeases();
  return event;
}
