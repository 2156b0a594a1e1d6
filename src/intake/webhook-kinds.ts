/** Whose events they are: the deprecated webhook, or the new Workflows/Flows method. */
export const SOURCES = ['legacy', 'workflows'] as const;
export type Source = (typeof SOURCES)[number];

/** The four webhooks faceauth-shim receives, one route each. */
export const WEBHOOK_KINDS = [
  'legacy',
  'face-authentication',
  'session',
  'onboarding-status',
] as const;
export type WebhookKind = (typeof WEBHOOK_KINDS)[number];

/** The route Incode calls for each webhook. */
export const WEBHOOK_ROUTES = {
  '/webhooks/legacy/authentication': 'legacy',
  '/webhooks/workflows/face-authentication': 'face-authentication',
  '/webhooks/workflows/session': 'session',
  '/webhooks/workflows/onboarding-status': 'onboarding-status',
} as const satisfies Record<string, WebhookKind>;

/** The route of each webhook. */
export const ROUTE_OF = Object.fromEntries(
  Object.entries(WEBHOOK_ROUTES).map(([route, kind]) => [kind, route]),
) as Record<WebhookKind, string>;

/** The source of each webhook. */
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
