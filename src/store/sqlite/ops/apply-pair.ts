import type { CounterpartAction } from '../../rules/arrival.js';
import type { NewPair, PairComparison } from '../../rules/pairing.js';
import type { Sqlite } from '../statements.js';

/** Inside a transaction: the two reports of one login, paired. */
export function insertPair({ s }: Sqlite, pair: NewPair): void {
  const c = pair.comparison;
  s.insertPair.run({
    legacyId: pair.legacyId,
    workflowsId: pair.workflowsId,
    pairedAt: pair.pairedAt,
    firstAt: pair.firstAt,
    forwarded: pair.forwarded,
    statusAgrees: c ? (c.statusAgrees ? 1 : 0) : null,
    reasonAgrees: c ? (c.reasonAgrees ? 1 : 0) : null,
    kind: c?.kind ?? null,
    differences: c?.differences ?? null,
    bucket: pair.bucket,
  });
}

/** Inside a transaction: a pair's comparison, once both reports have a result. */
export function updateComparison(
  { s }: Sqlite,
  legacyId: string,
  workflowsId: string,
  c: PairComparison,
): void {
  s.updatePair.run({
    legacyId,
    workflowsId,
    statusAgrees: c.statusAgrees ? 1 : 0,
    reasonAgrees: c.reasonAgrees ? 1 : 0,
    kind: c.kind,
    differences: c.differences,
  });
}

/** Inside a transaction: what a login's report does to its other report (rules/arrival.ts). */
export function applyCounterpart(
  { s }: Sqlite,
  counterpart: { id: string; action: CounterpartAction; at: number } | null,
): void {
  if (!counterpart) return;
  const { id, action, at } = counterpart;
  if (action === 'settle') s.settleWait.run(id);
  else if (action === 'unshadow') s.unshadow.run(id);
  else {
    s.enqueue.run(at, id);
    s.setPending.run(id);
  }
}
