import type { z } from 'zod';
import type { Source } from '../normalize/normalized-schema.js';
import { FaceAuthenticationBody } from './face-authentication-schema.js';
import { LegacyAuthenticationBody } from './legacy-schema.js';

export const BODY_SCHEMAS = {
  legacy: LegacyAuthenticationBody,
  workflows: FaceAuthenticationBody,
} as const satisfies Record<Source, z.ZodType>;

export type SourceBody = LegacyAuthenticationBody | FaceAuthenticationBody;

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

/** `application/json`, with any parameters, in any case. */
export function isJsonContentType(contentType: string | undefined | null): boolean {
  if (!contentType) return false;
  return contentType.split(';')[0]?.trim().toLowerCase() === 'application/json';
}

/** Parses and validates a webhook body. Pure: bytes in, a body or the reason it is bad out. */
export function parseWebhook(source: Source, bytes: Uint8Array): ParseOutcome {
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
    return {
      ok: false,
      status: 400,
      code: 'invalid_json',
      message: `the body is not valid JSON: ${(error as Error).message}`,
    };
  }
  const result = BODY_SCHEMAS[source].safeParse(value);
  if (result.success) return { ok: true, body: result.data };
  const issues = result.error.issues.map((issue) => ({
    path: issue.path.join('.') || '(body)',
    message: issue.message,
  }));
  const what =
    source === 'legacy'
      ? 'an Authentication Webhook 1:1 body'
      : 'a Face Authentication webhook body';
  return {
    ok: false,
    status: 422,
    code: 'invalid_payload',
    message: `the JSON is not ${what}: ${issues.map((i) => `${i.path}: ${i.message}`).join('; ')}`,
    issues,
  };
}
