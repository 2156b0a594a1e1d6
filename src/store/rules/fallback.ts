import type { Source } from '../../intake/webhook-kinds.js';
import type { FallbackRule } from '../store.js';

/**
 * A shadowed event whose fallback time has come is forwarded unless a counterpart from the
 * other source is stored: a result (pending, delivered, dead, shadowed or enriching) received
 * within the window before or after it, of the same customer (and the same interview where
 * both carry one), or, for events that name no customer (a session event, an
 * ONBOARDING_FINISHED still waiting for its score), of the same interview. This says what to
 * look for; the backend's query matches it.
 */
export interface CounterpartQuery {
  source: Source;
  customerId: string | null;
  interviewId: string | null;
  from: number;
  to: number;
}

export function fallbackCounterpart(
  event: {
    source: Source;
    customerId: string | null;
    interviewId: string | null;
    receivedAt: number;
  },
  rule: FallbackRule,
): CounterpartQuery {
  return {
    source: event.source === 'legacy' ? 'workflows' : 'legacy',
    customerId: event.customerId,
    interviewId: event.interviewId,
    from: event.receivedAt - rule.windowMs,
    to: event.receivedAt + rule.windowMs,
  };
}
