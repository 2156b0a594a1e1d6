import { describe, expect, it } from 'vitest';
import { ROUTE_OF } from '../../../src/intake/webhook-kinds.js';
import type { EnrichmentCompletion, NewEvent } from '../../../src/store/accept-types.js';
import type { AttemptRecord, OutboxItem } from '../../../src/store/delivery-types.js';
import type { Preference } from '../../../src/store/rules/forwarding.js';
import { supersededBy } from '../../../src/store/rules/supersede.js';
import type { Store } from '../../../src/store/store.js';
import { newEvent, PAIRING, T0 } from '../../helpers/new-event.js';
import { describePostgres, registerEmptySchemas } from '../../helpers/postgres.js';
import { sharedSchema } from '../../helpers/postgres-stores.js';

// Several instances of the service on one PostgreSQL database, leader-free: two or three Store
// objects on one schema, each with its own pool and instance id, as separate processes would be.
// What one process got from serialising its own writes must hold between them (issue 15,
// "Several instances on one database"). Races are real: the calls run at the same moment on
// separate connections, many at a time, so a check-then-insert would lose some of them.

const MINUTE = 60_000;
const HOUR = 60 * MINUTE;
const DEDUP = HOUR;
const LEASE = 30_000;

const attempt = (over: Partial<AttemptRecord> = {}): AttemptRecord => ({
  at: T0,
  durationMs: 5,
  statusCode: 200,
  error: null,
  ...over,
});
const ids = (items: OutboxItem[]) => items.map((item) => item.eventId).sort();
const range = (n: number) => Array.from({ length: n }, (_, i) => i);
const at = <T>(list: T[], i: number): T => {
  const item = list[i];
  if (item === undefined) throw new Error(`no item ${i}`);
  return item;
};

