import { describe, expect, it, onTestFinished } from 'vitest';
import type { NewEvent } from '../../../src/store/accept-types.js';
import { StoreUnavailableError } from '../../../src/store/errors.js';
import { waves } from '../../../src/store/postgres/ops/accept-wave.js';
import { PostgresStore } from '../../../src/store/postgres/postgres-store.js';
import { newEvent, T0 } from '../../helpers/new-event.js';
import { describePostgres, freshSchema } from '../../helpers/postgres.js';

// PostgreSQL's group commit of accepts (postgres/ops/accept-batch.ts): the accepts of one turn
// share one transaction, and a failure of one never fails the others.

const DEDUP = 60 * 60_000;

async function open() {
  const schema = await freshSchema();
  const store = await PostgresStore.open(schema.config, { schema: schema.name, max: 4 });
  onTestFinished(() => store.close());
  // Every transaction the store's driver runs, counted where it begins.
  const driver = store.driver;
  const transaction = driver.transaction.bind(driver);
  const counted = { transactions: 0 };
  driver.transaction = ((fn, options) => {
    counted.transactions++;
    return transaction(fn, options);
  }) as typeof driver.transaction;
  return { store, counted };
}

const events = (n: number, over: (i: number) => Partial<NewEvent> = () => ({})): NewEvent[] =>
  Array.from({ length: n }, (_, i) => ({
    ...newEvent({ id: `e${i}`, customerId: `c${i % 7}`, receivedAt: T0 + i }),
    ...over(i),
  }));

describe('the waves of a batch', () => {
  it('an accept goes after every earlier one of its redelivery key, line, customer or interview', () => {
    const a = newEvent({ id: 'a', customerId: 'c1' });
    const b = newEvent({ id: 'b', customerId: 'c2' });
    const c = newEvent({ id: 'c', customerId: 'c1', receivedAt: T0 + 1 });
    const d = { ...newEvent({ id: 'd', customerId: 'c3' }), dedupKey: b.dedupKey };
    const e = newEvent({ id: 'e', customerId: 'c4', interviewId: 'i1' });
    const f = newEvent({ id: 'f', customerId: 'c5', interviewId: 'i1' });
    const g = newEvent({ id: 'g', customerId: 'c1', receivedAt: T0 + 2 });
    expect(waves([a, b, c, d, e, f, g]).map((w) => w.map((x) => x.id))).toEqual([
      ['a', 'b', 'e'],
      ['c', 'd', 'f'],
      ['g'],
    ]);
  });
});

describePostgres('PostgreSQL accepts of one turn', () => {
  describe('in one transaction', () => {
    it('accepts asked for at the same instant are committed by one transaction, each stored once', async () => {
      const { store, counted } = await open();
      const batch = events(40);
      const results = await Promise.all(batch.map((e) => store.accept(e, DEDUP)));
      expect(counted.transactions).toBe(1);
      expect(store.acceptCounts).toMatchObject({ transactions: 1, batched: 40, fallbacks: 0 });
      expect(results.map((r) => r.eventId)).toEqual(batch.map((e) => e.id));
      expect(results.every((r) => r.status === 'pending' && !r.duplicate)).toBe(true);
      expect(await store.countByStatus()).toMatchObject({ pending: 40 });
      // Each customer's line in arrival order, the later ones behind the first (one claim: heads).
      const heads = await store.claimDue(T0 + 60_000, 100, 30_000);
      expect(heads.map((h) => h.eventId).sort()).toEqual([
        'e0',
        'e1',
        'e2',
        'e3',
        'e4',
        'e5',
        'e6',
      ]);
    });

    it('a later accept of the batch sees an earlier one: a redelivery in the same turn is a duplicate, a later event of the customer takes no fast path', async () => {
      const { store } = await open();
      const first = {
        ...newEvent({ id: 'a1', customerId: 'c' }),
        fastPath: { leaseUntil: T0 + 60_000 },
      };
      const again = { ...first, id: 'a2' };
      const later = {
        ...newEvent({ id: 'a3', customerId: 'c', receivedAt: T0 + 1 }),
        fastPath: { leaseUntil: T0 + 60_000 },
      };
      const [r1, r2, r3] = await Promise.all([
        store.accept(first, DEDUP),
        store.accept(again, DEDUP),
        store.accept(later, DEDUP),
      ]);
      expect(store.acceptCounts.transactions).toBe(1);
      expect(r1).toMatchObject({ eventId: 'a1', fresh: { eventId: 'a1' } });
      expect(r2).toEqual({ eventId: 'a1', duplicate: true });
      expect(r3).toMatchObject({ eventId: 'a3', status: 'pending' });
      expect(r3?.fresh).toBeUndefined();
      expect((await store.getEvent('a1'))?.duplicates).toBe(1);
    });
  });

  describe('a failure of one accept', () => {
    it('does not fail the others: the batch is rolled back and each runs alone', async () => {
      const { store, counted } = await open();
      const batch = events(10);
      // Nothing to forward and no reason given: the store refuses it (a bug in the caller).
      const broken = { ...(batch[4] as NewEvent), forward: null };
      batch[4] = broken;
      const settled = await Promise.allSettled(batch.map((e) => store.accept(e, DEDUP)));
      expect(settled.map((s) => s.status)).toEqual([
        ...Array(4).fill('fulfilled'),
        'rejected',
        ...Array(5).fill('fulfilled'),
      ]);
      // One batch rolled back, then ten alone.
      expect(store.acceptCounts).toMatchObject({ fallbacks: 1, transactions: 11 });
      expect(counted.transactions).toBe(11);
      expect(await store.countByStatus()).toMatchObject({ pending: 9 });
      expect(await store.getEvent('e4')).toBeUndefined();
    });

    it('past its ACCEPT_TIMEOUT deadline: that accept fails (503), the others are stored', async () => {
      const { store } = await open();
      const batch = events(6);
      const settled = await Promise.allSettled(
        batch.map((e, i) => store.accept(e, DEDUP, i === 2 ? Date.now() - 1 : Date.now() + 10_000)),
      );
      expect(settled[2]).toMatchObject({ status: 'rejected' });
      expect((settled[2] as PromiseRejectedResult).reason).toBeInstanceOf(StoreUnavailableError);
      expect(settled.filter((s) => s.status === 'fulfilled')).toHaveLength(5);
      expect(await store.countByStatus()).toMatchObject({ pending: 5 });
      expect(await store.getEvent('e2')).toBeUndefined();
    });
  });
});
