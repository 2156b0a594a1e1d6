import { type CandidateRow, toCandidates } from '../../rows.js';
import type { CounterpartQuery, LoginCandidate } from '../../rules/login.js';
import type { Queryable } from '../driver.js';
import * as comparison from '../sql/comparison.js';

/** Inside a transaction holding the locks: the unmatched reports that may be the login's other one. */
export async function loginCandidates(
  c: Queryable,
  q: CounterpartQuery,
): Promise<LoginCandidate[]> {
  const { rows } = await c.query<CandidateRow>(comparison.LOGIN_CANDIDATES, [
    q.source,
    q.customerId,
    q.interviewId,
    q.from,
    q.to,
  ]);
  return toCandidates(rows);
}
