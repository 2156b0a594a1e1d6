import { createHash } from 'node:crypto';
import { beforeAll, describe, expect, it } from 'vitest';
import { type Arrival, type Ingested, ingest } from '../../src/ingest/ingest.js';
import type { IngestRules } from '../../src/ingest/ingest-rules.js';
import { parseWebhook } from '../../src/intake/parse-webhook.js';
import { ROUTE_OF, type WebhookKind } from '../../src/intake/webhook-kinds.js';
import { loadMappings } from '../../src/normalize/load-mappings.js';
import type { Mappings } from '../../src/normalize/tables.js';
import type { NewEvent } from '../../src/store/accept-types.js';
import { readFixtureBytes } from '../helpers/fixtures.js';
import { T0 } from '../helpers/new-event.js';
import { onboardingFile } from '../helpers/session-fixtures.js';

// ingest() without HTTP: a parsed body and the moment's mode in, the event to store out, as the
// webhook routes (and anything that takes a body in again) hand it to store.accept.

let mappings: Mappings;
let rules: IngestRules;
beforeAll(async () => {
  mappings = await loadMappings();
  rules = {
    mappings,
    forwardFormat: 'legacy',
    compareWindowMs: 300_000,
    shadowFallbackAfterMs: 10_000,
  };
});

function arrival(kind: WebhookKind, file: string, more: Partial<Arrival> = {}): Arrival {
  const bytes = new Uint8Array(readFixtureBytes(file));
  const parsed = parseWebhook(kind, bytes);
  if (!parsed.ok) throw new Error(`${file}: ${parsed.message}`);
  return {
    kind,
    route: ROUTE_OF[kind],
    body: parsed.body,
    bytes,
    contentType: 'application/json',
    receivedAt: T0,
    mode: { word: 'legacy' },
    eventId: 'e-1',
    ...more,
  };
}

function stored(ingested: Ingested): NewEvent {
  if (!ingested.ok) throw new Error(ingested.message);
  return ingested.event;
}

describe('ingest', () => {
  it('a legacy result: its bytes forwarded as they came, keyed by route and body, in its customer line', () => {
    const input = arrival('legacy', 'legacy/success.json');
    const event = stored(ingest(input, rules));
    expect(event).toMatchObject({
      id: 'e-1',
      source: 'legacy',
      route: ROUTE_OF.legacy,
      receivedAt: T0,
      contentType: 'application/json',
      dedupKey: createHash('sha256')
        .update(ROUTE_OF.legacy)
        .update('\n')
        .update(input.bytes)
        .digest('hex'),
      orderKey: '67460a9995516d9a553aa95b',
      mode: { prefer: 'legacy' },
      waitMs: 10_000,
      pairing: { windowMs: 300_000, comparison: mappings.comparison },
      notForwarded: null,
      enrich: null,
      supersededBy: null,
      fastPath: null,
    });
    expect(event.forward).toEqual({ format: 'legacy', body: input.bytes });
    expect(event.normalized?.status).toBe('PASS');
  });

  it('the same bytes on another route are another redelivery key; a share and the fast path go with it', () => {
    const input = arrival('legacy', 'legacy/success.json', {
      route: '/elsewhere',
      mode: { word: 'both' },
      fastPath: { leaseUntil: T0 + 40_000 },
    });
    const here = stored(ingest(arrival('legacy', 'legacy/success.json'), rules));
    const there = stored(ingest(input, rules));
    expect(there.dedupKey).not.toBe(here.dedupKey);
    expect(there).toMatchObject({ mode: { prefer: null }, fastPath: { leaseUntil: T0 + 40_000 } });
  });

  it('a Workflows result: rendered in the legacy shape, superseding a later event of its interview', () => {
    const event = stored(ingest(arrival('face-authentication', 'workflows/pass.json'), rules));
    expect(event.source).toBe('workflows');
    expect(JSON.parse(new TextDecoder().decode(event.forward?.body))).toMatchObject({
      overallStatus: 'PASS',
      faceMatch: true,
    });
    expect(event.supersededBy).toMatchObject({ interviewId: event.normalized?.ids.interviewId });
    expect(event.enrich).toBeNull();
  });

  it('with the Incode API, a result waits for its score until ENRICH_MAX_WAIT', () => {
    const event = stored(
      ingest(arrival('face-authentication', 'workflows/pass.json'), {
        ...rules,
        enrichment: { maxWaitMs: 600_000 },
      }),
    );
    expect(event.enrich).toEqual({ deadline: T0 + 600_000 });
    expect(event.notForwarded).toBeNull();
  });

  it('ONBOARDING_FINISHED carries no outcome: it waits for its score, or without the API is informational', () => {
    const finished = () => arrival('onboarding-status', onboardingFile('ONBOARDING_FINISHED'));
    const waiting = stored(ingest(finished(), { ...rules, enrichment: { maxWaitMs: 60_000 } }));
    expect(waiting).toMatchObject({
      normalized: null,
      forward: null,
      enrich: { deadline: T0 + 60_000 },
      notForwarded: null,
    });
    const alone = stored(ingest(finished(), rules));
    expect(alone).toMatchObject({
      normalized: null,
      forward: null,
      enrich: null,
      supersededBy: null,
    });
    expect(alone.notForwarded).toEqual({
      status: 'informational',
      note: 'ONBOARDING_FINISHED carries no outcome and the Incode API is not configured (INCODE_API_URL) to fetch it: stored, not forwarded',
    });
  });

  it('a body the tables cannot map is not an event: it says why, for the quarantine', () => {
    // A table that renders faceMatch from the status: no legacy body can be made of it.
    const broken: Mappings = {
      ...mappings,
      toLegacy: {
        ...mappings.toLegacy,
        fields: mappings.toLegacy.fields.map((field) =>
          field.legacy === 'faceMatch' ? { legacy: 'faceMatch', from: 'status' } : field,
        ),
      },
    };
    const ingested = ingest(arrival('face-authentication', 'workflows/pass.json'), {
      ...rules,
      mappings: broken,
    });
    expect(ingested.ok).toBe(false);
    if (!ingested.ok) {
      expect(ingested.message).toMatch(
        /^the body could not be mapped: mappings\/normalized-to-legacy\.yaml renders no legacy body/,
      );
    }
  });
});
