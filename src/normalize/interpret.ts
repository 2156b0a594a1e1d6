import type { z } from 'zod';
import type { Score } from '../incode/score-schema.js';
import type { FaceAuthenticationBody } from '../intake/face-authentication-schema.js';
import type { LegacyAuthenticationBody } from '../intake/legacy-schema.js';
import { OnboardingStatusBody } from '../intake/onboarding-schema.js';
import type { SourceBody } from '../intake/parse-webhook.js';
import { SessionBody, sessionEventName } from '../intake/session-schema.js';
import { SOURCE_OF, type WebhookKind } from '../intake/webhook-kinds.js';
import {
  type EventMeta,
  normalizeLegacy,
  normalizeWorkflows,
  workflowsReason,
} from './normalize.js';
import { type AuthStatus, emptyResult, type NormalizedResult } from './normalized-schema.js';
import { getPath, setPath } from './paths.js';
import { unknownPart } from './schema-paths.js';
import type { EventMeaning, Mappings, ScoreToNormalizedTable } from './tables.js';

/**
 * What one webhook means for the callback. Pure: a parsed body, the tables and (when the
 * Incode API answered) the score in, the decision out.
 *   result       an authentication's outcome, forwarded; `scorable`: GET /omni/get/score
 *                can complete its numbers
 *   needs-score  the outcome comes from the score only (ONBOARDING_FINISHED)
 *   no-result    says nothing about a face authentication: stored, not forwarded
 */
export type Interpretation = {
  /** SESSION_SUCCEEDED, ONBOARDING_FINISHED, ...; null for the legacy and Face Authentication webhooks. */
  eventName: string | null;
  ids: { customerId: string | null; interviewId: string | null };
} & (
  | { outcome: 'result'; normalized: NormalizedResult; scorable: boolean }
  | { outcome: 'needs-score' }
  | { outcome: 'no-result'; note: string }
);

export function interpret(
  kind: WebhookKind,
  body: SourceBody,
  mappings: Mappings,
  meta: EventMeta,
  score?: Score,
): Interpretation {
  switch (kind) {
    case 'legacy': {
      const normalized = normalizeLegacy(body as LegacyAuthenticationBody, mappings.legacy, meta);
      return { ...result(normalized, false), eventName: null };
    }
    case 'face-authentication': {
      const normalized = normalizeWorkflows(
        body as FaceAuthenticationBody,
        mappings.workflows,
        meta,
      );
      // The score is the session's, as it stands after its last attempt: a FAIL with attempts
      // left was followed by another attempt, whose numbers it would get. Not scored.
      const remaining = normalized.attempts.remaining;
      const scorable = normalized.status === 'PASS' || remaining === null || remaining === 0;
      return {
        ...result(scorable ? withScore(normalized, score, mappings) : normalized, scorable),
        eventName: null,
      };
    }
    case 'session': {
      const session = body as SessionBody;
      const eventName = sessionEventName(session);
      const table = mappings.sessions.session;
      const meaning = meaningOf(table.events, eventName, table.unknownEvent);
      return fromMeaning(kind, session, meaning, eventName, table.fields, mappings, meta, score);
    }
    case 'onboarding-status': {
      const onboarding = body as OnboardingStatusBody;
      const eventName = onboarding.onboardingStatus;
      const table = mappings.sessions.onboarding;
      const meaning = meaningOf(table.statuses, eventName, table.unknownStatus);
      return fromMeaning(kind, onboarding, meaning, eventName, table.fields, mappings, meta, score);
    }
  }
}

/**
 * The word a log line may carry for an event's name: the name where mappings/ lists it,
 * `unlisted` otherwise (body text never reaches a log), nothing where the body names none.
 */
export function loggableEventName(
  kind: WebhookKind,
  eventName: string | null,
  mappings: Mappings,
): string | undefined {
  if (eventName === null) return undefined;
  const listed =
    kind === 'session'
      ? mappings.sessions.session.events
      : kind === 'onboarding-status'
        ? mappings.sessions.onboarding.statuses
        : {};
  return Object.hasOwn(listed, eventName) ? eventName : 'unlisted';
}

function result(normalized: NormalizedResult, scorable: boolean) {
  return {
    outcome: 'result' as const,
    normalized,
    scorable,
    ids: { customerId: normalized.ids.customerId, interviewId: normalized.ids.interviewId },
  };
}

function meaningOf(
  table: Record<string, EventMeaning>,
  name: string | null,
  otherwise: EventMeaning,
): EventMeaning {
  return name !== null && Object.hasOwn(table, name) ? (table[name] as EventMeaning) : otherwise;
}

const SCHEMAS: Partial<Record<WebhookKind, z.ZodType>> = {
  session: SessionBody,
  'onboarding-status': OnboardingStatusBody,
};

