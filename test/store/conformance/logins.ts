import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { agreementOf, movedPairs } from '../../../src/cutover/guard.js';
import type { Source } from '../../../src/normalize/normalized-schema.js';
import { bucketOf } from '../../../src/store/rules/bucket.js';
import type { Preference } from '../../../src/store/rules/forwarding.js';
import type { Store } from '../../../src/store/store.js';
import { type EventSpec, newEvent, T0 } from '../../helpers/new-event.js';
import { freshStores, type StoreBackend } from './backend.js';
import { DEDUP, HOUR, ids, LEASE, MINUTE } from './helpers.js';

const WAIT = 10_000;

/** The reports a store sends: every outbox entry due far in the future, claimed once. */
async function sent(store: Store, now = T0 + 10 * HOUR): Promise<string[]> {
  await store.forwardFallbacks(now);
  const all: string[] = [];
  for (;;) {
    const items = await store.claimDue(now, 100, LEASE);
    if (items.length === 0) return all.sort();
    for (const item of items) {
      all.push(item.eventId);
      await store.recordDelivered(item.eventId, {
        at: now,
        durationMs: 1,
        statusCode: 200,
        error: null,
      });
    }
  }
}

const report = (
  id: string,
  source: Source,
  preference: Preference,
  over: Partial<EventSpec> = {},
) =>
  newEvent({
    id,
    source,
    customerId: 'A',
    interviewId: 'i1',
    receivedAt: T0,
    preference,
    waitMs: WAIT,
    ...over,
  });

