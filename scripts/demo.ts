// `npm run demo`: Incode's legacy samples and their Face Authentication counterparts through a
// real running faceauth-shim into a local stand-in for the client's callback, in both realities
// of the migration: logins reported by both webhooks, and logins reported by one (users split
// between app versions). Each login reaches the callback once.
//
// It listens on a free port with a temporary SQLite file; PORT and DATABASE_URL from the
// environment override them. When the service cannot start, it says why in one line, exits 1
// within seconds, and leaves nothing behind.
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { explainFailure } from '../src/cli/explain-failure.js';
import { loadConfig } from '../src/config/config.js';
import { createLogger } from '../src/ops/logger.js';
import { startService } from '../src/service.js';

const SAMPLES = new URL('../test/fixtures/legacy/', import.meta.url);
const KEY = { name: 'x-incode-webhook-key', value: 'demo-only-secret' };
const ADMIN_TOKEN = 'demo-only-admin-token';

/** Each sample from Incode's legacy page, and what the Face Authentication webhook says of the same attempt. */
const PAIRS: {
  sample: string;
  workflowsError: { name: string; message: string } | null | 'none';
}[] = [
  { sample: 'success.json', workflowsError: null },
  {
    sample: '4004-nonexistent-customer.json',
    workflowsError: { name: 'NONEXISTENT_CUSTOMER', message: 'Customer not found' },
  },
  {
    sample: '4005-spoof.json',
    workflowsError: { name: 'SPOOF_DETECTED', message: 'Spoof attempt detected' },
  },
  {
    sample: '4015-not-recognized.json',
    workflowsError: { name: 'USER_IS_NOT_RECOGNIZED', message: 'User is not recognized' },
  },
  // Blacklisting has no Workflows counterpart: only the legacy webhook reports it.
  { sample: '4003-blacklisted.json', workflowsError: 'none' },
  {
    sample: 'lenses.json',
    workflowsError: { name: 'LENSES_DETECTED', message: 'Lenses detected' },
  },
  {
    sample: 'face-mask.json',
    workflowsError: { name: 'FACE_MASK_DETECTED', message: 'Face mask detected' },
  },
];

interface Received {
  eventId: string;
  source: string;
  body: Record<string, unknown>;
}

const out = (line = '') => process.stdout.write(`${line}\n`);

/** A failure the demo explains in one line (no stack). */
class DemoError extends Error {}

async function main(): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), 'faceauth-demo-'));
  // Undone in reverse order however the demo ends, so nothing keeps it alive or stays behind.
  const cleanups: (() => unknown)[] = [() => rmSync(dir, { recursive: true, force: true })];
  try {
    await demo(dir, cleanups);
  } finally {
    for (const cleanup of cleanups.reverse()) await cleanup();
  }
}