function fromMeaning(
  kind: 'session' | 'onboarding-status',
  body: Record<string, unknown>,
  meaning: EventMeaning,
  eventName: string | null,
  fields: Record<string, string | string[]>,
  mappings: Mappings,
  meta: EventMeta,
  score: Score | undefined,
): Interpretation {
  const ids = {
    customerId: firstString(body, fields['ids.customerId']),
    interviewId: firstString(body, fields['ids.interviewId']),
  };
  const named = eventName ?? 'an event that names no event type';
  if (meaning === 'none') {
    return {
      outcome: 'no-result',
      eventName,
      ids,
      note: `${named} says nothing about a face authentication: stored, not forwarded`,
    };
  }
  let status: AuthStatus | null = meaning === 'score' ? null : meaning;
  if (status === null) {
    if (!score) return { outcome: 'needs-score', eventName, ids };
    // Only a score that has an authentication part speaks of a face authentication.
    status = getPath(score, 'authentication') ? statusFromScore(score, mappings.score) : null;
    if (status === null) {
      return {
        outcome: 'no-result',
        eventName,
        ids,
        note: getPath(score, 'authentication')
          ? `the score's overall.status (${String(getPath(score, 'overall.status') ?? 'none')}) gives no outcome: stored, not forwarded`
          : 'the score has no face authentication: stored, not forwarded',
      };
    }
  }
  const normalized = emptyResult({
    ...meta,
    source: SOURCE_OF[kind],
    status,
    trigger: { webhook: kind, event: eventName },
  });
  const writable = normalized as unknown as Record<string, unknown>;
  for (const [target, from] of Object.entries(fields)) {
    const value = firstValue(body, from);
    if (value !== undefined && value !== null) setPath(writable, target, value);
  }
  normalized.unknownFields = unknownPart(body, SCHEMAS[kind] as z.ZodType);
  if (status === 'FAIL') {
    normalized.reason =
      normalized.error.name === null
        ? mappings.sessions.failureWithoutReason
        : workflowsReason(normalized, mappings.workflows);
  }
  return { ...result(withScore(normalized, score, mappings), true), eventName };
}

/**
 * The first of the paths that holds a text. Every field these tables map is a text, and the
 * session body's fields are guesses: a value of another type counts as missing.
 */
function firstValue(body: unknown, from: string | string[] | undefined): string | undefined {
  for (const path of typeof from === 'string' ? [from] : (from ?? [])) {
    const value = getPath(body, path);
    if (typeof value === 'string' && value.trim() !== '') return value;
  }
  return undefined;
}

function firstString(body: unknown, from: string | string[] | undefined): string | null {
  return firstValue(body, from) ?? null;
}

function statusFromScore(score: Score, table: ScoreToNormalizedTable): AuthStatus | null {
  for (const rule of table.statuses) {
    if (rule.to !== 'status') continue;
    const value = valueFor(rule, score);
    if (value === 'PASS' || value === 'FAIL') return value;
  }
  return null;
}

function valueFor(rule: ScoreToNormalizedTable['statuses'][number], score: Score): unknown {
  const status = getPath(score, rule.from);
  if (typeof status !== 'string' || !Object.hasOwn(rule.values, status)) return null;
  return rule.values[status as keyof typeof rule.values] ?? null;
}

/** A score string on 0..100 as a number on 0..1; null when it is not a number in range. */
export function scaled(value: unknown, scale: 'percent' | 'inversePercent' | undefined): unknown {
  if (scale === undefined) return value;
  // A plain decimal ("89.2"), not whatever Number() accepts ("0x10", "1e2", " 5 ").
  const text = typeof value === 'string' ? value.trim() : undefined;
  const n = text !== undefined ? (/^\d+(\.\d+)?$/.test(text) ? Number(text) : null) : value;
  if (typeof n !== 'number' || !Number.isFinite(n) || n < 0 || n > 100) return null;
  // Rounded to the precision Incode gives (0.1 on 0..100), without float noise.
  const fraction = Math.round(n * 1000) / 100_000;
  return scale === 'percent' ? fraction : Math.round((1 - fraction) * 100_000) / 100_000;
}

/**
 * The result completed with the score: fields and flags the event left null, the reason of
 * a FAIL that gave none, and `enrichment`. Without a score the result is returned as is.
 */
export function withScore(
  normalized: NormalizedResult,
  score: Score | undefined,
  mappings: Mappings,
): NormalizedResult {
  if (!score) return normalized;
  const table = mappings.score;
  const out = structuredClone(normalized);
  const writable = out as unknown as Record<string, unknown>;
  const fill = (target: string, value: unknown) => {
    if (value === null || value === undefined || value === '') return;
    const current = getPath(out, target);
    if (current === null || current === undefined) setPath(writable, target, value);
  };
  for (const [target, rule] of Object.entries(table.fields)) {
    fill(target, scaled(getPath(score, rule.from), rule.scale));
  }
  for (const rule of table.statuses) {
    if (rule.to !== 'status') fill(rule.to, valueFor(rule, score));
  }
  const saysWhy = out.error.name !== null || out.error.code !== null;
  if (out.status === 'FAIL' && !saysWhy) {
    const rule = table.failureReasons.find((r) => getPath(score, r.when) === r.is);
    if (rule) out.reason = rule.reason;
  }
  const scoreStatus = getPath(score, 'overall.status');
  out.enrichment = {
    state: 'scored',
    scoreStatus: typeof scoreStatus === 'string' ? scoreStatus : null,
  };
  return out;
}