/** One callback per login, on every backend (rules/forwarding.ts applied with its SQL). */
export function describeLogins(backend: StoreBackend): void {
  const open = freshStores(backend);

  describe('one callback per login: a login reported by one source', () => {
    it.each<[Preference, string]>([
      ['preferred', 'is forwarded at once'],
      ['none', 'is forwarded at once (FORWARD_SOURCE=both)'],
    ])('%s %s', async (preference) => {
      const store = await open();
      expect((await store.accept(report('l1', 'legacy', preference), DEDUP)).status).toBe(
        'pending',
      );
      expect(ids(await store.claimDue(T0, 10, LEASE))).toEqual(['l1']);
    });

    it('of the source not preferred waits for its login, then is forwarded alone, once', async () => {
      const store = await open();
      expect((await store.accept(report('w1', 'workflows', 'other'), DEDUP)).status).toBe(
        'shadowed',
      );
      expect(await store.claimDue(T0 + WAIT - 1, 10, LEASE)).toEqual([]);
      expect(await store.forwardFallbacks(T0 + WAIT - 1)).toEqual([]);
      expect(await store.forwardFallbacks(T0 + WAIT)).toEqual(['w1']);
      expect(await store.forwardFallbacks(T0 + WAIT + 1)).toEqual([]);
      expect((await store.getEvent('w1'))?.status).toBe('pending');
      expect(ids(await store.claimDue(T0 + WAIT, 10, LEASE))).toEqual(['w1']);
    });
  });

  describe('one callback per login: a login reported by both sources', () => {
    it('the preferred report first: it is sent, the other is shadowed and paired with it', async () => {
      const store = await open();
      await store.accept(report('l1', 'legacy', 'preferred'), DEDUP);
      const second = await store.accept(
        report('w1', 'workflows', 'other', { receivedAt: T0 + 1000 }),
        DEDUP,
      );
      expect(second.status).toBe('shadowed');
      expect(await sent(store)).toEqual(['l1']);
      const { pairs } = await store.comparisonData(T0 - HOUR, T0 + HOUR);
      expect(pairs.map((p) => [p.legacy.eventId, p.workflows.eventId, p.forwarded])).toEqual([
        ['l1', 'w1', 'legacy'],
      ]);
    });

    it('the other report first: it waits, the preferred one is sent at once and ends the wait', async () => {
      const store = await open();
      await store.accept(report('w1', 'workflows', 'other'), DEDUP);
      const preferred = await store.accept(
        report('l1', 'legacy', 'preferred', { receivedAt: T0 + 1000 }),
        DEDUP,
      );
      expect(preferred.status).toBe('pending');
      expect(await store.forwardFallbacks(T0 + HOUR)).toEqual([]);
      expect((await store.getEvent('w1'))?.status).toBe('shadowed');
      expect(await sent(store)).toEqual(['l1']);
    });

    it('the other report waited out its time and was sent: the preferred one, late, is shadowed', async () => {
      const store = await open();
      await store.accept(report('w1', 'workflows', 'other'), DEDUP);
      expect(await store.forwardFallbacks(T0 + WAIT)).toEqual(['w1']);
      const late = await store.accept(
        report('l1', 'legacy', 'preferred', { receivedAt: T0 + 2 * WAIT }),
        DEDUP,
      );
      expect(late.status).toBe('shadowed');
      expect(await sent(store)).toEqual(['w1']);
    });

    it.each<[Source, Source]>([
      ['legacy', 'workflows'],
      ['workflows', 'legacy'],
    ])('FORWARD_SOURCE=both, %s first: the first is sent, nothing waits', async (first, second) => {
      const store = await open();
      expect((await store.accept(report('a', first, 'none'), DEDUP)).status).toBe('pending');
      const later = await store.accept(report('b', second, 'none', { receivedAt: T0 + 1 }), DEDUP);
      expect(later.status).toBe('shadowed');
      expect(await sent(store)).toEqual(['a']);
    });

    it('the mode changed while one waited: the report arriving under no preference lets the waiting one go first', async () => {
      const store = await open();
      await store.accept(report('w1', 'workflows', 'other'), DEDUP);
      const result = await store.accept(
        report('l1', 'legacy', 'none', { receivedAt: T0 + 1000 }),
        DEDUP,
      );
      expect(result).toMatchObject({ status: 'shadowed', counterpartEnqueued: true });
      expect((await store.getEvent('w1'))?.status).toBe('pending');
      expect(await sent(store)).toEqual(['w1']);
    });

    it('a Workflows report naming no customer is matched by its interview', async () => {
      const store = await open();
      await store.accept(report('w1', 'workflows', 'other', { customerId: null }), DEDUP);
      await store.accept(report('l1', 'legacy', 'preferred', { receivedAt: T0 + 1000 }), DEDUP);
      expect(await sent(store)).toEqual(['l1']);
    });

    it('two logins of one customer, one per source, minutes apart, with different interviews: both sent', async () => {
      const store = await open();
      await store.accept(report('l1', 'legacy', 'preferred', { interviewId: 'i1' }), DEDUP);
      await store.accept(
        report('w2', 'workflows', 'other', { interviewId: 'i2', receivedAt: T0 + MINUTE }),
        DEDUP,
      );
      expect(await sent(store)).toEqual(['l1', 'w2']);
    });
  });

  describe('one callback per login: any mix, any order, any mode change', () => {
    type Plan = {
      logins: { sources: Source[]; customer: number; legacyInterview: boolean }[];
      order: number[];
      preferences: Preference[];
      fallbackAfter: number[];
    };
    const plan: fc.Arbitrary<Plan> = fc
      .array(
        fc.record({
          sources: fc.constantFrom<Source[]>(['legacy'], ['workflows'], ['legacy', 'workflows']),
          customer: fc.integer({ min: 0, max: 3 }),
          legacyInterview: fc.boolean(),
        }),
        { minLength: 1, maxLength: 6 },
      )
      .chain((logins) => {
        const reports = logins.reduce((n, l) => n + l.sources.length, 0);
        return fc.record({
          logins: fc.constant(logins),
          order: fc.shuffledSubarray(
            Array.from({ length: reports }, (_, i) => i),
            { minLength: reports, maxLength: reports },
          ),
          preferences: fc.array(fc.constantFrom<Preference>('preferred', 'other', 'none'), {
            minLength: reports,
            maxLength: reports,
          }),
          // After which arrival the fallbacks run (as the delivery worker's poll does).
          fallbackAfter: fc.array(fc.integer({ min: 0, max: reports - 1 }), { maxLength: 3 }),
        });
      });

    it('each login reaches the callback exactly once, and a pair holds both reports of a login', async () => {
      // One store for every run (a fresh one costs a schema on PostgreSQL); each run has its own
      // ids, customers and hour.
      const store = await open();
      let run = 0;
      await fc.assert(
        fc.asyncProperty(plan, async ({ logins, order, preferences, fallbackAfter }) => {
          run++;
          const base = T0 + run * 2 * HOUR;
          const reports = logins.flatMap((login, n) =>
            login.sources.map((source) => ({
              login: n,
              source,
              // A legacy report without an interview is matched by its customer alone: such a
              // login gets a customer of its own (without an interview the rule cannot tell two
              // logins of one customer apart; rules/login.ts says so).
              customerId: login.legacyInterview
                ? `r${run}-c${login.customer}`
                : `r${run}-solo-${n}`,
              interviewId: source === 'legacy' && !login.legacyInterview ? null : `r${run}-i${n}`,
            })),
          );
          for (const [step, k] of order.entries()) {
            const r = reports[k];
            if (!r) continue;
            const at = base + step * 1000;
            await store.accept(
              newEvent({
                id: `r${run}-${r.source}-${r.login}`,
                source: r.source,
                customerId: r.customerId,
                interviewId: r.interviewId,
                receivedAt: at,
                preference: preferences[step] ?? 'preferred',
                waitMs: 2500,
              }),
              DEDUP,
            );
            if (fallbackAfter.includes(step)) await store.forwardFallbacks(at);
          }
          const delivered = await sent(store, base + HOUR);
          const perLogin = new Map<number, number>();
          for (const id of delivered) {
            const n = Number(id.split('-')[2]);
            perLogin.set(n, (perLogin.get(n) ?? 0) + 1);
          }
          for (const n of logins.keys()) expect(perLogin.get(n), `login ${n}`).toBe(1);
          expect(delivered).toHaveLength(logins.length);
          const figures = await store.loginFigures(base - 1, base + HOUR);
          expect(figures.total).toBe(logins.length);
          expect(figures.bothSources).toBe(logins.filter((l) => l.sources.length === 2).length);
        }),
        { numRuns: 25 },
      );
    });
  });

  describe('loginFigures: logins by who reported them', () => {
    it('counts pairs and one-sided reports by the day of the first report', async () => {
      const store = await open();
      const day2 = T0 + 24 * HOUR;
      const accept = (id: string, source: Source, at: number, customerId: string) =>
        store.accept(
          newEvent({ id, source, customerId, interviewId: `i-${customerId}`, receivedAt: at }),
          DEDUP,
        );
      await accept('l1', 'legacy', T0, 'a');
      await accept('w1', 'workflows', T0 + 1000, 'a'); // both
      await accept('l2', 'legacy', T0, 'b'); // legacy only
      await accept('w3', 'workflows', day2, 'c'); // Workflows only, the next day
      await accept('w4', 'workflows', day2, 'd');
      const figures = await store.loginFigures(T0 - HOUR, day2 + HOUR);
      expect(figures).toEqual({
        total: 4,
        bothSources: 1,
        legacyOnly: 1,
        workflowsOnly: 2,
        perDay: [
          { day: '2026-11-25', total: 2, bothSources: 1, legacyOnly: 1, workflowsOnly: 0 },
          { day: '2026-11-26', total: 2, bothSources: 0, legacyOnly: 0, workflowsOnly: 2 },
        ],
      });
      // A login belongs to the range of its first report.
      expect((await store.loginFigures(T0 + 500, T0 + HOUR)).total).toBe(0);
    });
  });

  describe('moved pair figures (the cut-over guard)', () => {
    /** Customers on both sides of a 50% share. */
    const customers = Array.from({ length: 40 }, (_, i) => `guard-customer-${i}`);
    const moved = customers.filter((id) => bucketOf(id) < 5000).slice(0, 4);
    const unmoved = customers.filter((id) => bucketOf(id) >= 5000).slice(0, 2);

    it('counts the pairs of moved customers completed in the range, as the guard reads them', async () => {
      const store = await open();
      const pairUp = async (customerId: string, i: number, at: number, agrees: boolean) => {
        const base = { customerId, interviewId: `i-${customerId}-${i}` };
        await store.accept(
          newEvent({ ...base, id: `l-${customerId}-${i}`, receivedAt: at - 1000 }),
          DEDUP,
        );
        await store.accept(
          newEvent({
            ...base,
            id: `w-${customerId}-${i}`,
            source: 'workflows',
            receivedAt: at,
            status: agrees ? 'PASS' : 'FAIL',
          }),
          DEDUP,
        );
      };
      await pairUp(moved[0] as string, 0, T0 + MINUTE, true);
      await pairUp(moved[1] as string, 0, T0 + 2 * MINUTE, false);
      await pairUp(moved[2] as string, 0, T0 + 3 * MINUTE, true);
      await pairUp(moved[3] as string, 0, T0 + 4 * MINUTE, false);
      await pairUp(unmoved[0] as string, 0, T0 + 2 * MINUTE, false);
      await pairUp(moved[0] as string, 1, T0 + 20 * MINUTE, true); // after the range

      const query = {
        from: T0 + MINUTE,
        to: T0 + 10 * MINUTE,
        belowBucket: 5000,
        ids: 20,
        counts: 'reason' as const,
      };
      expect(await store.movedPairFigures(query)).toEqual({
        pairs: 4,
        agreeing: 2,
        disagreeingIds: [`l-${moved[1]}-0/w-${moved[1]}-0`, `l-${moved[3]}-0/w-${moved[3]}-0`],
      });
      // The same figures as the guard's reference computes from the stored pairs.
      const { pairs } = await store.comparisonData(T0 - HOUR, T0 + HOUR);
      const reference = agreementOf(
        movedPairs(pairs, 5000, query.from).filter((p) => p.at < query.to),
      );
      expect(reference).toMatchObject({ pairs: 4, agreeing: 2 });
      expect(await store.movedPairFigures({ ...query, ids: 1 })).toMatchObject({
        disagreeingIds: [`l-${moved[1]}-0/w-${moved[1]}-0`],
      });
      expect(await store.movedPairFigures({ ...query, belowBucket: 0 })).toEqual({
        pairs: 0,
        agreeing: 0,
        disagreeingIds: [],
      });
    });
  });
}