async function demo(dir: string, cleanups: (() => unknown)[]): Promise<void> {
  const received: Received[] = [];
  const callback = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      received.push({
        eventId: String(req.headers['x-faceauth-event-id']),
        source: String(req.headers['x-faceauth-source']),
        body: JSON.parse(Buffer.concat(chunks).toString('utf8')) as Record<string, unknown>,
      });
      res.writeHead(200, { 'content-type': 'application/json' }).end('{"ok":true}');
    });
  });
  await new Promise<void>((resolve) => callback.listen(0, '127.0.0.1', resolve));
  cleanups.push(() => {
    callback.closeAllConnections();
    return new Promise<void>((resolve) => callback.close(() => resolve()));
  });
  const callbackUrl = `http://127.0.0.1:${(callback.address() as AddressInfo).port}/callback`;

  let service: Awaited<ReturnType<typeof startService>>;
  try {
    const config = loadConfig({
      HOST: '127.0.0.1',
      PORT: process.env.PORT?.trim() || '0',
      CALLBACK_URL: callbackUrl,
      FORWARD_SOURCE: 'both',
      DATABASE_URL: process.env.DATABASE_URL?.trim() || `sqlite:${join(dir, 'demo.db')}`,
      INBOUND_HEADER_NAME: KEY.name,
      INBOUND_HEADER_VALUE: KEY.value,
      ADMIN_TOKEN,
    });
    service = await startService(config, createLogger({ level: 'silent' }));
  } catch (error) {
    throw new DemoError(`the service cannot start: ${explainFailure(error).line}`);
  }
  cleanups.push(() => service.close(1000));
  const started = new Date(Date.now() - 1000).toISOString();
  out('faceauth-shim demo');
  out(`  service   ${service.url}  (FORWARD_SOURCE=both, FORWARD_FORMAT=legacy, SQLite in ${dir})`);
  out(`  callback   ${callbackUrl}  (a stand-in for your existing callback)`);
  out();

  const post = async (route: string, body: Buffer | string) => {
    const response = await fetch(`${service.url}${route}`, {
      method: 'POST',
      body,
      headers: { 'content-type': 'application/json', [KEY.name]: KEY.value },
    });
    return { status: response.status, body: (await response.json()) as Record<string, unknown> };
  };

  const admin = async (path: string) => {
    const response = await fetch(`${service.url}${path}`, {
      headers: { authorization: `Bearer ${ADMIN_TOKEN}` },
    });
    if (response.status !== 200) throw new Error(`${path}: ${response.status}`);
    return (await response.json()) as Record<string, unknown>;
  };
  const waitForCallbacks = async (count: number) => {
    const deadline = Date.now() + 10_000;
    while (received.length < count && Date.now() < deadline)
      await new Promise((r) => setTimeout(r, 50));
    // A moment more: a second callback for one login would show here.
    await new Promise((r) => setTimeout(r, 300));
  };

  // Reality 1: one login, both webhooks. Each sample of Incode's legacy page, and the Face
  // Authentication webhook's report of the same attempt (the same interview).
  out('1. Logins reported by both webhooks (one authentication, two webhooks)');
  const sent: { sample: string; customerId: string; legacy: string; interviewId: string }[] = [];
  let logins = 0;
  for (const [i, pair] of PAIRS.entries()) {
    const raw = readFileSync(new URL(pair.sample, SAMPLES));
    const legacy = JSON.parse(raw.toString('utf8')) as Record<string, unknown>;
    const customerId = String(legacy.customerId);
    // The same session id where the legacy sample names one: that is how one login is matched.
    const interviewId =
      typeof legacy.interviewId === 'string' ? legacy.interviewId : `demo-interview-${i}`;
    sent.push({ sample: pair.sample, customerId, legacy: JSON.stringify(legacy), interviewId });
    const answer = await post('/webhooks/legacy/authentication', raw);
    if (answer.status !== 200)
      throw new Error(`${pair.sample}: ${answer.status} ${JSON.stringify(answer.body)}`);
    logins++;
    if (pair.workflowsError === 'none') continue;
    const workflows = {
      interviewId,
      customerId,
      overallStatus: pair.workflowsError ? 'FAIL' : 'PASS',
      hint: customerId,
      attemptCounterState: { max: 3, remaining: pair.workflowsError ? 2 : 3 },
      ...(pair.workflowsError ? { error: pair.workflowsError } : {}),
    };
    const wAnswer = await post(
      '/webhooks/workflows/face-authentication',
      JSON.stringify(workflows),
    );
    if (wAnswer.status !== 200) throw new Error(`${pair.sample} (workflows): ${wAnswer.status}`);
  }
  const trailingComma = await post(
    '/webhooks/legacy/authentication',
    readFileSync(new URL('4003-blacklisted-trailing-comma.txt', SAMPLES)),
  );
  const redelivery = await post(
    '/webhooks/legacy/authentication',
    readFileSync(new URL('success.json', SAMPLES)),
  );
  await waitForCallbacks(logins);
  out(
    `   Sent ${PAIRS.length} legacy samples from Incode's page and, for ${PAIRS.length - 1} of them, the Face Authentication report of the same attempt.`,
  );
  out(
    `   The page's "User blacklisted" sample as printed (trailing comma): ${trailingComma.status} ${JSON.stringify(trailingComma.body)}`,
  );
  out(
    `   The success sample sent again, as Incode retries: ${redelivery.status} ${JSON.stringify(redelivery.body)}`,
  );
  out(
    `   The callback received ${received.length} bodies for ${logins} logins: one per login, the first report (FORWARD_SOURCE=both); the other report is stored, paired and compared.`,
  );
  const shadowed = (await admin('/admin/events?source=workflows&status=shadowed&limit=100')) as {
    events: { id: string; result: { interviewId: string | null } }[];
  };
  let differing = 0;
  for (const { sample, customerId, legacy: legacyText, interviewId } of sent) {
    const legacy = received.find(
      (r) => r.source === 'legacy' && JSON.stringify(r.body) === legacyText,
    );
    const twin = shadowed.events.find((e) => e.result.interviewId === interviewId);
    const detail = twin ? await admin(`/admin/events/${twin.id}`) : undefined;
    const callback = detail?.callback as { body?: string } | null | undefined;
    const workflows = callback?.body
      ? (JSON.parse(callback.body) as Record<string, unknown>)
      : undefined;
    out();
    out(`   - ${sample.replace('.json', '')}  (customer ${customerId})`);
    out(`       the callback got   ${legacy ? JSON.stringify(legacy.body) : '(nothing)'}`);
    out(
      `       Workflows, shadowed ${workflows ? JSON.stringify(workflows) : '(no Face Authentication report: the Workflow module does not report blacklisting)'}`,
    );
    if (legacy && workflows) {
      const { decisions, legacyOnly } = compare(legacy.body, workflows);
      if (decisions.length > 0) differing++;
      out(
        `       decision fields    ${decisions.length === 0 ? `agree (${DECISION_FIELDS.join(', ')})` : decisions.join('; ')}`,
      );
      out(`       legacy only        ${legacyOnly.join(', ') || 'none'}`);
    }
  }
  out();
  out(
    `   ${differing} of ${PAIRS.length - 1} logins disagree on a decision field; the numbers only the legacy webhook sent are listed above (MIGRATION.md says what that means for your callback).`,
  );

  // Reality 2: users split between app versions. Users on the app with the Workflow are
  // reported by the Face Authentication webhook only; users still on the legacy SDK by the
  // legacy webhook only. Each login reaches the callback once, and nothing waits under `both`.
  out();
  out('2. Logins reported by one webhook (users split between app versions)');
  const before = received.length;
  const split = [
    {
      route: '/webhooks/workflows/face-authentication',
      body: {
        interviewId: 'demo-new-app-1',
        customerId: 'demo-new-app-user-1',
        overallStatus: 'PASS',
      },
    },
    {
      route: '/webhooks/workflows/face-authentication',
      body: {
        interviewId: 'demo-new-app-2',
        customerId: 'demo-new-app-user-2',
        overallStatus: 'FAIL',
        error: { name: 'FACE_TOO_DARK', message: 'The face is too dark' },
      },
    },
    {
      route: '/webhooks/legacy/authentication',
      body: {
        customerId: 'demo-old-app-user-1',
        interviewId: 'demo-old-app-1',
        faceMatch: true,
        overallStatus: 'PASS',
      },
    },
  ];
  for (const login of split) {
    const answer = await post(login.route, JSON.stringify(login.body));
    if (answer.status !== 200) throw new Error(`${login.route}: ${answer.status}`);
    logins++;
  }
  await waitForCallbacks(logins);
  out(
    `   Sent ${split.length} logins, 2 from users on the new app (Workflows only), 1 from a user on the legacy SDK: the callback received ${received.length - before}, one per login, at once.`,
  );
  for (const r of received.slice(before)) {
    out(`   - from ${r.source.padEnd(9)} ${JSON.stringify(r.body)}`);
  }

  // Which reality the service sees: the logins by who reported them.
  const status = (await admin(`/admin/forward-source?from=${encodeURIComponent(started)}`)) as {
    logins: {
      total: number;
      bothSources: number;
      legacyOnly: number;
      workflowsOnly: number;
      line: string;
      next: string;
    };
  };
  out();
  out('Who reports the logins (GET /admin/forward-source, `faceauth-shim forward-source show`):');
  out(`   ${status.logins.line}`);
  out(`   next step: ${status.logins.next}`);
  out();
  out(
    `Summary: ${received.length} callbacks for ${logins} logins${received.length === logins ? ': none lost, none doubled' : ''}.`,
  );

  // The comparison report of what was sent, as the admin API serves it.
  const reports = join(process.cwd(), 'demo-out');
  // As the service keeps what it writes: the folder 0700 and the files 0600 when new.
  mkdirSync(reports, { recursive: true, mode: 0o700 });
  const written: string[] = [];
  let verdict = '';
  for (const format of ['html', 'md', 'json'] as const) {
    const response = await fetch(
      `${service.url}/admin/report?format=${format}&from=${encodeURIComponent(started)}`,
      {
        headers: { authorization: `Bearer ${ADMIN_TOKEN}` },
      },
    );
    if (response.status !== 200) throw new Error(`report (${format}): ${response.status}`);
    const text = await response.text();
    if (format === 'json')
      verdict = (JSON.parse(text) as { verdict: { line: string } }).verdict.line;
    const file = join(reports, `comparison-report.${format}`);
    writeFileSync(file, text, { mode: 0o600 });
    written.push(file);
  }
  out();
  out(`Comparison report: ${written.join(', ')}`);
  out(`Verdict: ${verdict}`);
  out(
    '(With the few demo logins the verdict cannot be "safe": COMPARE_MIN_PAIRS asks for 20 pairs, or 20 customers seen on both sides.)',
  );

  if (received.length !== logins) {
    process.stderr.write(
      `demo: the callback received ${received.length} bodies for ${logins} logins\n`,
    );
    process.exitCode = 1;
  }
}

/** The fields a legacy callback decides on. */
const DECISION_FIELDS = [
  'overallStatus',
  'faceMatch',
  'errorCode',
  'spoofAttempt',
  'hasLenses',
  'hasFaceMask',
];

/** Where two legacy bodies differ in decision fields, and which fields only the legacy one has. */
function compare(legacy: Record<string, unknown>, workflows: Record<string, unknown>) {
  const decisions = DECISION_FIELDS.filter(
    (k) => JSON.stringify(legacy[k] ?? false) !== JSON.stringify(workflows[k] ?? false),
  ).map((k) => `${k}: ${JSON.stringify(legacy[k])} vs ${JSON.stringify(workflows[k])}`);
  const legacyOnly = Object.keys(legacy).filter((k) => !(k in workflows));
  const confidence = (legacy.recognitionConfidence as Record<string, unknown> | undefined)
    ?.confidence;
  if (confidence !== undefined) legacyOnly.push('recognitionConfidence.confidence');
  return { decisions, legacyOnly };
}

main().catch((error: unknown) => {
  const text =
    error instanceof DemoError ? error.message : ((error as Error)?.stack ?? String(error));
  process.stderr.write(`demo failed: ${text}\n`);
  process.exitCode = 1;
});
