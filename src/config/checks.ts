import type { z } from 'zod';
import type { Variables } from './variables.js';

/**
 * What the variables must be together (each alone is variables.ts): pairs set together, one way
 * of inbound authentication, windows that fit in one another. Each problem names the variable
 * to change.
 */
export function checkTogether(env: Variables, ctx: z.RefinementCtx): void {
  if ((env.INBOUND_HEADER_NAME === undefined) !== (env.INBOUND_HEADER_VALUE === undefined)) {
    const missing =
      env.INBOUND_HEADER_NAME === undefined ? 'INBOUND_HEADER_NAME' : 'INBOUND_HEADER_VALUE';
    ctx.addIssue({
      code: 'custom',
      path: [missing],
      message: 'required when the other INBOUND_HEADER_* is set',
    });
  }
  if (
    (env.INBOUND_OAUTH_CLIENT_ID === undefined) !==
    (env.INBOUND_OAUTH_CLIENT_SECRET === undefined)
  ) {
    const missing =
      env.INBOUND_OAUTH_CLIENT_ID === undefined
        ? 'INBOUND_OAUTH_CLIENT_ID'
        : 'INBOUND_OAUTH_CLIENT_SECRET';
    ctx.addIssue({
      code: 'custom',
      path: [missing],
      message: 'required when the other INBOUND_OAUTH_* is set',
    });
  }
  const outbound = [
    'CALLBACK_OAUTH_TOKEN_URL',
    'CALLBACK_OAUTH_CLIENT_ID',
    'CALLBACK_OAUTH_CLIENT_SECRET',
  ] as const;
  const set = outbound.filter((name) => env[name] !== undefined);
  if (set.length > 0 && set.length < outbound.length) {
    for (const name of outbound.filter((n) => env[n] === undefined)) {
      ctx.addIssue({
        code: 'custom',
        path: [name],
        message: 'required when the other CALLBACK_OAUTH_* are set',
      });
    }
  }
  if (set.length === 0 && env.CALLBACK_OAUTH_AUTH_METHOD !== undefined) {
    ctx.addIssue({
      code: 'custom',
      path: ['CALLBACK_OAUTH_AUTH_METHOD'],
      message: `has no meaning without ${outbound.join(', ')}`,
    });
  }
  if (
    env.INBOUND_OAUTH_CLIENT_ID !== undefined &&
    env.INBOUND_HEADER_NAME?.toLowerCase() === 'authorization'
  ) {
    ctx.addIssue({
      code: 'custom',
      path: ['INBOUND_HEADER_NAME'],
      message: 'cannot be authorization while inbound OAuth uses that header for the bearer token',
    });
  }
  const callbackHeaderNames = Object.keys(env.CALLBACK_HEADERS);
  if (env.CALLBACK_OAUTH_TOKEN_URL !== undefined && callbackHeaderNames.includes('authorization')) {
    ctx.addIssue({
      code: 'custom',
      path: ['CALLBACK_HEADERS'],
      message: 'authorization is set by CALLBACK_OAUTH_*',
    });
  }
  if (
    env.CALLBACK_SIGNING_SECRET !== undefined &&
    callbackHeaderNames.some((name) => name.startsWith('webhook-'))
  ) {
    ctx.addIssue({
      code: 'custom',
      path: ['CALLBACK_HEADERS'],
      message: 'webhook-* headers are set by CALLBACK_SIGNING_SECRET',
    });
  }
  checkIncodeApi(env, ctx);
  if (env.FORWARD_SOURCE_PLAN !== undefined && (env.FORWARD_SOURCE ?? 'legacy') !== 'legacy') {
    ctx.addIssue({
      code: 'custom',
      path: ['FORWARD_SOURCE_PLAN'],
      message: `a plan sets the share itself: leave FORWARD_SOURCE unset (or legacy), not ${env.FORWARD_SOURCE}`,
    });
  }
  if (env.SHADOW_FALLBACK_AFTER > env.COMPARE_WINDOW) {
    ctx.addIssue({
      code: 'custom',
      path: ['SHADOW_FALLBACK_AFTER'],
      message: `longer than COMPARE_WINDOW (${env.COMPARE_WINDOW} ms): a report that waited that long could no longer be matched to its login's other report`,
    });
  }
  if (env.RETENTION !== undefined) {
    // Pruned events must be past every window that still looks at them.
    const windows = [
      ['DEDUP_WINDOW', env.DEDUP_WINDOW, 'redeliveries would be forwarded again'],
      ['COMPARE_WINDOW', env.COMPARE_WINDOW, 'events would lose their counterparts'],
      [
        'twice SHADOW_FALLBACK_AFTER',
        2 * env.SHADOW_FALLBACK_AFTER,
        'a fallback would miss its counterpart',
      ],
    ] as const;
    const short = windows.find(([, ms]) => env.RETENTION !== undefined && env.RETENTION < ms);
    if (short) {
      ctx.addIssue({
        code: 'custom',
        path: ['RETENTION'],
        message: `must be at least ${short[0]}, or ${short[2]}`,
      });
    }
  }
  const authenticated =
    env.INBOUND_HEADER_NAME !== undefined || env.INBOUND_OAUTH_CLIENT_ID !== undefined;
  if (!authenticated && env.INBOUND_AUTH === undefined) {
    ctx.addIssue({
      code: 'custom',
      path: ['INBOUND_AUTH'],
      message:
        'no inbound authentication: set INBOUND_HEADER_NAME and INBOUND_HEADER_VALUE, or INBOUND_OAUTH_CLIENT_ID and INBOUND_OAUTH_CLIENT_SECRET, or INBOUND_AUTH=none for local use',
    });
  }
  if (authenticated && env.INBOUND_AUTH !== undefined) {
    ctx.addIssue({
      code: 'custom',
      path: ['INBOUND_AUTH'],
      message: 'INBOUND_AUTH=none contradicts the inbound authentication that is set',
    });
  }
}

