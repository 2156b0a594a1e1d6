import type { Source } from '../normalize/normalized-schema.js';

/** The four webhooks faceauth-shim receives, one route each. */
export const WEBHOOK_KINDS = [
  'legacy',
  'face-authentication',
  'session',
  'onboarding-status',
] as const;
export type WebhookKind = (typeof WEBHOOK_KINDS)[number];

/** Whose events they are: the deprecated webhook, or the new Workflows/Flows method. */
export const SOURCE_OF: Record<WebhookKind, Source> = {
  legacy: 'legacy',
  'face-authentication': 'workflows',
  session: 'workflows',
  'onboarding-status': 'workflows',
};

/** How error messages name each body. */
export const BODY_NAMES: Record<WebhookKind, string> = {
  legacy: 'an Authentication Webhook 1:1 body',
  'face-authentication': 'a Face Authentication webhook body',
  session: 'a Flows/Workflows session webhook body',
  'onboarding-status': 'an onboarding status webhook body',
};
