import { ROUTE_OF, SOURCE_OF, type WebhookKind } from '../../intake/webhook-kinds.js';

/**
 * One authentication reaches the callback once. Per interview, the callback gets every Face
 * Authentication attempt or the session's result, whichever arrives first: a session result
 * (Session Succeeded/Failed, ONBOARDING_FINISHED) after any Workflows result of its
 * interview, and a Face Authentication event after a session result, are superseded.
 */
const SESSION_RESULTS = [ROUTE_OF.session, ROUTE_OF['onboarding-status']];
const SUPERSEDED_BY: Record<WebhookKind, readonly string[]> = {
  legacy: [],
  'face-authentication': SESSION_RESULTS,
  session: [ROUTE_OF['face-authentication'], ...SESSION_RESULTS],
  'onboarding-status': [ROUTE_OF['face-authentication'], ...SESSION_RESULTS],
};

/** Which earlier events make an event a repeat: an interview and the routes to look on. */
export interface SupersedeRule {
  interviewId: string;
  routes: readonly string[];
}

/** The earlier events that make a Workflows event of this kind and interview a repeat. */
export function supersededBy(kind: WebhookKind, interviewId: string | null): SupersedeRule | null {
  if (SOURCE_OF[kind] !== 'workflows' || !interviewId) return null;
  return { interviewId, routes: SUPERSEDED_BY[kind] };
}

/** The note a superseded event carries: which earlier event the callback gets instead. */
export const supersededNote = (earlier: { id: string; route: string }) =>
  `the same authentication as event ${earlier.id} (${earlier.route}), which the callback gets instead: not forwarded`;
