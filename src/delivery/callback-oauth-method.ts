/**
 * How faceauth-shim proves its identity to the callback's token endpoint (RFC 6749 §2.3.1):
 * client_secret_basic sends the id and secret in an Authorization header (the default, what
 * every token endpoint must accept), client_secret_post sends them in the form.
 * CALLBACK_OAUTH_AUTH_METHOD chooses.
 */
export const CALLBACK_OAUTH_AUTH_METHODS = ['client_secret_basic', 'client_secret_post'] as const;
export type CallbackOAuthAuthMethod = (typeof CALLBACK_OAUTH_AUTH_METHODS)[number];
