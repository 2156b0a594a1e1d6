import type { Source } from '../normalize/normalized-schema.js';
import type { ComparedEvent } from '../store/figure-types.js';
import { clearlyLower, type PassRate, passRate } from '../util/pass-rate.js';

// Comparing the two sources when logins are not reported by both: the populations. Pass rates
// with their 95% interval (util/pass-rate.ts), and each customer's results under legacy before
// against the same customer's under Workflows after. Pure.

const count = (events: readonly ComparedEvent[]) =>
  passRate(events.filter((e) => e.status === 'PASS').length, events.length);

/**
 * The same customers before and after, by their one-sided logins (a login reported by both is
 * compared pair by pair instead): their legacy-only results before their first Workflows-only
 * result, against their Workflows-only results from then on.
 */
export interface CustomersBeforeAfter {
  /** Customers with legacy results before, and Workflows results after. */
  customers: number;
  legacyBefore: PassRate;
  workflowsAfter: PassRate;
  /** Whether the same customers pass clearly fewer under Workflows. */
  workflowsClearlyLower: boolean;
}

export function customersBeforeAfter(events: readonly ComparedEvent[]): CustomersBeforeAfter {
  const byCustomer = new Map<string, ComparedEvent[]>();
  for (const event of events) {
    if (event.customerId === null || event.paired) continue;
    const list = byCustomer.get(event.customerId) ?? [];
    list.push(event);
    byCustomer.set(event.customerId, list);
  }
  const before: ComparedEvent[] = [];
  const after: ComparedEvent[] = [];
  let customers = 0;
  for (const list of byCustomer.values()) {
    const firstWorkflows = Math.min(
      ...list.filter((e) => e.source === 'workflows').map((e) => e.receivedAt),
    );
    if (!Number.isFinite(firstWorkflows)) continue;
    const legacy = list.filter((e) => e.source === 'legacy' && e.receivedAt < firstWorkflows);
    if (legacy.length === 0) continue;
    customers++;
    before.push(...legacy);
    after.push(...list.filter((e) => e.source === 'workflows'));
  }
  const legacyBefore = count(before);
  const workflowsAfter = count(after);
  return {
    customers,
    legacyBefore,
    workflowsAfter,
    workflowsClearlyLower: clearlyLower(workflowsAfter, legacyBefore),
  };
}

/** The populations' figures, as the report gives them. */
export interface Populations {
  passRate: Record<Source, PassRate> & { workflowsClearlyLower: boolean };
  sameCustomers: CustomersBeforeAfter;
}

export function populationsOf(events: readonly ComparedEvent[]): Populations {
  const legacy = count(events.filter((e) => e.source === 'legacy'));
  const workflows = count(events.filter((e) => e.source === 'workflows'));
  return {
    passRate: { legacy, workflows, workflowsClearlyLower: clearlyLower(workflows, legacy) },
    sameCustomers: customersBeforeAfter(events),
  };
}
