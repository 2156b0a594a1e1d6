import type { z } from 'zod';
import { FaceAuthenticationBody } from './face-authentication-schema.js';
import { LegacyAuthenticationBody } from './legacy-schema.js';
import { OnboardingStatusBody } from './onboarding-schema.js';
import { SessionBody } from './session-schema.js';
import { BODY_NAMES, type WebhookKind } from './webhook-kinds.js';

export const BODY_SCHEMAS = {
  legacy: LegacyAuthenticationBody,
  'face-authentication': FaceAuthenticationBody,
  session: SessionBody,
  'onboarding-status': OnboardingStatusBody,
} as const satisfies Record<WebhookKind, z.ZodType>;

export type SourceBody =
  | LegacyAuthenticationBody
  | FaceAuthenticationBody
  | SessionBody
  | OnboardingStatusBody;

export type ParseOutcome =
  | { ok: true; body: SourceBody }
  | {
      ok: false;
      status: 400 | 422;
      code: 'invalid_json' | 'invalid_payload';
      message: string;
      issues?: { path: string; message: string }[];
    };

const decoder = new TextDecoder('utf-8', { fatal: true });

/** Deeper JSON is refused: Incode's bodies are 3 levels deep, and deep values break JSON.stringify. */
export const MAX_DEPTH = 32;

/** How deeply arrays and objects nest in a parsed JSON value, without recursion. */
function depthOf(value: unknown): number {
  let deepest = 0;
  const stack: [unknown, number][] = [[value, 0]];
  while (stack.length > 0) {
    const [current, depth] = stack.pop() as [unknown, number];
    if (current === null || typeof current !== 'object') continue;
    if (depth + 1 > deepest) deepest = depth + 1;
    if (deepest > MAX_DEPTH) return deepest;
    for (const child of Object.values(current)) stack.push([child, depth + 1]);
  }
  return deepest;
}

/** `application/json`, with any parameters, in any case. */
export function isJsonContentType(contentType: string | undefined | null): boolean {
  if (!contentType) return false;
  return contentType.split(';')[0]?.trim().toLowerCase() === 'application/json';
}

/** Parses and validates a webhook body. Pure: bytes in, a body or the reason it is bad out. */
export function parseWebhook(kind: WebhookKind, bytes: Uint8Array): ParseOutcome {
  let value: unknown;
  try {
    if (bytes.byteLength === 0) {
      return {
        ok: false,
        status: 400,
        code: 'invalid_json',
        message: 'the body is empty; expected a JSON object',
      };
    }
    value = JSON.parse(decoder.decode(bytes));
  } catch (error) {
    // Not the parser's own message: it quotes the body around the error, and bodies hold tokens.
    const position = /position (\d+)/.exec((error as Error).message)?.[1];
    const where =
      error instanceof TypeError
        ? ' (it is not UTF-8)'
        : position
          ? ` (at character ${position})`
          : '';
    return {
      ok: false,
      status: 400,
      code: 'invalid_json',
      message: `the body is not valid JSON${where}`,
    };
  }
  if (depthOf(value) > MAX_DEPTH) {
    const issue = { path: '(body)', message: `nested deeper than ${MAX_DEPTH} levels` };
    return {
      ok: false,
      status: 422,
      code: 'invalid_payload',
      message: `the JSON is ${issue.message}`,
      issues: [issue],
    };
  }
  const result = BODY_SCHEMAS[kind].safeParse(value);
  // The parsed JSON itself, not zod's copy: the schemas transform nothing, and zod's copy
  // drops an own "__proto__" key that JSON.parse keeps (unknown fields are never dropped).
  if (result.success) return { ok: true, body: value as SourceBody };
  const issues = result.error.issues.map((issue) => ({
    path: issue.path.join('.') || '(body)',
    message: issue.message,
  }));
  return {
    ok: false,
    status: 422,
    code: 'invalid_payload',
    message: `the JSON is not ${BODY_NAMES[kind]}: ${issues.map((i) => `${i.path}: ${i.message}`).join('; ')}`,
    issues,
  };
}
