import { expect, it } from 'vitest';
import type { QuarantineEntry } from '../../../src/store/admin-types.js';
import type { AttemptRecord } from '../../../src/store/delivery-types.js';
import type { Store } from '../../../src/store/store.js';
import { newEvent, T0 } from '../../helpers/new-event.js';
import { describePostgres, registerEmptySchemas } from '../../helpers/postgres.js';
import { sharedSchema } from '../../helpers/postgres-stores.js';

// What operators do, with several instances on one PostgreSQL database: a cancel, a hold that
// runs out and a re-ingest are each done once, at the same instant at two or three stores, and an
// event is never both delivered and cancelled (store.ts, CONCURRENCY).

const MINUTE = 60_000;
const DEDUP = 60 * MINUTE;
const LEASE = 30_000;
const range = (n: number) => Array.from({ length: n }, (_, i) => i);
const attempt = (statusCode: number): AttemptRecord => ({
  at: T0,
  durationMs: 5,
  statusCode,
  error: null,
});
const pick = (stores: Store[], i: number): Store => stores[i % stores.length] as Store;

describePostgres('operating with several stores on one PostgreSQL schema', () => {
  registerEmptySchemas();
  it('a cancel at one store and claims at two others at the same instant: never both sent and cancelled', async () => {
    const { stores } = await sharedSchema(3);
    const [a, b, c] = stores as [Store, Store, Store];
    const n = 60;
    // Two events per customer: a cancel of the head lets the second one go (its line moves on).
    for (const i of range(n)) {
      await a.accept(newEvent({ id: `h${i}`, customerId: `c${i}` }), DEDUP);
      await a.accept(newEvent({ id: `t${i}`, customerId: `c${i}`, receivedAt: T0 + 1 }), DEDUP);
    }
    const [claimedB, claimedC, cancels] = await Promise.all([
      b.claimDue(T0 + 10, n, LEASE),
      c.claimDue(T0 + 10, n, LEASE),
      Promise.all(range(n).map((i) => a.cancel(`h${i}`, T0 + 10))),
    ]);
    const claimed = new Set([...claimedB, ...claimedC].map((item) => item.eventId));
    for (const i of range(n)) {
      const head = `h${i}`;
      expect([head, cancels[i]]).toEqual([head, claimed.has(head) ? 'in_flight' : 'cancelled']);
    }
    // Everything claimed is delivered; the tails of cancelled heads are due now.
    for (const item of [...claimedB, ...claimedC]) {
      await (claimedB.includes(item) ? b : c).recordDelivered(item.eventId, attempt(200));
    }
    for (;;) {
      const items = await b.claimDue(T0 + 20, 100, LEASE);
      if (items.length === 0) break;
      for (const item of items) await b.recordDelivered(item.eventId, attempt(200));
    }
    for (const i of range(n)) {
      const head = (await c.getEvent(`h${i}`))?.status;
      expect([`h${i}`, head]).toEqual([`h${i}`, claimed.has(`h${i}`) ? 'delivered' : 'cancelled']);
      expect((await c.getEvent(`t${i}`))?.status).toBe('delivered');
    }
  });

  it('two cancels of one event at two stores at the same instant: one cancels it', async () => {
    const { stores } = await sharedSchema(2);
    const [a, b] = stores as [Store, Store];
    for (const i of range(20))
      await a.accept(newEvent({ id: `e${i}`, customerId: `c${i}` }), DEDUP);
    const results = await Promise.all(
      range(20).flatMap((i) => [a.cancel(`e${i}`, T0 + 1), b.cancel(`e${i}`, T0 + 1)]),
    );
    for (const i of range(20)) {
      expect([results[2 * i], results[2 * i + 1]].sort()).toEqual([
        'already_cancelled',
        'cancelled',
      ]);
    }
  });

  it('holds that ran out are released at the same instant at three stores: each once, and its customer goes ahead', async () => {
    const { stores } = await sharedSchema(3);
    const [a] = stores as [Store];
    const n = 30;
    for (const i of range(n)) {
      await a.accept(newEvent({ id: `p${i}`, customerId: `c${i}` }), DEDUP);
      await a.accept(newEvent({ id: `q${i}`, customerId: `c${i}`, receivedAt: T0 + 1 }), DEDUP);
    }
    const heads = await a.claimDue(T0 + 10, n, LEASE);
    expect(heads).toHaveLength(n);
    for (const item of heads) {
      await a.recordFailed(item.eventId, attempt(400), {
        retryAt: T0 + 60 * MINUTE,
        holdUntil: T0 + 5 * MINUTE,
      });
    }
    expect((await a.backlogFigures()).heldCustomers).toBe(n);
    const released = (
      await Promise.all(stores.map((store) => store.releaseHolds(T0 + 5 * MINUTE)))
    ).flat();
    expect(released.map((r) => r.eventId).sort()).toEqual(
      range(n)
        .map((i) => `p${i}`)
        .sort(),
    );
    expect(released.every((r) => r.waiting === 1)).toBe(true);
    expect((await pick(stores, 1).backlogFigures()).heldCustomers).toBe(0);
    const next = await pick(stores, 2).claimDue(T0 + 5 * MINUTE, 100, LEASE);
    expect(next.map((item) => item.eventId).sort()).toEqual(
      range(n)
        .map((i) => `q${i}`)
        .sort(),
    );
  });

  it('one quarantined body taken in again at two stores at the same instant: one event', async () => {
    const { stores } = await sharedSchema(2);
    const [a, b] = stores as [Store, Store];
    const entry = (id: string): QuarantineEntry => ({
      id,
      receivedAt: T0,
      route: '/webhooks/legacy/authentication',
      contentType: 'application/json',
      httpStatus: 422,
      code: 'invalid_payload',
      message: 'a gap in mappings/',
      issues: null,
      body: new TextEncoder().encode('{}'),
      truncated: false,
    });
    for (const i of range(10)) await a.quarantine(entry(`q${i}`));
    const results = await Promise.all(
      range(10).flatMap((i) =>
        [a, b].map((store, s) =>
          store.accept(
            {
              // Different bodies per store: only the mark on the entry keeps the second out.
              ...newEvent({ id: `e${i}-${s}`, customerId: `c${i}`, body: `{"n":${i},"s":${s}}` }),
              reingest: { quarantineId: `q${i}`, at: T0 },
            },
            DEDUP,
          ),
        ),
      ),
    );
    for (const i of range(10)) {
      const pair = [results[2 * i], results[2 * i + 1]];
      expect(pair.filter((r) => !r?.duplicate)).toHaveLength(1);
      const winner = pair.find((r) => !r?.duplicate)?.eventId;
      expect(pair.map((r) => r?.eventId)).toEqual([winner, winner]);
      expect((await b.getQuarantine(`q${i}`))?.reingested?.eventId).toBe(winner);
    }
    const counts = await a.countByStatus();
    expect(Object.values(counts).reduce((x, y) => x + y, 0)).toBe(10);
  });
});
