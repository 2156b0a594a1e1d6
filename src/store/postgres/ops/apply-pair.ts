import type { CounterpartAction } from '../../rules/arrival.js';
import type { NewPair, PairComparison } from '../../rules/pairing.js';
import type { Queryable } from '../driver.js';
import * as comparison from '../sql/comparison.js';
import * as outbox from '../sql/outbox.js';

/** Inside a transaction: the two reports of one login, paired. */
export async function insertPair(c: Queryable, pair: NewPair): Promise<void> {
  const compared = pair.comparison;
  await c.query(comparison.INSERT_PAIR, [
    pair.legacyId,
    pair.workflowsId,
    pair.pairedAt,
    pair.firstAt,
    pair.forwarded,
    compared?.statusAgrees ?? null,
    compared?.reasonAgrees ?? null,
    compared?.kind ?? null,
    compared?.differences ?? null,
    pair.bucket,
  ]);
}

/** Inside a transaction: a pair's comparison, once both reports have a result. */
export async function updateComparison(
  c: Queryable,
  legacyId: string,
  workflowsId: string,
  compared: PairComparison,
): Promise<void> {
  await c.query(comparison.UPDATE_PAIR, [
    legacyId,
    workflowsId,
    compared.statusAgrees,
    compared.reasonAgrees,
    compared.kind,
    compared.differences,
  ]);
}

/** Inside a transaction: what a login's report does to its other report (rules/arrival.ts). */
export async function applyCounterpart(
  c: Queryable,
  counterpart: { id: string; action: CounterpartAction; at: number } | null,
): Promise<void> {
  if (!counterpart) return;
  const { id, action, at } = counterpart;
  if (action === 'settle') await c.query(comparison.SETTLE_WAIT, [id]);
  else if (action === 'unshadow') await c.query(comparison.UNSHADOW, [id]);
  else await c.query(outbox.ENQUEUE, [[id], at]);
}