/** The Incode API settings come as a set: a URL, a key, and one way to an admin token. */
function checkIncodeApi(
  env: Partial<
    Record<
      | 'INCODE_API_URL'
      | 'INCODE_API_KEY'
      | 'INCODE_ADMIN_TOKEN'
      | 'INCODE_ADMIN_EMAIL'
      | 'INCODE_ADMIN_PASSWORD',
      string | undefined
    >
  >,
  ctx: z.RefinementCtx,
): void {
  const issue = (name: string, message: string) =>
    ctx.addIssue({ code: 'custom', path: [name], message });
  const others = [
    'INCODE_API_KEY',
    'INCODE_ADMIN_TOKEN',
    'INCODE_ADMIN_EMAIL',
    'INCODE_ADMIN_PASSWORD',
  ] as const;
  if (env.INCODE_API_URL === undefined) {
    for (const name of others.filter((n) => env[n] !== undefined)) {
      issue(name, 'set INCODE_API_URL too, or leave every INCODE_* unset');
    }
    return;
  }
  if (env.INCODE_API_KEY === undefined) issue('INCODE_API_KEY', 'required with INCODE_API_URL');
  const login = env.INCODE_ADMIN_EMAIL !== undefined || env.INCODE_ADMIN_PASSWORD !== undefined;
  if (env.INCODE_ADMIN_TOKEN !== undefined && login) {
    issue(
      'INCODE_ADMIN_TOKEN',
      'set either INCODE_ADMIN_TOKEN or INCODE_ADMIN_EMAIL and INCODE_ADMIN_PASSWORD, not both',
    );
  } else if (env.INCODE_ADMIN_TOKEN === undefined && !login) {
    issue(
      'INCODE_ADMIN_TOKEN',
      'required with INCODE_API_URL, or INCODE_ADMIN_EMAIL and INCODE_ADMIN_PASSWORD instead',
    );
  } else if (login && env.INCODE_ADMIN_EMAIL === undefined) {
    issue('INCODE_ADMIN_EMAIL', 'required with INCODE_ADMIN_PASSWORD');
  } else if (login && env.INCODE_ADMIN_PASSWORD === undefined) {
    issue('INCODE_ADMIN_PASSWORD', 'required with INCODE_ADMIN_EMAIL');
  }
}