describePostgres('several stores on one PostgreSQL schema', () => {
  registerEmptySchemas();
  describe('dedup', () => {
    it('the same body at three stores at the same moment is accepted once; the others get the duplicate answer naming it', async () => {
      const { stores } = await sharedSchema(3);
      const bodies = range(20);
      // Each store gives the event its own id, as each instance does.
      const results = await Promise.all(
        bodies.flatMap((k) =>
          stores.map((store, s) =>
            store.accept(
              {
                ...newEvent({ id: `b${k}`, customerId: `c${k}`, body: `{"body":${k}}` }),
                id: `b${k}-s${s}`,
              },
              DEDUP,
            ),
          ),
        ),
      );
      for (const k of bodies) {
        const three = results.slice(k * 3, k * 3 + 3);
        const first = three.filter((r) => !r.duplicate);
        expect(first, `body ${k}`).toHaveLength(1);
        const winner = at(first, 0).eventId;
        expect(three.map((r) => r.eventId)).toEqual([winner, winner, winner]);
        expect((await at(stores, k % 3).getEvent(winner))?.duplicates).toBe(2);
      }
      const counts = await at(stores, 1).countByStatus();
      expect(Object.values(counts).reduce((a, b) => a + b, 0)).toBe(20);
      expect(await at(stores, 2).claimDue(T0, 100, LEASE)).toHaveLength(20);
    });

    it('a body sent again after the window is a new event, whichever store gets it', async () => {
      const { stores } = await sharedSchema(2);
      const [a, b] = [at(stores, 0), at(stores, 1)];
      await a.accept(newEvent({ id: 'e1', body: '{"same":true}' }), DEDUP);
      const again = await b.accept(
        { ...newEvent({ id: 'e2', body: '{"same":true}' }), receivedAt: T0 + DEDUP + 1 },
        DEDUP,
      );
      expect(again).toMatchObject({ eventId: 'e2', duplicate: false });
    });
  });

  describe("a customer's order across stores", () => {
    it('a later event waits while an earlier one is leased by another store, or waits for its retry there', async () => {
      const { stores } = await sharedSchema(3);
      const [a, b, c] = [at(stores, 0), at(stores, 1), at(stores, 2)];
      await a.accept(newEvent({ id: 'e1', customerId: 'X' }), DEDUP);
      await b.accept(newEvent({ id: 'e2', customerId: 'X', receivedAt: T0 + 1 }), DEDUP);
      await c.accept(newEvent({ id: 'y1', customerId: 'Y', receivedAt: T0 + 2 }), DEDUP);

      expect(ids(await a.claimDue(T0 + 10, 1, LEASE))).toEqual(['e1']);
      // e2 is due, but e1 of the same customer is leased by a: b and c skip the customer.
      expect(ids(await b.claimDue(T0 + 10, 10, LEASE))).toEqual(['y1']);
      expect(await c.claimDue(T0 + 10, 10, LEASE)).toEqual([]);
      await b.recordDelivered('y1', attempt());

      // e1 failed at a: it waits for its retry, and e2 still waits behind it.
      await a.recordFailed('e1', attempt({ statusCode: 503 }), { retryAt: T0 + MINUTE });
      expect(await b.claimDue(T0 + 20, 10, LEASE)).toEqual([]);
      expect(await c.claimDue(T0 + MINUTE - 1, 10, LEASE)).toEqual([]);

      // The retry is anyone's; once e1 is delivered, e2 is the head of the line.
      expect(ids(await c.claimDue(T0 + MINUTE, 10, LEASE))).toEqual(['e1']);
      expect(await a.claimDue(T0 + MINUTE, 10, LEASE)).toEqual([]);
      await c.recordDelivered('e1', attempt());
      expect(ids(await a.claimDue(T0 + MINUTE, 10, LEASE))).toEqual(['e2']);
    });

    it('a dead event releases the next one of its customer at every store', async () => {
      const { stores } = await sharedSchema(2);
      const [a, b] = [at(stores, 0), at(stores, 1)];
      await a.accept(newEvent({ id: 'e1', customerId: 'X' }), DEDUP);
      await a.accept(newEvent({ id: 'e2', customerId: 'X', receivedAt: T0 + 1 }), DEDUP);
      expect(ids(await b.claimDue(T0 + 10, 10, LEASE))).toEqual(['e1']);
      await b.recordFailed('e1', attempt({ statusCode: 410 }), 'dead');
      expect(ids(await a.claimDue(T0 + 10, 10, LEASE))).toEqual(['e2']);
    });

    it('the fast path leases to its own store only when nothing of the customer waits at any store', async () => {
      const { stores } = await sharedSchema(3);
      const [a, b, c] = [at(stores, 0), at(stores, 1), at(stores, 2)];
      const fastPath = { leaseUntil: T0 + MINUTE };
      const first = await a.accept({ ...newEvent({ id: 'e1', customerId: 'X' }), fastPath }, DEDUP);
      expect(first.fresh?.eventId).toBe('e1');
      const second = await b.accept(
        { ...newEvent({ id: 'e2', customerId: 'X', receivedAt: T0 + 1 }), fastPath },
        DEDUP,
      );
      expect(second.fresh).toBeUndefined();
      expect(second.status).toBe('pending');
      // e1 is a's (fresh lease), e2 waits behind it: nothing for the others.
      expect(await b.claimDue(T0 + 2, 10, LEASE)).toEqual([]);
      expect(await c.claimDue(T0 + 2, 10, LEASE)).toEqual([]);
      await a.recordDelivered('e1', attempt());
      expect(ids(await c.claimDue(T0 + 2, 10, LEASE))).toEqual(['e2']);
    });

    it('two events of one customer at two stores at the same instant: at most one takes the fast path, the other waits behind it', async () => {
      const { stores } = await sharedSchema(2);
      const [a, b] = [at(stores, 0), at(stores, 1)];
      const fastPath = { leaseUntil: T0 + MINUTE };
      for (const k of range(15)) {
        const [x, y] = await Promise.all([
          a.accept(
            { ...newEvent({ id: `x${k}`, customerId: `same-${k}`, body: `{"x":${k}}` }), fastPath },
            DEDUP,
          ),
          b.accept(
            {
              ...newEvent({
                id: `y${k}`,
                customerId: `same-${k}`,
                receivedAt: T0 + 1,
                body: `{"y":${k}}`,
              }),
              fastPath,
            },
            DEDUP,
          ),
        ]);
        expect([x, y].filter((r) => r.fresh !== undefined).length, `customer same-${k}`).toBe(1);
      }
    });

    it('accepts and claims racing at three stores: every customer gets its events once, in arrival order', async () => {
      const { stores } = await sharedSchema(3);
      const customers = range(12).map((n) => `cust-${n}`);
      const perCustomer = 8;
      const total = customers.length * perCustomer;
      const arrived = new Map<string, string[]>();
      const sent = new Map<string, string[]>();
      const claimedBy = new Map<string, number>();
      let accepting = true;

      // Each customer's webhooks arrive one after the other (the next once the previous was
      // answered), each at the next store; all customers at once. Half ask for the fast path.
      const accept = async (customer: string, n: number) => {
        for (let j = 0; j < perCustomer; j++) {
          const id = `${customer}-${j}`;
          const store = at(stores, (n + j) % stores.length);
          const event: NewEvent = {
            ...newEvent({ id, customerId: customer, receivedAt: T0 + j }),
            // Leased past the claims' clock (T0 + HOUR): only its own store sends it.
            ...(j % 2 === 0 ? { fastPath: { leaseUntil: T0 + 2 * HOUR } } : {}),
          };
          const result = await store.accept(event, DEDUP);
          expect(result.duplicate).toBe(false);
          arrived.set(customer, [...(arrived.get(customer) ?? []), id]);
          // The store's own worker delivers what the fast path handed it.
          if (result.fresh) {
            sent.set(customer, [...(sent.get(customer) ?? []), id]);
            claimedBy.set(id, (claimedBy.get(id) ?? 0) + 1);
            await store.recordDelivered(id, attempt());
          }
        }
      };
      // Each store's worker: claim what is due, send it (in claim order), record it.
      const deliver = async (store: Store) => {
        for (let round = 0; round < 2_000; round++) {
          const done = [...sent.values()].reduce((n, list) => n + list.length, 0);
          if (!accepting && done === total) return;
          const items = await store.claimDue(T0 + HOUR, 4, LEASE);
          for (const item of items) {
            const customer = item.eventId.replace(/-\d+$/, '');
            sent.set(customer, [...(sent.get(customer) ?? []), item.eventId]);
            claimedBy.set(item.eventId, (claimedBy.get(item.eventId) ?? 0) + 1);
            await store.recordDelivered(item.eventId, attempt());
          }
          if (items.length === 0) await new Promise((resolve) => setTimeout(resolve, 5));
        }
        throw new Error('the stores did not deliver everything within 2,000 rounds');
      };
      const workers = stores.map(deliver);
      await Promise.all(customers.map(accept));
      accepting = false;
      await Promise.all(workers);

      expect([...claimedBy.values()].every((times) => times === 1)).toBe(true);
      expect(claimedBy.size).toBe(total);
      for (const customer of customers) {
        expect(sent.get(customer), customer).toEqual(arrived.get(customer));
      }
    });
  });

  describe('leases', () => {
    it("another store takes a leased entry only when the lease has run out; the old holder's late result is not written", async () => {
      const { stores } = await sharedSchema(2);
      const [a, b] = [at(stores, 0), at(stores, 1)];
      await a.accept(newEvent({ id: 'e1' }), DEDUP);
      expect(ids(await a.claimDue(T0, 10, LEASE))).toEqual(['e1']);
      expect(await b.claimDue(T0 + LEASE - 1, 10, LEASE)).toEqual([]);
      expect(ids(await b.claimDue(T0 + LEASE, 10, LEASE))).toEqual(['e1']);
      // a comes back after its lease ran out (a long pause) and reports a failure that would
      // make the event dead: b holds it now, so a's result must not be written.
      await a.recordFailed('e1', attempt({ statusCode: 410, error: 'late' }), 'dead');
      expect((await b.getEvent('e1'))?.status).toBe('pending');
      await b.recordDelivered('e1', attempt({ at: T0 + LEASE }));
      const event = await a.getEvent('e1');
      expect(event?.status).toBe('delivered');
      expect(event?.lastError).toBeNull();
    });

    it("the old holder's late failure with a retry is not written either: the new holder's lease and count stand", async () => {
      const { stores } = await sharedSchema(3);
      const [a, b, c] = [at(stores, 0), at(stores, 1), at(stores, 2)];
      await a.accept(newEvent({ id: 'e1' }), DEDUP);
      expect(ids(await a.claimDue(T0, 10, LEASE))).toEqual(['e1']);
      expect(ids(await b.claimDue(T0 + LEASE, 10, LEASE))).toEqual(['e1']);
      await a.recordFailed('e1', attempt({ statusCode: 503, error: 'late' }), {
        retryAt: T0 + LEASE + 1,
      });
      // Had it been written, the entry would be due again (lease dropped) with one attempt more.
      expect(await c.claimDue(T0 + LEASE + 2, 10, LEASE)).toEqual([]);
      const event = await c.getEvent('e1');
      expect(event).toMatchObject({ status: 'pending', attempts: 0, lastError: null });
    });

    it('a claim skips an entry another transaction holds locked, without waiting for it', async () => {
      const { stores, schema } = await sharedSchema(2);
      const [a, b] = [at(stores, 0), at(stores, 1)];
      await a.accept(newEvent({ id: 'locked', customerId: 'L' }), DEDUP);
      await a.accept(newEvent({ id: 'free', customerId: 'F', receivedAt: T0 + 1 }), DEDUP);
      const holder = schema.driver({ max: 1 });
      let release = () => {};
      const released = new Promise<void>((resolve) => {
        release = resolve;
      });
      let locked = () => {};
      const isLocked = new Promise<void>((resolve) => {
        locked = resolve;
      });
      const holding = holder.transaction(async (client) => {
        await client.query("SELECT 1 FROM outbox WHERE event_id = 'locked' FOR UPDATE");
        locked();
        await released;
      });
      await isLocked;
      try {
        // With the row held: the claim answers without it, and does not wait for the holder.
        const claimed = await Promise.race([
          b.claimDue(T0 + MINUTE, 10, LEASE),
          new Promise<'blocked'>((resolve) => setTimeout(() => resolve('blocked'), 10_000)),
        ]);
        expect(claimed === 'blocked' ? claimed : ids(claimed)).toEqual(['free']);
      } finally {
        release();
        await holding;
        await holder.close();
      }
      expect(ids(await b.claimDue(T0 + MINUTE, 10, LEASE))).toEqual(['locked']);
    });

    it('a starting store releases only leases that have run out, never those of a live store', async () => {
      const shared = await sharedSchema(1);
      const a = at(shared.stores, 0);
      const now = Date.now();
      await a.accept(newEvent({ id: 'live', customerId: 'Y' }), DEDUP);
      await a.accept(newEvent({ id: 'gone', customerId: 'X', receivedAt: T0 + 1 }), DEDUP);
      // One lease held for 30 s more, one that ran out a while ago (its instance was killed).
      expect(ids(await a.claimDue(now, 1, LEASE))).toEqual(['live']);
      expect(ids(await a.claimDue(now - 2 * LEASE, 1, LEASE))).toEqual(['gone']);

      const starting = await shared.another();
      // The lease that ran out, at most (it is anyone's to claim anyway).
      expect(await starting.releaseLeases()).toBeLessThanOrEqual(1);
      expect(ids(await starting.claimDue(Date.now(), 10, LEASE))).toEqual(['gone']);
      // The live lease is still a's: its result is written.
      await a.recordDelivered('live', attempt());
      expect((await starting.getEvent('live'))?.status).toBe('delivered');
    });

    it("releaseFresh gives back only the store's own fresh leases", async () => {
      const { stores } = await sharedSchema(3);
      const [a, b, c] = [at(stores, 0), at(stores, 1), at(stores, 2)];
      const accepted = await a.accept(
        { ...newEvent({ id: 'e1' }), fastPath: { leaseUntil: T0 + MINUTE } },
        DEDUP,
      );
      expect(accepted.fresh?.eventId).toBe('e1');
      await b.releaseFresh(['e1']);
      expect(await c.claimDue(T0 + 1, 10, LEASE)).toEqual([]);
      await a.releaseFresh(['e1']);
      expect(ids(await c.claimDue(T0 + 1, 10, LEASE))).toEqual(['e1']);
    });

    it('three stores claiming at the same moment never get the same entry', async () => {
      const { stores } = await sharedSchema(3);
      for (const n of range(60)) {
        await at(stores, n % 3).accept(
          newEvent({ id: `e${n}`, customerId: `c${n}`, receivedAt: T0 + n }),
          DEDUP,
        );
      }
      const claims = await Promise.all(
        range(12).map((n) => at(stores, n % 3).claimDue(T0 + MINUTE, 7, LEASE)),
      );
      const all = claims.flatMap(ids);
      expect(new Set(all).size).toBe(all.length);
      expect(all.length).toBe(60);
    });

    it('waits for the score: two stores claiming at once lease each event to one of them', async () => {
      const { stores } = await sharedSchema(2);
      for (const n of range(20)) {
        await at(stores, n % 2).accept(
          {
            ...newEvent({
              id: `w${n}`,
              source: 'workflows',
              customerId: `c${n}`,
              interviewId: `i${n}`,
            }),
            enrich: { deadline: T0 + 10 * MINUTE },
          },
          DEDUP,
        );
      }
      const claims = await Promise.all(
        range(6).map((n) => at(stores, n % 2).claimEnrichment(T0, 5, LEASE)),
      );
      const all = claims.flat().map((item) => item.eventId);
      expect(new Set(all).size).toBe(all.length);
      expect(all.length).toBe(20);
    });
  });

  describe('one callback per login, both reports at two stores at the same instant', () => {
    type Case = [string, Preference, Preference];
    it.each<Case>([
      ['legacy preferred (FORWARD_SOURCE=legacy)', 'preferred', 'other'],
      ['Workflows preferred', 'other', 'preferred'],
      ['no preference (FORWARD_SOURCE=both)', 'none', 'none'],
      ['instances that disagree for a second after a switch', 'other', 'other'],
      ['instances that disagree the other way', 'preferred', 'preferred'],
    ])('%s: each login is sent once, and paired', async (_name, legacyPref, workflowsPref) => {
      const { stores } = await sharedSchema(2);
      const [a, b] = [at(stores, 0), at(stores, 1)];
      const n = 20;
      // Half the logins name their interview on both sides, half only their customer.
      const both = (k: number) => ({
        customerId: `c${k}`,
        interviewId: k % 2 === 0 ? `i${k}` : null,
        receivedAt: T0 + k,
        waitMs: 5_000,
      });
      await Promise.all(
        range(n).flatMap((k) => [
          a.accept(newEvent({ id: `l${k}`, ...both(k), preference: legacyPref }), DEDUP),
          b.accept(
            newEvent({ id: `w${k}`, source: 'workflows', ...both(k), preference: workflowsPref }),
            DEDUP,
          ),
        ]),
      );
      // Fallbacks due at both stores at the same moment, as their polls do.
      await Promise.all(stores.map((store) => store.forwardFallbacks(T0 + MINUTE)));
      const sent = ids(await a.claimDue(T0 + MINUTE, 100, LEASE));
      for (const k of range(n)) {
        const mine = sent.filter((id) => id === `l${k}` || id === `w${k}`);
        expect(mine, `login ${k}`).toHaveLength(1);
      }
      const figures = await b.loginFigures(T0 - HOUR, T0 + HOUR);
      expect(figures).toMatchObject({ total: n, bothSources: n, legacyOnly: 0, workflowsOnly: 0 });
    });

    it('a Workflows report naming no customer and its legacy report at the same instant: found by the interview, sent once', async () => {
      const { stores } = await sharedSchema(2);
      const [a, b] = [at(stores, 0), at(stores, 1)];
      const n = 20;
      await Promise.all(
        range(n).flatMap((k) => [
          a.accept(
            newEvent({
              id: `l${k}`,
              customerId: `c${k}`,
              interviewId: `i${k}`,
              receivedAt: T0 + k,
              preference: 'none',
            }),
            DEDUP,
          ),
          b.accept(
            newEvent({
              id: `w${k}`,
              source: 'workflows',
              customerId: null,
              interviewId: `i${k}`,
              receivedAt: T0 + k,
              preference: 'none',
            }),
            DEDUP,
          ),
        ]),
      );
      const sent = ids(await a.claimDue(T0 + MINUTE, 100, LEASE));
      for (const k of range(n)) {
        expect(
          sent.filter((id) => id === `l${k}` || id === `w${k}`),
          `login ${k}`,
        ).toHaveLength(1);
      }
    });

    it("a login's preferred report and its other report's fallback at the same instant: one is sent", async () => {
      const { stores } = await sharedSchema(2);
      const [a, b] = [at(stores, 0), at(stores, 1)];
      const n = 20;
      for (const k of range(n)) {
        await a.accept(
          newEvent({
            id: `w${k}`,
            source: 'workflows',
            customerId: `c${k}`,
            interviewId: `i${k}`,
            preference: 'other',
            waitMs: 5_000,
          }),
          DEDUP,
        );
      }
      const due = T0 + 5_000;
      await Promise.all([
        a.forwardFallbacks(due),
        ...range(n).map((k) =>
          b.accept(
            newEvent({
              id: `l${k}`,
              customerId: `c${k}`,
              interviewId: `i${k}`,
              receivedAt: due,
              preference: 'preferred',
            }),
            DEDUP,
          ),
        ),
      ]);
      await b.forwardFallbacks(due + MINUTE);
      const sent = ids(await b.claimDue(due + MINUTE, 100, LEASE));
      for (const k of range(n)) {
        expect(
          sent.filter((id) => id === `l${k}` || id === `w${k}`),
          `login ${k}`,
        ).toHaveLength(1);
      }
    });
  });

  describe('work done once', () => {
    const WINDOW = 10 * MINUTE;

    it('three stores forwarding fallbacks at the same moment forward each event once', async () => {
      const { stores } = await sharedSchema(3);
      for (const n of range(30)) {
        await at(stores, n % 3).accept(
          newEvent({
            id: `l${n}`,
            customerId: `c${n}`,
            receivedAt: T0 + n,
            shadowed: true,
            fallbackAt: T0 + WINDOW + n,
          }),
          DEDUP,
        );
      }
      const now = T0 + WINDOW + 100;
      const forwarded = await Promise.all(stores.map((store) => store.forwardFallbacks(now)));
      const all = forwarded.flat();
      expect(all.sort()).toEqual(
        range(30)
          .map((n) => `l${n}`)
          .sort(),
      );
      expect(await at(stores, 0).claimDue(now, 100, LEASE)).toHaveLength(30);
      expect(await at(stores, 1).forwardFallbacks(now + HOUR)).toEqual([]);
    });

    it('the two halves of one authentication at two stores at the same moment make one pair, and no fallback', async () => {
      const { stores } = await sharedSchema(2);
      const [a, b] = [at(stores, 0), at(stores, 1)];
      const pairing = {
        windowMs: WINDOW,
        comparison: { compared: [{ field: 'status' }], ignored: [] },
      } as NonNullable<NewEvent['pairing']>;
      const n = 20;
      await Promise.all(
        range(n).flatMap((k) => [
          a.accept(
            newEvent({
              id: `l${k}`,
              customerId: `c${k}`,
              interviewId: `i${k}`,
              receivedAt: T0 + k,
              shadowed: true,
              fallbackAt: T0 + WINDOW,
              pairing,
            }),
            DEDUP,
          ),
          b.accept(
            newEvent({
              id: `w${k}`,
              source: 'workflows',
              customerId: `c${k}`,
              interviewId: `i${k}`,
              receivedAt: T0 + k + 1,
              pairing,
            }),
            DEDUP,
          ),
        ]),
      );
      const { pairs } = await b.comparisonData(T0 - HOUR, T0 + HOUR);
      expect(pairs.map((p) => `${p.legacy.eventId}+${p.workflows.eventId}`).sort()).toEqual(
        range(n)
          .map((k) => `l${k}+w${k}`)
          .sort(),
      );
      // Each shadowed legacy event has its counterpart: no store forwards it after all.
      const fallbacks = await Promise.all(
        stores.map((store) => store.forwardFallbacks(T0 + WINDOW + 1)),
      );
      expect(fallbacks.flat()).toEqual([]);
    });

    it('a session result and a Face Authentication result of one interview at two stores at the same moment: the callback gets one', async () => {
      const { stores } = await sharedSchema(2);
      const [a, b] = [at(stores, 0), at(stores, 1)];
      const workflows = (id: string, kind: 'face-authentication' | 'session', k: number) => ({
        ...newEvent({
          id,
          source: 'workflows',
          customerId: `c${k}`,
          interviewId: `i${k}`,
          receivedAt: T0 + k,
          body: `{"${kind}":"${id}"}`,
        }),
        route: ROUTE_OF[kind],
        supersededBy: supersededBy(kind, `i${k}`),
      });
      const n = 15;
      const results = await Promise.all(
        range(n).flatMap((k) => [
          a.accept(workflows(`f${k}`, 'face-authentication', k), DEDUP),
          b.accept(workflows(`s${k}`, 'session', k), DEDUP),
        ]),
      );
      for (const k of range(n)) {
        const statuses = [results[2 * k]?.status, results[2 * k + 1]?.status].sort();
        expect(statuses, `interview i${k}`).toEqual(['pending', 'superseded']);
      }
      expect(await a.claimDue(T0 + HOUR, 100, LEASE)).toHaveLength(n);
    });

    it('two stores ending the same wait for a score at the same moment: one forwards it, the other finds it done', async () => {
      const { stores } = await sharedSchema(2);
      const [a, b] = [at(stores, 0), at(stores, 1)];
      const n = 10;
      const waiting = range(n).map((k) => ({
        ...newEvent({
          id: `w${k}`,
          source: 'workflows',
          customerId: `c${k}`,
          interviewId: `i${k}`,
        }),
        enrich: { deadline: T0 + 10 * MINUTE },
      }));
      for (const event of waiting) await a.accept(event, DEDUP);
      const completion = (event: NewEvent): EnrichmentCompletion => ({
        state: 'scored',
        normalized: event.normalized as NonNullable<NewEvent['normalized']>,
        forward: { format: 'legacy', body: new TextEncoder().encode(`scored ${event.id}`) },
        legacyFields: [],
        error: null,
        called: true,
        pairing: PAIRING,
      });
      const results = await Promise.all(
        waiting.flatMap((event) => [
          a.completeEnrichment(event.id, completion(event), T0 + MINUTE),
          b.completeEnrichment(event.id, completion(event), T0 + MINUTE),
        ]),
      );
      for (const k of range(n)) {
        expect([results[2 * k], results[2 * k + 1]].map(String).sort(), `w${k}`).toEqual([
          'null',
          'pending',
        ]);
      }
      expect(await b.claimDue(T0 + MINUTE, 100, LEASE)).toHaveLength(n);
    });

    it('two stores replaying one dead event at the same moment enqueue it once', async () => {
      const { stores } = await sharedSchema(2);
      const [a, b] = [at(stores, 0), at(stores, 1)];
      await a.accept(newEvent({ id: 'e1' }), DEDUP);
      await a.claimDue(T0, 10, LEASE);
      await a.recordFailed('e1', attempt({ statusCode: 410 }), 'dead');
      const now = T0 + HOUR;
      const results = await Promise.all([a.replay('e1', now), b.replay('e1', now)]);
      expect(results.sort()).toEqual(['pending', 'replayed']);
      expect(ids(await b.claimDue(now, 10, LEASE))).toEqual(['e1']);
      expect(await a.claimDue(now + LEASE - 1, 10, LEASE)).toEqual([]);
    });

    it('two stores pruning at the same moment delete each event and each redelivery key once', async () => {
      const { stores } = await sharedSchema(2);
      const [a, b] = [at(stores, 0), at(stores, 1)];
      const n = 40;
      for (const k of range(n)) {
        await a.accept(newEvent({ id: `e${k}`, customerId: `c${k}`, receivedAt: T0 + k }), DEDUP);
      }
      for (const item of await b.claimDue(T0 + HOUR, 100, LEASE)) {
        await b.recordDelivered(item.eventId, attempt());
      }
      const pruned = await Promise.all([a.prune(T0 + HOUR, 15), b.prune(T0 + HOUR, 15)]);
      const again = await Promise.all([a.prune(T0 + HOUR, 100), b.prune(T0 + HOUR, 100)]);
      const events = [...pruned, ...again].reduce((sum, p) => sum + p.events, 0);
      expect(events).toBe(n);
      const keys = await Promise.all([
        a.pruneDedupKeys(T0 + HOUR, 100),
        b.pruneDedupKeys(T0 + HOUR, 100),
      ]);
      expect(keys[0] + keys[1]).toBe(n);
      expect((await a.listEvents({ limit: 100 })).items).toEqual([]);
    });
  });

  describe('settings', () => {
    it('what one store sets, the others read at once; setting it at the same moment leaves one value', async () => {
      const { stores } = await sharedSchema(3);
      const [a, b, c] = [at(stores, 0), at(stores, 1), at(stores, 2)];
      await a.setSetting('forward_source', 'workflows', T0);
      expect(await b.getSetting('forward_source')).toEqual({ value: 'workflows', updatedAt: T0 });
      await Promise.all([
        a.setSetting('forward_source', 'legacy', T0 + 1),
        b.setSetting('forward_source', 'both', T0 + 1),
        c.setSetting('forward_source', 'workflows', T0 + 1),
      ]);
      const seen = await Promise.all(stores.map((store) => store.getSetting('forward_source')));
      expect(new Set(seen.map((s) => s?.value)).size).toBe(1);
      expect(['legacy', 'both', 'workflows']).toContain(seen[0]?.value);
      await c.deleteSetting('forward_source');
      expect(await a.getSetting('forward_source')).toBeUndefined();
    });

    it("compare and set at three stores at the same moment: one wins, the others get false and never overwrite the winner's value", async () => {
      const { stores } = await sharedSchema(3);
      const [a, b, c] = [at(stores, 0), at(stores, 1), at(stores, 2)];
      for (const round of range(10)) {
        await a.setSetting('plan', `base-${round}`, T0 + round);
        const results = await Promise.all(
          stores.map((store, s) =>
            store.replaceSetting('plan', `base-${round}`, `step-${round}-${s}`, T0 + round),
          ),
        );
        expect(results.filter(Boolean), `round ${round}`).toHaveLength(1);
        const winner = results.indexOf(true);
        expect((await b.getSetting('plan'))?.value).toBe(`step-${round}-${winner}`);
        // A step decided on the stale value changes nothing.
        expect(await c.replaceSetting('plan', `base-${round}`, 'stale', T0 + round)).toBe(false);
        expect((await a.getSetting('plan'))?.value).toBe(`step-${round}-${winner}`);
      }
    });
  });
});
