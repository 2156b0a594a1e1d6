import type { NormalizedResult, Source } from '../normalize/normalized-schema.js';
import type { EnrichmentItem, ForwardFormat } from './accept-types.js';
import type { EventSummary, Page, QuarantineRecord, SettingValue } from './admin-types.js';
import type { ComparedEvent } from './figure-types.js';
import { fateOf, type LoginCandidate } from './rules/login.js';
import type { EventStatus } from './store.js';

// Row mapping, shared by both backends (flags read as 0/1, times as numbers): what the SQL returns, as the Store interface's types.

export interface EventRow {
  seq: number;
  id: string;
  source: Source;
  route: string;
  received_at: number;
  result_status: NormalizedResult['status'] | null;
  reason: NormalizedResult['reason'];
  customer_id: string | null;
  interview_id: string | null;
  status: EventStatus;
  forward_format: ForwardFormat | null;
  attempts: number;
  last_error: string | null;
  delivered_at: number | null;
  duplicates: number;
  next_attempt_at: number | null;
  event_name: string | null;
  note: string | null;
  enrichment: 'scored' | 'unavailable' | null;
  enrich_deadline: number | null;
  enrich_attempts: number;
  enrich_error: string | null;
  /** Its login's other report (from the pairs), and which source the callback gets. */
  pair_id: string | null;
  pair_forwarded: Source | null;
}

export interface QuarantineRow {
  seq: number;
  id: string;
  received_at: number;
  route: string;
  content_type: string | null;
  http_status: number;
  code: string;
  message: string;
  issues: string | null;
  body: Buffer;
  /** 0/1 in SQLite, a boolean in PostgreSQL. */
  truncated: number | boolean;
  reingested_event_id: string | null;
  reingested_at: number | null;
}

export function toQuarantineRecord(row: QuarantineRow): QuarantineRecord {
  return {
    id: row.id,
    receivedAt: iso(row.received_at) as string,
    route: row.route,
    contentType: row.content_type,
    httpStatus: row.http_status,
    code: row.code,
    message: row.message,
    issues: row.issues ? (JSON.parse(row.issues) as QuarantineRecord['issues']) : null,
    body: row.body,
    truncated: Boolean(row.truncated),
    reingested:
      row.reingested_event_id === null
        ? null
        : { eventId: row.reingested_event_id, at: iso(row.reingested_at ?? 0) as string },
  };
}

/** An event waiting for its score, as a claim reads it. */
export interface EnrichmentRow {
  id: string;
  route: string;
  received_at: number;
  raw_body: Buffer;
  interview_id: string | null;
  enrich_deadline: number;
  enrich_attempts: number;
  enrich_error: string | null;
}

export function toEnrichmentItem(row: EnrichmentRow): EnrichmentItem {
  return {
    eventId: row.id,
    route: row.route,
    receivedAt: row.received_at,
    rawBody: row.raw_body,
    interviewId: row.interview_id,
    deadline: row.enrich_deadline,
    attempts: row.enrich_attempts,
    lastError: row.enrich_error,
  };
}

export interface ComparedRow {
  id: string;
  source: Source;
  received_at: number;
  result_status: NormalizedResult['status'];
  reason: string | null;
  customer_id: string | null;
  interview_id: string | null;
  status: EventStatus;
  delivered_at: number | null;
  legacy_fields: string | null;
  paired: number;
  enrichment: 'scored' | 'unavailable' | null;
}

export const iso = (ms: number | null) => (ms === null ? null : new Date(ms).toISOString());

/** A report that may be its login's other report, as both stores read it. */
export interface CandidateRow {
  id: string;
  source: Source;
  customer_id: string | null;
  interview_id: string | null;
  received_at: number;
  status: EventStatus;
  /** 0/1 in SQLite, a boolean in PostgreSQL. */
  shadowed: number | boolean;
  fallback_at: number | null;
  /** The normalized result, JSON; null while it waits for its score. */
  normalized: string | null;
}

/** The candidate as rules/login.ts sees it; undefined for a row that is no login's result. */
export function toCandidate(row: CandidateRow): LoginCandidate | undefined {
  const fate = fateOf({
    status: row.status,
    shadowed: Boolean(row.shadowed),
    fallbackAt: row.fallback_at,
  });
  if (fate === null) return undefined;
  return {
    id: row.id,
    source: row.source,
    customerId: row.customer_id,
    interviewId: row.interview_id,
    receivedAt: row.received_at,
    status: row.status,
    fate,
    normalized: row.normalized === null ? null : (JSON.parse(row.normalized) as NormalizedResult),
  };
}

/** The candidates of a lookup, oldest first, as rules/login.ts takes them. */
export function toCandidates(rows: readonly CandidateRow[]): LoginCandidate[] {
  return rows.map(toCandidate).filter((c): c is LoginCandidate => c !== undefined);
}

export function toCompared(row: ComparedRow): ComparedEvent {
  return {
    eventId: row.id,
    source: row.source,
    receivedAt: row.received_at,
    status: row.result_status,
    reason: row.reason,
    customerId: row.customer_id,
    interviewId: row.interview_id,
    delivery: row.status,
    deliveredAt: row.delivered_at,
    legacyFields: row.legacy_fields ? (JSON.parse(row.legacy_fields) as string[]) : [],
    paired: row.paired === 1,
    enrichment: row.enrichment,
  };
}

export function toSummary(row: EventRow): EventSummary {
  return {
    id: row.id,
    source: row.source,
    route: row.route,
    receivedAt: iso(row.received_at) as string,
    status: row.status,
    event: row.event_name,
    result: {
      status: row.result_status,
      reason: row.reason,
      customerId: row.customer_id,
      interviewId: row.interview_id,
    },
    forwardFormat: row.forward_format,
    attempts: row.attempts,
    nextAttemptAt: row.status === 'pending' ? iso(row.next_attempt_at) : null,
    lastError: row.last_error,
    deliveredAt: iso(row.delivered_at),
    duplicates: row.duplicates,
    pair:
      row.pair_id === null ? null : { counterpartId: row.pair_id, forwarded: row.pair_forwarded },
    note: row.note,
    enrichment:
      row.status === 'enriching'
        ? {
            state: 'waiting',
            attempts: row.enrich_attempts,
            lastError: row.enrich_error,
            deadline: iso(row.enrich_deadline),
          }
        : row.enrichment === null
          ? null
          : {
              state: row.enrichment,
              attempts: row.enrich_attempts,
              lastError: row.enrich_error,
              deadline: null,
            },
  };
}

/**
 * The seq a page's cursor (Page.next, from `page`) stands before; undefined for no cursor or one
 * that is not a seq (then the list starts at its newest).
 */
export function pageBefore(cursor: string | undefined): number | undefined {
  const seq = cursor === undefined ? undefined : Number(cursor);
  return seq !== undefined && Number.isSafeInteger(seq) ? seq : undefined;
}

/** A settings row (Store.getSetting, with its key Store.listSettings). */
export function toSettingValue(row: { value: string; updated_at: number }): SettingValue {
  return { value: row.value, updatedAt: row.updated_at };
}

export function page<Row extends { seq: number }, T>(
  rows: Row[],
  limit: number,
  map: (row: Row) => T,
): Page<T> {
  const more = rows.length > limit;
  const kept = more ? rows.slice(0, limit) : rows;
  return { items: kept.map(map), next: more ? String(kept[kept.length - 1]?.seq) : null };
}
