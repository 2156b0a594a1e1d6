import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { BODY_SCHEMAS } from '../../src/intake/parse-webhook.js';
import { WEBHOOK_ROUTES } from '../../src/intake/webhook-kinds.js';
import { INBOUND, makeTestApp } from '../helpers/test-app.js';

// Generated bodies, headers and content types thrown at every webhook route: never a 5xx,
// never a crash, and nothing reaches the outbox that is not a valid body of its source.

const legacyLike = fc.record(
  {
    customerId: fc.oneof(fc.string(), fc.integer(), fc.constant(null)),
    faceMatch: fc.oneof(fc.boolean(), fc.string(), fc.constant(null)),
    overallStatus: fc.oneof(fc.constantFrom('PASS', 'FAIL'), fc.string()),
    errorCode: fc.oneof(fc.integer(), fc.double(), fc.string()),
    recognitionConfidence: fc.oneof(fc.object(), fc.constant(null), fc.array(fc.anything())),
    __proto__: fc.object(),
    constructor: fc.anything(),
  },
  { requiredKeys: [] },
);
const workflowsLike = fc.record(
  {
    interviewId: fc.oneof(fc.string(), fc.integer()),
    overallStatus: fc.oneof(fc.constantFrom('PASS', 'FAIL'), fc.string()),
    eventType: fc.oneof(
      fc.constantFrom('SESSION_SUCCEEDED', 'SESSION_FAILED', 'Session Started'),
      fc.anything(),
    ),
    onboardingStatus: fc.oneof(fc.constantFrom('ONBOARDING_FINISHED', ''), fc.anything()),
    customerId: fc.oneof(fc.string(), fc.constant(null)),
    error: fc.oneof(fc.record({ name: fc.string(), message: fc.anything() }), fc.anything()),
    attemptCounterState: fc.anything(),
  },
  { requiredKeys: [] },
);
// Valid bodies with arbitrary extra fields: the accepted path, with hostile unknown fields.
const validWithExtras = fc
  .tuple(
    fc.string(),
    fc.boolean(),
    fc.constantFrom('PASS', 'FAIL'),
    fc.dictionary(fc.string(), fc.jsonValue(), { maxKeys: 4 }),
  )
  .map(([id, match, status, extra]) =>
    JSON.stringify({
      ...extra,
      customerId: id,
      interviewId: id,
      faceMatch: match,
      overallStatus: status,
      eventType: status === 'PASS' ? 'SESSION_SUCCEEDED' : 'SESSION_STARTED',
      onboardingStatus: 'ONBOARDING_FINISHED',
    }),
  );
const body = fc.oneof(
  validWithExtras,
  fc.string(),
  fc.uint8Array({ maxLength: 512 }),
  fc.json(),
  legacyLike.map((v) => JSON.stringify(v)),
  workflowsLike.map((v) => JSON.stringify(v)),
  fc.jsonValue().map((v) => JSON.stringify(v)),
);
const contentType = fc.oneof(
  fc.constant('application/json'),
  fc.constant('application/json; charset=utf-8'),
  fc.constantFrom('text/plain', 'application/x-www-form-urlencoded', 'APPLICATION/JSON', ''),
  fc.string(),
);
const credential = fc.oneof(fc.constant(INBOUND.value), fc.string(), fc.constant(undefined));
const extraHeader = fc.dictionary(
  fc.stringMatching(/^x-[a-z]{1,10}$/),
  fc.string().filter((v) => /^[\t\x20-\x7e]*$/.test(v) && v.trim() === v),
  { maxKeys: 3 },
);

describe('hostile input on every webhook route', () => {
  for (const [route, kind] of Object.entries(WEBHOOK_ROUTES)) {
    it(`${route}: never a 5xx, never an invalid body in the outbox`, async () => {
      const t = await makeTestApp({ forwardSource: 'both', maxBodyBytes: 4096 });
      const seen = new Set<number>();
      await fc.assert(
        fc.asyncProperty(
          body,
          contentType,
          credential,
          extraHeader,
          async (payload, type, key, extra) => {
            const headers: Record<string, string> = { ...extra };
            if (type) headers['content-type'] = type;
            if (key !== undefined && /^[\t\x20-\x7e]*$/.test(key) && key.trim() === key)
              headers[INBOUND.name] = key;
            const response = await t.app.request(route, { method: 'POST', body: payload, headers });
            expect(response.status).toBeLessThan(500);
            seen.add(response.status);
            expect(response.headers.get('x-content-type-options')).toBe('nosniff');
            const answer = (await response.json()) as { success: boolean };
            expect(answer.success).toBe(response.status === 200);
          },
        ),
        { numRuns: 300 },
      );
      // The generators reach every stage: credentials, content type, parse, format, accepted.
      expect([...seen].sort()).toEqual(expect.arrayContaining([200, 400, 401, 415, 422]));
      const forwarded = await t.store.claimDue(Date.now() + 1000, 10_000, 60_000);
      for (const item of forwarded) {
        const event = await t.store.getEvent(item.eventId);
        const raw = JSON.parse(Buffer.from(event?.rawBody ?? []).toString('utf8'));
        expect(BODY_SCHEMAS[kind].safeParse(raw).success).toBe(true);
      }
    });
  }
});

describe('hostile credentials', () => {
  const printable = fc.string().filter((v) => /^[\t\x20-\x7e]*$/.test(v) && v.trim() === v);
  const authorization = fc.oneof(
    printable,
    printable.map((v) => `Bearer ${v}`),
    printable.map((v) => `Basic ${Buffer.from(v).toString('base64')}`),
    fc.constant('Bearer fas1..'),
    fc.constant('Basic ='),
  );

  it('bearer tokens and Basic credentials of every shape: never a 5xx on a webhook route or /oauth/token', async () => {
    const t = await makeTestApp({
      inboundHeader: undefined,
      inboundOAuth: {
        clientId: 'incode',
        clientSecrets: ['incode-client-secret-0123'],
        tokenTtlMs: 60_000,
      },
    });
    await fc.assert(
      fc.asyncProperty(authorization, body, contentType, async (auth, payload, type) => {
        const headers: Record<string, string> = { authorization: auth };
        if (type) headers['content-type'] = type;
        for (const path of [...Object.keys(WEBHOOK_ROUTES), '/oauth/token']) {
          const response = await t.app.request(path, { method: 'POST', body: payload, headers });
          expect(response.status).toBeLessThan(500);
          if (path !== '/oauth/token') expect(response.status).toBe(401);
        }
      }),
      { numRuns: 200 },
    );
    expect(await t.store.claimDue(Date.now() + 1000, 10, 60_000)).toEqual([]);
  });
});
