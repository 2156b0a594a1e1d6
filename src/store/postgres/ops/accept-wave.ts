import type { AcceptResult, NewEvent } from '../../accept-types.js';
import { type CandidateRow, toCandidates } from '../../rows.js';
import { type AcceptPlan, asksLine, planAccept } from '../../rules/accept-plan.js';
import { decideArrival, loginIdsOf, seeksCounterpart } from '../../rules/arrival.js';
import { counterpartQuery } from '../../rules/login.js';
import { HELD } from '../../sql-fragments.js';
import type { Queryable } from '../driver.js';
import { bytes } from '../rows.js';
import * as intake from '../sql/intake.js';
import * as batch from '../sql/intake-batch.js';
import { acceptLocks } from './accept.js';
import { applyCounterpart, insertPair } from './apply-pair.js';

const named = (name: string, text: string) => ({ name, text });

/**
 * The accepts of a batch in waves (ops/accept-batch.ts): an accept goes in the first wave after
 * every earlier one of the batch it shares a redelivery key or a lock with (its line, customer
 * or interview), so within a wave none can see another, and a later wave sees the earlier ones.
 */
export function waves(events: readonly NewEvent[]): NewEvent[][] {
  const last = new Map<string, number>();
  const out: NewEvent[][] = [];
  for (const event of events) {
    const keys = [`d:${event.dedupKey}`, ...acceptLocks(event)];
    const wave = Math.max(-1, ...keys.map((k) => last.get(k) ?? -1)) + 1;
    for (const k of keys) last.set(k, wave);
    const members = out[wave] ?? [];
    members.push(event);
    out[wave] = members;
  }
  return out;
}

/**
 * One wave of accepts inside the batch's transaction, each decided and planned as alone
 * (rules/arrival.ts, rules/accept-plan.ts), its statements over the whole wave: the locks with
 * the redelivery keys, the earlier results, the candidates, the lines, then the events with their
 * outbox entries; pairs (rare) one by one after them (PAIRING_POINT).
 */
export async function acceptWave(
  c: Queryable,
  events: readonly NewEvent[],
  dedupWindowMs: number,
  instanceId: string,
): Promise<AcceptResult[]> {
  const kept = new Set(
    (
      await c.query<{ event_id: string }>(
        named('keep_dedup_keys', batch.LOCK_AND_KEEP_DEDUP_KEYS),
        [
          events.map((e) => e.dedupKey),
          events.map((e) => e.id),
          events.map((e) => e.receivedAt),
          dedupWindowMs,
          events.flatMap(acceptLocks),
        ],
      )
    ).rows.map((r) => r.event_id),
  );
  const results = new Map<string, AcceptResult>();
  for (const event of events) {
    if (kept.has(event.id)) continue;
    const { rows } = await c.query<{ id: string }>(intake.COUNT_DUPLICATE, [event.dedupKey]);
    results.set(event.id, { eventId: rows[0]?.id ?? event.id, duplicate: true });
  }
  const fresh = events.filter((e) => kept.has(e.id));
  if (fresh.length > 0) {
    const plans = await planWave(c, fresh);
    await insertWave(c, plans, instanceId);
    for (const plan of plans) {
      if (plan.pair) await insertPair(c, plan.pair);
      await applyCounterpart(c, plan.counterpart);
      results.set(plan.row.id, plan.result);
    }
  }
  return events.map((e) => results.get(e.id) as AcceptResult);
}

/** The facts of the wave, read in three statements, and each accept's plan. */
async function planWave(c: Queryable, events: readonly NewEvent[]): Promise<AcceptPlan[]> {
  const superseding = events.flatMap((e, i) => (e.supersededBy ? [{ e, i }] : []));
  const earlier = new Map<number, { id: string; route: string }>();
  if (superseding.length > 0) {
    const { rows } = await c.query<{ i: number; id: string; route: string }>(
      batch.EARLIER_RESULTS,
      [
        superseding.map((s) => s.i),
        superseding.map((s) => s.e.supersededBy?.interviewId),
        superseding.map((s) => JSON.stringify(s.e.supersededBy?.routes ?? [])),
        superseding.map((s) => s.e.id),
      ],
    );
    for (const row of rows) earlier.set(row.i, { id: row.id, route: row.route });
  }
  const seeking = events.flatMap((e, i) =>
    seeksCounterpart(e, earlier.get(i))
      ? [{ i, q: counterpartQuery(loginIdsOf(e), e.pairing.windowMs) }]
      : [],
  );
  const candidates = new Map<number, CandidateRow[]>();
  if (seeking.length > 0) {
    const { rows } = await c.query<CandidateRow & { i: number }>(
      named('login_candidates_wave', batch.LOGIN_CANDIDATES),
      [
        seeking.map((s) => s.i),
        seeking.map((s) => s.q.source),
        seeking.map((s) => s.q.customerId),
        seeking.map((s) => s.q.interviewId),
        seeking.map((s) => s.q.from),
        seeking.map((s) => s.q.to),
      ],
    );
    for (const row of rows) candidates.set(row.i, [...(candidates.get(row.i) ?? []), row]);
  }
  const arrivals = events.map((e, i) =>
    decideArrival(e, earlier.get(i), toCandidates(candidates.get(i) ?? [])),
  );
  const asking = events.filter((e, i) => asksLine(e, arrivals[i] as (typeof arrivals)[number]));
  const inLine = new Set<string>();
  if (asking.length > 0) {
    const { rows } = await c.query<{ order_key: string }>(named('in_line_wave', batch.IN_LINE), [
      asking.map((e) => e.orderKey),
    ]);
    for (const row of rows) inLine.add(row.order_key);
  }
  return events.map((e, i) =>
    planAccept(e, arrivals[i] as (typeof arrivals)[number], inLine.has(e.orderKey)),
  );
}

/** The wave's events and outbox entries in one statement. */
async function insertWave(
  c: Queryable,
  plans: readonly AcceptPlan[],
  instanceId: string,
): Promise<void> {
  const col = <T>(f: (p: AcceptPlan) => T) => plans.map(f);
  const orNull = (b: Uint8Array | null | undefined) => (b == null ? null : bytes(b));
  await c.query(named('insert_events_outbox_wave', batch.INSERT_EVENTS_AND_OUTBOX), [
    col((p) => p.row.id),
    col((p) => p.row.source),
    col((p) => p.row.route),
    col((p) => p.row.receivedAt),
    col((p) => p.row.dedupKey),
    col((p) => p.row.contentType),
    col((p) => bytes(p.row.rawBody)),
    col((p) => p.row.normalized),
    col((p) => p.row.resultStatus),
    col((p) => p.row.reason),
    col((p) => p.row.customerId),
    col((p) => p.row.interviewId),
    col((p) => p.row.status),
    col((p) => p.row.forwardFormat),
    col((p) => orNull(p.row.forwardBody)),
    col((p) => p.row.fallbackAt),
    col((p) => p.row.legacyFields),
    col((p) => p.row.eventName),
    col((p) => p.row.note),
    col((p) => p.row.enrichDeadline),
    col((p) => p.row.enrichWait),
    col((p) => p.row.enrichNextAt),
    col((p) => p.row.shadowed),
    col((p) => p.row.bucket),
    col((p) => orNull(p.outbox?.body)),
    col((p) => (p.outbox ? (p.outbox.held ? HELD : p.outbox.nextAttemptAt) : null)),
    col((p) => p.outbox?.orderKey ?? null),
    col((p) => p.outbox?.leaseUntil ?? null),
    col((p) => (p.outbox?.leaseUntil == null ? null : instanceId)),
    col((p) => p.outbox !== null),
  ]);
}
