import type { Source } from '../normalize/normalized-schema.js';
import type { EventSummary } from '../store/admin-types.js';
import { ALL, bucketOf, isMoved } from '../store/rules/bucket.js';
import type { ForwardingMode } from '../store/rules/forwarding.js';
import { RESULT_STATUSES } from '../store/rules/statuses.js';
import type { EventStatus, Store } from '../store/store.js';

/** Logins shown at most, and the events read for them (a login has one or two reports). */
export const CUSTOMER_LOGINS = 20;

/** The report of a login that reaches the callback, by what became of it. */
const CALLBACK_ORDER: readonly EventStatus[] = [
  'delivered',
  'pending',
  'dead',
  'cancelled',
  'enriching',
];

export interface LoginView {
  /** When its first report arrived. */
  at: string;
  interviewId: string | null;
  reports: {
    eventId: string;
    source: Source;
    status: EventStatus;
    result: EventSummary['result']['status'];
    reason: EventSummary['result']['reason'];
  }[];
  /** The report the callback got (or gets); null when none was sent (yet). */
  callback: {
    eventId: string;
    source: Source;
    status: EventStatus;
    result: EventSummary['result']['status'];
    reason: EventSummary['result']['reason'];
    attempts: number;
    deliveredAt: string | null;
    lastError: string | null;
  } | null;
}

export interface CustomerView {
  customerId: string;
  /** FORWARD_SOURCE in force. */
  forwardSource: string;
  /** Place in line for a share (0 to 9 999). */
  bucket: number;
  /** Whether the customer's Workflows reports are the ones forwarded now; null: no preference (both). */
  moved: boolean | null;
  why: string;
  /** Newest first. */
  logins: LoginView[];
}

/** Whether the mode in force prefers Workflows for this customer, and why. */
export function movedAt(
  customerId: string,
  mode: ForwardingMode,
): Pick<CustomerView, 'bucket' | 'moved' | 'why'> {
  const bucket = bucketOf(customerId);
  if ('prefer' in mode) {
    if (mode.prefer === null) {
      return {
        bucket,
        moved: null,
        why: 'FORWARD_SOURCE=both: no source is preferred; the first report of each login is forwarded',
      };
    }
    const moved = mode.prefer === 'workflows';
    return {
      bucket,
      moved,
      why: `FORWARD_SOURCE=${mode.prefer}: every customer's ${mode.prefer} reports are forwarded`,
    };
  }
  const moved = isMoved(customerId, mode.share);
  const percent = `${Number(((mode.share / ALL) * 100).toFixed(2))}%`;
  return {
    bucket,
    moved,
    why: `its bucket ${bucket} is ${moved ? 'below' : 'not below'} the share ${mode.share} of ${ALL} (${percent} of customers on Workflows)`,
  };
}

/** A customer as support asks about them: moved or not, and their recent logins. */
export async function customerView(
  store: Pick<Store, 'listEvents'>,
  customerId: string,
  forwarding: { mode: ForwardingMode; source: string },
): Promise<CustomerView> {
  const page = await store.listEvents({ customerId, limit: CUSTOMER_LOGINS * 2 });
  return {
    customerId,
    forwardSource: forwarding.source,
    ...movedAt(customerId, forwarding.mode),
    logins: loginsOf(page.items).slice(0, CUSTOMER_LOGINS),
  };
}

/** Events (newest first) as logins: the two reports of a pair together, results only. */
export function loginsOf(events: readonly EventSummary[]): LoginView[] {
  const results = events.filter((e) => (RESULT_STATUSES as readonly string[]).includes(e.status));
  const byId = new Map(results.map((e) => [e.id, e]));
  const seen = new Set<string>();
  const logins: LoginView[] = [];
  for (const event of results) {
    if (seen.has(event.id)) continue;
    const other = event.pair ? byId.get(event.pair.counterpartId) : undefined;
    const reports = [event, ...(other ? [other] : [])].sort((a, b) =>
      a.receivedAt.localeCompare(b.receivedAt),
    );
    for (const r of reports) seen.add(r.id);
    const sent = CALLBACK_ORDER.map((status) => reports.find((r) => r.status === status)).find(
      (r) => r !== undefined,
    );
    logins.push({
      at: (reports[0] as EventSummary).receivedAt,
      interviewId: reports.find((r) => r.result.interviewId !== null)?.result.interviewId ?? null,
      reports: reports.map((r) => ({
        eventId: r.id,
        source: r.source,
        status: r.status,
        result: r.result.status,
        reason: r.result.reason,
      })),
      callback: sent
        ? {
            eventId: sent.id,
            source: sent.source,
            status: sent.status,
            result: sent.result.status,
            reason: sent.result.reason,
            attempts: sent.attempts,
            deliveredAt: sent.deliveredAt,
            lastError: sent.lastError,
          }
        : null,
    });
  }
  return logins;
}
