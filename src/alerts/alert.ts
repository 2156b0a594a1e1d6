import { hostname } from 'node:os';

/**
 * What an operator is told about (ALERT_WEBHOOK_URL): an event is dead; the cut-over guard rolled
 * the share back and paused; the callback failing for ALERT_CALLBACK_DOWN_AFTER, and then
 * answering again; a customer held for ORDER_HOLD_MAX by an event the callback refuses; the store
 * unavailable, and then back.
 */
export const ALERT_KINDS = [
  'event_dead',
  'guard_rollback',
  'callback_down',
  'callback_recovered',
  'customer_held',
  'store_unavailable',
  'store_recovered',
] as const;
export type AlertKind = (typeof ALERT_KINDS)[number];

/** The ids an alert is about, to look up with the admin API or the CLI. */
export interface AlertIds {
  eventIds?: string[];
  customerIds?: string[];
  /** `legacyEventId/workflowsEventId` of pairs (the guard's disagreements). */
  pairIds?: string[];
}

export interface Alert {
  kind: AlertKind;
  /** One line a person acts on: what happened and what to do. No links (see linkFree). */
  summary: string;
  ids: AlertIds;
}

/** The body POSTed to ALERT_WEBHOOK_URL: Slack-compatible `text`, and the same in fields. */
export interface AlertPayload {
  text: string;
  alert: AlertKind;
  summary: string;
  ids: AlertIds;
  /** How many alerts of the kind this one stands for (more than 1: a summary, see rate-limit.ts). */
  count: number;
  at: string;
  service: 'faceauth-shim';
  /** The host that sent it (several instances may run). */
  instance: string;
}

const INSTANCE = hostname();

/**
 * Text as it may travel in an alert: anything that looks like a URL (an error message quoting
 * one) is replaced, so a chat never unfurls it and no address with a token in it leaves.
 */
export function linkFree(text: string): string {
  return text.replace(/\b[a-z][a-z0-9+.-]*:\/\/\S+/gi, '<url>');
}

export function payloadOf(alert: Alert, count: number, at: number): AlertPayload {
  const summary = linkFree(alert.summary);
  return {
    text: `faceauth-shim ${alert.kind}: ${summary}`,
    alert: alert.kind,
    summary,
    ids: alert.ids,
    count,
    at: new Date(at).toISOString(),
    service: 'faceauth-shim',
    instance: INSTANCE,
  };
}
