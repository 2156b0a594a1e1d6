// `npm run bench`: ingest, latency added, drain, a hot customer and memory of the real service
// against a bare Hono baseline and a bare forwarder, on loopback, in under 4.5 minutes. Writes
// bench/results.json.
//
//   npm run bench                        every phase
//   npm run bench -- --help              this text
//   npm run bench -- --only ingest       one phase (ingest, latency, drain or hot; repeatable)
//   npm run bench -- --no-build          use dist/ as it is
//   npm run bench -- --profile           also node --cpu-prof the service (bench/profiles/)
//   npm run bench -- --store postgres    the service on PostgreSQL (BENCH_DATABASE_URL, default
//                                        this machine's; a fresh schema per phase, dropped after)
//   npm run bench -- --store postgres --instances 2
//                                        ingest spread over, and drain by, two instances on one
//                                        schema (the latency phase keeps one)
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { parsePostgresUrl } from '../src/config/database-url.js';
import { PostgresDriver } from '../src/store/postgres/driver.js';
import { quoteIdentifier } from '../src/store/postgres/pool-config.js';
import { type CallbackServer, startCallback } from './callback.js';
import {
  cpuSecondsOf,
  foreignCpu,
  freePort,
  LEGACY_ROUTE,
  legacyBody,
  machine,
  memoryOf,
  out,
  ROOT,
  round,
  runBounded,
  sleep,
  spawnTracked,
  step,
  stopChild,
  table,
  waitUntilUp,
} from './lib.js';
import { ingest, openLoop, summarize } from './load.js';
import { formatSummary, readProfile, summarizeProfile } from './profile-summary.js';
import { buildService, heapOf, type Service, startService } from './service.js';

const PHASES = ['ingest', 'latency', 'hot', 'drain'] as const;
type Phase = (typeof PHASES)[number];

/** The same for the baseline and the service. */
const LOAD = { connections: 32, warmupS: 2, durationS: 8 };
const LATENCY = { rate: 500, warmupS: 1, durationS: 8, receiptWaitMs: 5000 };
/** The sweep: latency added at each rate, so the knee shows (the 500/s row is the target's). */
const SWEEP = { rates: [100, 500, 1000], warmupS: 1, durationS: 5, directS: 2 };
const DRAIN = { events: 50_000, connections: 32, maxWaitMs: 60_000 };
/**
 * One customer at full rate (closed loop, one customerId, each body unique) while the others
 * send at a fixed rate (open loop, each a customer of its own), then the drain of its line.
 */
const HOT = {
  customerId: 'bench-hot-customer',
  connections: 16,
  burstS: 8,
  othersRate: 100,
  othersAloneS: 4,
  drainMaxS: 25,
};
/** The run must end within 4.5 minutes: the drains wait at most until this many ms. */
const SOFT_LIMIT_MS = 250_000;
const runStarted = performance.now();
const TARGETS = {
  ingestRatio: 0.5,
  keepsUp: 0.9,
  addedP99Ms: 5,
  drainPerS: 3000,
  peakRssMB: 150,
  forwarderRatio: 0.6,
  hotDrainPerS: 500,
};

/** The usage: the comment at the top of this file, without its comment marks. */
function usage(): string {
  const lines = readFileSync(new URL(import.meta.url), 'utf8').split('\n');
  const end = lines.findIndex((line) => !line.startsWith('//'));
  return lines
    .slice(0, end)
    .map((line) => line.replace(/^\/\/ ?/, ''))
    .join('\n');
}

function parseOptions() {
  try {
    return parseArgs({
      options: {
        only: { type: 'string', multiple: true },
        'no-build': { type: 'boolean', default: false },
        profile: { type: 'boolean', default: false },
        store: { type: 'string', default: 'sqlite' },
        instances: { type: 'string', default: '1' },
        help: { type: 'boolean', short: 'h', default: false },
      },
    });
  } catch (error) {
    process.stderr.write(`${(error as Error).message}\n\n${usage()}\n`);
    process.exit(2);
  }
}
const { values } = parseOptions();
if (values.help) {
  process.stdout.write(`${usage()}\n`);
  process.exit(0);
}
const INSTANCES = Number(values.instances);
if (!Number.isInteger(INSTANCES) || INSTANCES < 1 || INSTANCES > 4) {
  throw new Error('--instances takes 1 to 4');
}
if (INSTANCES > 1 && values.store !== 'postgres') {
  throw new Error('--instances 2 or more needs --store postgres (instances share one database)');
}
if (values.store !== 'sqlite' && values.store !== 'postgres') {
  throw new Error('--store takes sqlite or postgres');
}
const BENCH_DATABASE_URL =
  process.env.BENCH_DATABASE_URL?.trim() ||
  'postgres://postgres@127.0.0.1:5432/test?sslmode=disable';
/** Schemas made for the phases, dropped at the end. */
const schemas: string[] = [];

/** DATABASE_URL of a fresh schema on BENCH_DATABASE_URL's server. */
async function freshSchemaUrl(phase: string): Promise<string> {
  const name = `bench_${phase}_${Date.now().toString(36)}`;
  schemas.push(name);
  const separator = BENCH_DATABASE_URL.includes('?') ? '&' : '?';
  return `${BENCH_DATABASE_URL}${separator}options=${encodeURIComponent(`-c search_path=${name}`)}`;
}

async function dropSchemas(): Promise<void> {
  if (schemas.length === 0) return;
  const config = parsePostgresUrl(BENCH_DATABASE_URL);
  if ('error' in config) throw new Error(`BENCH_DATABASE_URL: ${config.error}`);
  const admin = new PostgresDriver(config, { max: 1 });
  for (const name of schemas.splice(0)) {
    await admin.query(`DROP SCHEMA IF EXISTS ${quoteIdentifier(name)} CASCADE`);
  }
  await admin.close();
}
const only = (values.only ?? process.env.BENCH_ONLY?.split(',') ?? []).flatMap((p) => p.split(','));
for (const phase of only) {
  if (!PHASES.includes(phase as Phase)) throw new Error(`--only takes ${PHASES.join(', ')}`);
}
const phases = PHASES.filter((p) => only.length === 0 || only.includes(p));
const PROFILE_DIR = join(ROOT, 'bench', 'profiles');
const scratch = mkdtempSync(join(tmpdir(), 'faceauth-bench-'));
/** Peak RSS (VmHWM) of each service instance, by phase. */
const peaks: Record<string, number> = {};
/** RSS of the service just started, before any load. */
let rssAtStartMB = Number.NaN;

/** A service on a fresh SQLite file (or PostgreSQL schema), profiled under --profile. */
async function freshService(phase: Phase, callback: CallbackServer, env?: Record<string, string>) {
  return (await freshServices(phase, callback, 1, env))[0] as Service;
}

/**
 * `count` services on one fresh PostgreSQL schema (or, for one, a fresh store), as instances
 * behind a load balancer; the first is profiled under --profile.
 */
async function freshServices(
  phase: Phase,
  callback: CallbackServer,
  count: number,
  env?: Record<string, string>,
): Promise<Service[]> {
  const database = values.store === 'postgres' ? { DATABASE_URL: await freshSchemaUrl(phase) } : {};
  const services: Service[] = [];
  for (let i = 0; i < count; i++) {
    const dir = mkdtempSync(join(scratch, `${phase}-`));
    services.push(
      await startService({
        dir,
        callbackUrl: callback.url,
        env: { ...database, ...env },
        cpuProfDir: values.profile && i === 0 ? join(PROFILE_DIR, phase) : undefined,
      }),
    );
  }
  return services;
}

/** Load spread over the instances (connections split evenly), counted as one. */
async function ingestAll(
  services: Service[],
  options: { connections: number; durationS?: number; amount?: number; maxSeconds?: number },
): Promise<Awaited<ReturnType<typeof ingest>>> {
  const parts = await Promise.all(
    services.map((service, i) =>
      ingest({
        url: service.url,
        ...options,
        connections: Math.max(1, Math.round(options.connections / services.length)),
        ...(options.amount !== undefined
          ? {
              amount:
                Math.floor(options.amount / services.length) +
                (i < options.amount % services.length ? 1 : 0),
            }
          : {}),
      }),
    ),
  );
  const sum = (key: 'accepted' | 'duplicates' | 'other' | 'errors' | 'timeouts') =>
    parts.reduce((total, part) => total + part[key], 0);
  const seconds = Math.max(...parts.map((part) => part.seconds));
  return {
    accepted: sum('accepted'),
    duplicates: sum('duplicates'),
    other: sum('other'),
    errors: sum('errors'),
    timeouts: sum('timeouts'),
    seconds,
    acceptedPerS: parts.reduce((total, part) => total + part.acceptedPerS, 0),
    // The slowest instance's: an upper bound of the whole's.
    latencyP50Ms: Math.max(...parts.map((part) => part.latencyP50Ms)),
    latencyP99Ms: Math.max(...parts.map((part) => part.latencyP99Ms)),
  };
}

/** Records the peak RSS, stops the service, summarizes its profile over the last `ms`. */
async function finish(phase: Phase, service: Service, profiledSince: number) {
  peaks[phase] = memoryOf(service.pid)?.peakMB ?? Number.NaN;
  await service.stop();
  if (!values.profile) return;
  const dir = join(PROFILE_DIR, phase);
  const file = readdirSync(dir)
    .filter((f) => f.endsWith('.cpuprofile'))
    .sort()
    .pop();
  if (!file) return;
  const lastMs = performance.now() - profiledSince;
  const text = formatSummary(
    `service profile, ${phase} (last ${round(lastMs / 1000)} s)`,
    summarizeProfile(readProfile(join(dir, file)), { lastMs }),
  );
  writeFileSync(join(PROFILE_DIR, `${phase}-summary.txt`), `${text}\n`);
  out(`\n${text}\n`);
}

/** CPU seconds the service instances have used so far, together. */
function cpuOf(services: readonly Service[]): number {
  return services.reduce((sum, s) => sum + cpuSecondsOf(s.pid), 0);
}

async function ingestPhase() {
  out(`ingest: ${LOAD.connections} connections, ${LOAD.warmupS} s warm-up + ${LOAD.durationS} s`);
  const port = await freePort();
  const baselineChild = spawnTracked(process.execPath, ['--import', 'tsx', 'bench/baseline.ts'], {
    cwd: ROOT,
    stdio: ['ignore', 'ignore', 'inherit'],
    env: { PATH: process.env.PATH ?? '', PORT: String(port) },
  });
  const baselineUrl = `http://127.0.0.1:${port}`;
  await waitUntilUp(`${baselineUrl}/healthz`, baselineChild);
  await ingest({ url: baselineUrl, connections: LOAD.connections, durationS: LOAD.warmupS });
  const baselineCpuBefore = cpuSecondsOf(baselineChild.pid);
  const baseline = await ingest({
    url: baselineUrl,
    connections: LOAD.connections,
    durationS: LOAD.durationS,
  });
  const baselineCpuMs = (cpuSecondsOf(baselineChild.pid) - baselineCpuBefore) * 1000;
  await stopChild(baselineChild, 5000);
  step(
    `baseline: ${round(baseline.acceptedPerS, 0)} requests/s (${round(baselineCpuMs / baseline.accepted, 3)} ms CPU each)`,
  );

  const callback = await startCallback();
  // The bare forwarder: each POST forwarded to the same callback, answered after it.
  const forwarderPort = await freePort();
  const forwarderChild = spawnTracked(process.execPath, ['--import', 'tsx', 'bench/forwarder.ts'], {
    cwd: ROOT,
    stdio: ['ignore', 'ignore', 'inherit'],
    env: { PATH: process.env.PATH ?? '', PORT: String(forwarderPort), CALLBACK_URL: callback.url },
  });
  const forwarderUrl = `http://127.0.0.1:${forwarderPort}`;
  await waitUntilUp(`${forwarderUrl}/healthz`, forwarderChild);
  await ingest({ url: forwarderUrl, connections: LOAD.connections, durationS: LOAD.warmupS });
  const forwardedBefore = callback.received;
  const forwarderCpuBefore = cpuSecondsOf(forwarderChild.pid);
  const forwarder = await ingest({
    url: forwarderUrl,
    connections: LOAD.connections,
    durationS: LOAD.durationS,
  });
  const forwarderCpuMs = (cpuSecondsOf(forwarderChild.pid) - forwarderCpuBefore) * 1000;
  const forwarded = callback.received - forwardedBefore;
  await stopChild(forwarderChild, 5000);
  step(
    `bare forwarder: ${round(forwarder.acceptedPerS, 0)} forwarded/s (${round(forwarderCpuMs / forwarder.accepted, 3)} ms CPU each)`,
  );

  const services = await freshServices('ingest', callback, INSTANCES);
  const service = services[0] as Service;
  rssAtStartMB = memoryOf(service.pid)?.rssMB ?? Number.NaN;
  const warm = await ingestAll(services, {
    connections: LOAD.connections,
    durationS: LOAD.warmupS,
  });
  const measuredFrom = performance.now();
  const deliveredBefore = callback.ids.size;
  const cpuBefore = cpuOf(services);
  const measured = await ingestAll(services, {
    connections: LOAD.connections,
    durationS: LOAD.durationS,
  });
  const delivered = callback.ids.size - deliveredBefore;
  const cpuMs = (cpuOf(services) - cpuBefore) * 1000;
  step(`service: ${round(measured.acceptedPerS, 0)} accepted/s (${INSTANCES} instance(s))`);
  const backlog = warm.accepted + measured.accepted - callback.ids.size;
  for (const other of services.slice(1)) await other.stop();
  await finish('ingest', service, measuredFrom);
  await callback.close();
  return {
    instances: INSTANCES,
    connections: LOAD.connections,
    durationS: LOAD.durationS,
    baselineRequestsPerS: round(baseline.acceptedPerS, 0),
    baselineCpuMsPerRequest: round(baselineCpuMs / baseline.accepted, 3),
    forwarderPerS: round(forwarder.acceptedPerS, 0),
    forwarderCpuMsPerRequest: round(forwarderCpuMs / forwarder.accepted, 3),
    forwarderCallbackCalls: forwarded,
    serviceAcceptedPerS: round(measured.acceptedPerS, 0),
    ratio: round(measured.acceptedPerS / baseline.acceptedPerS, 3),
    forwarderRatio: round(measured.acceptedPerS / forwarder.acceptedPerS, 3),
    deliveredPerSDuringIngest: round(delivered / measured.seconds, 0),
    keepsUp: round(delivered / measured.accepted, 3),
    backlogAtEnd: backlog,
    // The service's CPU per webhook accepted and per event delivered in the same window.
    cpuMsPerAccepted: round(cpuMs / measured.accepted, 3),
    cpuMsPerAcceptedAndDelivered: round(cpuMs / (measured.accepted + delivered), 3),
    baseline,
    forwarder,
    service: measured,
  };
}

async function latencyPhase() {
  out(
    `latency: open loop at ${SWEEP.rates.join(', ')}/s, ${SWEEP.warmupS} s + ${SWEEP.durationS} s each`,
  );
  const callback = await startCallback();
  let since = Number.POSITIVE_INFINITY;
  let samples: number[] = [];
  callback.onTimed = (sentAt, at) => {
    if (sentAt >= since) samples.push(at - sentAt);
  };
  const measure = async (url: string, rate: number, durationS: number) => {
    since = Number.POSITIVE_INFINITY;
    await openLoop({ url, rate, durationS: SWEEP.warmupS });
    samples = [];
    since = performance.timeOrigin + performance.now();
    const sent = await openLoop({ url, rate, durationS });
    const until = Date.now() + LATENCY.receiptWaitMs;
    while (samples.length < sent.sent && Date.now() < until) await sleep(50);
    const received = summarize(samples);
    step(
      `${rate}/s ${url}: ${received.count} of ${sent.sent} received, p50 ${round(received.p50, 2)} ms, p99 ${round(received.p99, 2)} ms`,
    );
    return { sent, received };
  };

  const service = await freshService('latency', callback);
  const profiledSince = performance.now();
  const sweep = [];
  for (const rate of SWEEP.rates) {
    const direct = await measure(callback.url, rate, SWEEP.directS);
    const cpuBefore = cpuSecondsOf(service.pid);
    const through = await measure(`${service.url}${LEGACY_ROUTE}`, rate, SWEEP.durationS);
    // Warm-up included, as in the CPU: each webhook sent is accepted and delivered once.
    const events = 2 * Math.round(rate * (SWEEP.warmupS + SWEEP.durationS));
    const cpuMsPerEvent = round(((cpuSecondsOf(service.pid) - cpuBefore) * 1000) / events, 3);
    sweep.push({
      rate,
      direct: { ...direct.received, sent: direct.sent.sent },
      service: {
        ...through.received,
        sent: through.sent.sent,
        failed: through.sent.failed,
        answer: summarize(through.sent.answerMs),
      },
      addedP50Ms: round(through.received.p50 - direct.received.p50, 2),
      addedP99Ms: round(through.received.p99 - direct.received.p99, 2),
      cpuMsPerWebhookOrDelivery: cpuMsPerEvent,
    });
  }
  await finish('latency', service, profiledSince);
  await callback.close();
  const target = sweep.find((row) => row.rate === LATENCY.rate) ?? sweep[0];
  if (!target) throw new Error('no latency measured');
  return {
    ...target,
    durationS: SWEEP.durationS,
    sweep,
  };
}

async function drainPhase() {
  out(`drain: ${DRAIN.events} events piled up while the callback holds its answers`);
  const callback = await startCallback();
  callback.hold();
  const services = await freshServices('drain', callback, INSTANCES, {
    CALLBACK_TIMEOUT_MS: '300000',
  });
  const service = services[0] as Service;
  const pileStarted = performance.now();
  const cpuAtPile = cpuOf(services);
  // The pile-up takes what is left of the run but 30 s for the drain (a loaded machine is slow).
  const pileUpLimitS = () =>
    Math.max(10, Math.min(100, (SOFT_LIMIT_MS - (performance.now() - runStarted)) / 1000 - 30));
  const pileUp = (amount: number) =>
    ingestAll(services, { connections: DRAIN.connections, amount, maxSeconds: pileUpLimitS() });
  let pile = await pileUp(DRAIN.events);
  if (pile.accepted < DRAIN.events) {
    // Once more for what was not accepted (errors, timeouts); a second shortfall is reported.
    const more = await pileUp(DRAIN.events - pile.accepted);
    pile = { ...pile, accepted: pile.accepted + more.accepted, other: pile.other + more.other };
  }
  const pileSeconds = (performance.now() - pileStarted) / 1000;
  const pileCpuMs = (cpuOf(services) - cpuAtPile) * 1000;
  step(`piled up ${pile.accepted} in ${round(pileSeconds)} s`);
  const memoryPiled = memoryOf(service.pid);
  const heapPiled = await heapOf(service);
  const held = callback.ids.size;

  const released = performance.now();
  const cpuAtRelease = cpuOf(services);
  callback.release();
  const budgetMs = SOFT_LIMIT_MS - (performance.now() - runStarted);
  const complete = await callback.waitForIds(
    pile.accepted,
    Math.max(10_000, Math.min(DRAIN.maxWaitMs, budgetMs)),
  );
  const seconds = (performance.now() - released) / 1000;
  const delivered = callback.ids.size - held;
  const drainCpuMs = (cpuOf(services) - cpuAtRelease) * 1000;
  step(`drained ${delivered} in ${round(seconds)} s${complete ? '' : ' (time limit)'}`);
  for (const other of services.slice(1)) await other.stop();
  await finish('drain', service, released);
  await callback.close();
  return {
    instances: INSTANCES,
    events: pile.accepted,
    notAccepted: pile.other + pile.duplicates,
    pileUpSeconds: round(pileSeconds, 1),
    pileUpAcceptedPerS: round(pile.accepted / pileSeconds, 0),
    pileUpCpuMsPerWebhook: round(pileCpuMs / pile.accepted, 3),
    heldAtRelease: held,
    complete,
    drainSeconds: round(seconds, 2),
    delivered,
    eventsPerS: round(delivered / seconds, 0),
    cpuMsPerEvent: round(drainCpuMs / delivered, 3),
    rssWithPendingMB: round(memoryPiled?.rssMB ?? Number.NaN),
    anonWithPendingMB: round(memoryPiled?.anonMB ?? Number.NaN),
    heapWithPending: {
      totalMB: round(heapPiled.heapTotalMB),
      usedMB: round(heapPiled.heapUsedMB),
      externalMB: round(heapPiled.externalMB),
    },
    callbackConcurrency: 4,
  };
}

/**
 * One customer sending flat out while the others send at HOT.othersRate (each a customer of its
 * own), then the drain of the hot customer's line while the others go on: the hot line's
 * delivered/s during the burst and after it, the ingest rate with it, and the others'
 * end-to-end p99 alone, during the burst and during the drain.
 */
async function hotPhase() {
  out(
    `hot customer: one customerId on ${HOT.connections} connections for ${HOT.burstS} s, the others at ${HOT.othersRate}/s, then its line's drain (at most ${HOT.drainMaxS} s)`,
  );
  const callback = await startCallback();
  const hotIds = new Set<string>();
  callback.hot = { customerId: HOT.customerId, ids: hotIds };
  let since = Number.POSITIVE_INFINITY;
  let samples: number[] = [];
  callback.onTimed = (sentAt, at) => {
    if (sentAt >= since) samples.push(at - sentAt);
  };
  const service = await freshService('hot', callback);
  const url = `${service.url}${LEGACY_ROUTE}`;
  /** The others at their rate until `stop`, and their end-to-end latency (send to callback). */
  const others = async (durationS: number, stop?: () => boolean) => {
    samples = [];
    since = performance.timeOrigin + performance.now();
    const sent = await openLoop({ url, rate: HOT.othersRate, durationS, stop });
    const until = Date.now() + LATENCY.receiptWaitMs;
    while (samples.length < sent.sent && Date.now() < until) await sleep(50);
    return { sent: sent.sent, failed: sent.failed, ...summarize(samples) };
  };
  await openLoop({ url, rate: HOT.othersRate, durationS: 1 });
  const alone = await others(HOT.othersAloneS);
  step(`others alone: p50 ${round(alone.p50, 2)} ms, p99 ${round(alone.p99, 2)} ms`);

  const profiledSince = performance.now();
  const cpuBurst = cpuSecondsOf(service.pid);
  const receivedBurst = callback.received;
  const [hot, burst] = await Promise.all([
    ingest({
      url: service.url,
      connections: HOT.connections,
      durationS: HOT.burstS,
      body: () => legacyBody({ customerId: HOT.customerId }),
    }),
    others(HOT.burstS),
  ]);
  const burstCpuMs = (cpuSecondsOf(service.pid) - cpuBurst) * 1000;
  const hotDeliveredInBurst = hotIds.size;
  const burstEvents = hot.accepted + burst.sent + (callback.received - receivedBurst);
  step(
    `hot: ${round(hot.acceptedPerS, 0)} accepted/s, its line delivered ${round(hotDeliveredInBurst / hot.seconds, 0)}/s meanwhile; others p99 ${round(burst.p99, 2)} ms`,
  );

  const drainStarted = performance.now();
  const cpuDrain = cpuSecondsOf(service.pid);
  const receivedDrain = callback.received;
  const budgetS = (SOFT_LIMIT_MS - (performance.now() - runStarted)) / 1000;
  const drainLimitS = Math.max(5, Math.min(HOT.drainMaxS, budgetS));
  const drained = () => hotIds.size >= hot.accepted;
  let drainSeconds = Number.NaN;
  const watch = (async () => {
    while (!drained() && performance.now() - drainStarted < drainLimitS * 1000) await sleep(20);
    drainSeconds = (performance.now() - drainStarted) / 1000;
  })();
  const during = await others(drainLimitS, () => Number.isFinite(drainSeconds));
  await watch;
  const drainCpuMs = (cpuSecondsOf(service.pid) - cpuDrain) * 1000;
  const drainEvents = during.sent + (callback.received - receivedDrain);
  const afterBurst = hotIds.size - hotDeliveredInBurst;
  step(
    `hot line: ${afterBurst} delivered in ${round(drainSeconds)} s after the burst${drained() ? '' : ` (time limit: ${hot.accepted - hotIds.size} still pending)`}; others p99 ${round(during.p99, 2)} ms`,
  );
  await finish('hot', service, profiledSince);
  await callback.close();
  return {
    othersRate: HOT.othersRate,
    hotAccepted: hot.accepted,
    hotAcceptedPerS: round(hot.acceptedPerS, 0),
    hotDeliveredPerSDuringBurst: round(hotDeliveredInBurst / hot.seconds, 0),
    burstCpuMsPerWebhookOrDelivery: round(burstCpuMs / burstEvents, 3),
    drainComplete: drained(),
    drainSeconds: round(drainSeconds, 2),
    hotDeliveredAfterBurst: afterBurst,
    hotPendingAtEnd: Math.max(0, hot.accepted - hotIds.size),
    hotDrainPerS: round(afterBurst / drainSeconds, 0),
    drainCpuMsPerWebhookOrDelivery: round(drainCpuMs / drainEvents, 3),
    othersAlone: alone,
    othersDuringBurst: burst,
    othersDuringDrain: during,
    othersAddedP99MsDuringBurst: round(burst.p99 - alone.p99, 2),
    othersAddedP99MsDuringDrain: round(during.p99 - alone.p99, 2),
  };
}

async function main() {
  const started = runStarted;
  const results: Record<string, unknown> = { machine: machine(), store: values.store, phases };
  out(`faceauth-shim bench: ${JSON.stringify(results.machine)}`);
  if (!values['no-build']) {
    out('building the service (tsc -p tsconfig.build.json)...');
    buildService();
  }
  if (values.profile) rmSync(PROFILE_DIR, { recursive: true, force: true });
  const resultsFile = join(
    ROOT,
    'bench',
    values.store === 'postgres' ? 'results-postgres.json' : 'results.json',
  );
  const otherCpu: Record<string, number> = {};
  results.otherProcessesCpuPercent = otherCpu;
  for (const phase of phases) {
    const foreign = foreignCpu();
    if (phase === 'ingest') results.ingest = await ingestPhase();
    if (phase === 'latency') results.latency = await latencyPhase();
    if (phase === 'drain') results.drain = await drainPhase();
    if (phase === 'hot') results.hot = await hotPhase();
    otherCpu[phase] = round(foreign() * 100, 0);
    if (otherCpu[phase] > 10) {
      out(`WARNING: other processes took ${otherCpu[phase]}% of the CPU during ${phase}`);
    }
    // Written after each phase: a run stopped by the time limit keeps what it measured.
    writeFileSync(resultsFile, `${JSON.stringify(results, null, 2)}\n`);
  }
  const peak = Math.max(...Object.values(peaks));
  results.memory = {
    peakRssMB: round(peak),
    rssAtStartMB: round(rssAtStartMB),
    peakRssMBByPhase: Object.fromEntries(Object.entries(peaks).map(([k, v]) => [k, round(v)])),
    rssWith50kPendingMB: (results.drain as { rssWithPendingMB?: number } | undefined)
      ?.rssWithPendingMB,
  };
  results.seconds = round((performance.now() - started) / 1000);
  report(results);
  writeFileSync(resultsFile, `${JSON.stringify(results, null, 2)}\n`);
  await dropSchemas();
  out(`\nwrote ${resultsFile} (${results.seconds} s)`);
}

function report(results: Record<string, unknown>) {
  const ingestR = results.ingest as Awaited<ReturnType<typeof ingestPhase>> | undefined;
  const latencyR = results.latency as Awaited<ReturnType<typeof latencyPhase>> | undefined;
  const drainR = results.drain as Awaited<ReturnType<typeof drainPhase>> | undefined;
  const hotR = results.hot as Awaited<ReturnType<typeof hotPhase>> | undefined;
  const memory = results.memory as {
    peakRssMB: number;
    rssAtStartMB: number;
    rssWith50kPendingMB?: number;
  };
  const rows: (string | number)[][] = [['measure', 'value', 'note']];
  const targets: (string | number)[][] = [['target', 'measured', 'limit', 'result']];
  const verdict = (ok: boolean) => (ok ? 'PASS' : 'FAIL');
  if (ingestR) {
    rows.push(
      [
        'baseline requests/s',
        ingestR.baselineRequestsPerS,
        `bare Hono, JSON.parse only; ${ingestR.baselineCpuMsPerRequest} ms CPU each`,
      ],
      [
        'bare forwarder forwarded/s',
        ingestR.forwarderPerS,
        `Hono + undici to the callback, answered after it; ${ingestR.forwarderCpuMsPerRequest} ms CPU each`,
      ],
      [
        'service accepted webhooks/s',
        ingestR.serviceAcceptedPerS,
        `authenticated, stored, 200; ${ingestR.cpuMsPerAcceptedAndDelivered} ms CPU per webhook or delivery`,
      ],
      ['ratio to the baseline', ingestR.ratio, ''],
      ['ratio to the bare forwarder', ingestR.forwarderRatio, 'what durability costs'],
      [
        'keeps up: delivered / accepted',
        ingestR.keepsUp,
        'the same window, every customer different',
      ],
      [
        'service answer p50 / p99 ms',
        `${ingestR.service.latencyP50Ms} / ${ingestR.service.latencyP99Ms}`,
        `${LOAD.connections} connections`,
      ],
      [
        'delivered/s during ingest',
        ingestR.deliveredPerSDuringIngest,
        `backlog at end: ${ingestR.backlogAtEnd}`,
      ],
      [
        'service CPU ms per webhook',
        ingestR.cpuMsPerAccepted,
        `${ingestR.cpuMsPerAcceptedAndDelivered} per webhook or delivery; holds under load`,
      ],
      [
        'not accepted (service)',
        ingestR.service.other + ingestR.service.duplicates + ingestR.service.errors,
        'other answers, duplicates, errors',
      ],
    );
    const keepsUp = round(ingestR.deliveredPerSDuringIngest / ingestR.serviceAcceptedPerS, 3);
    targets.push([
      'keeps up: delivered/s over accepted/s during ingest',
      keepsUp,
      `>= ${TARGETS.keepsUp}`,
      verdict(keepsUp >= TARGETS.keepsUp),
    ]);
    targets.push([
      'ingest vs baseline',
      ingestR.ratio,
      `>= ${TARGETS.ingestRatio}`,
      verdict(ingestR.ratio >= TARGETS.ingestRatio),
    ]);
  }
  if (latencyR) {
    rows.push(
      [
        'direct to callback p50 / p99 ms',
        `${round(latencyR.direct.p50, 2)} / ${round(latencyR.direct.p99, 2)}`,
        `${latencyR.direct.count} of ${latencyR.direct.sent}`,
      ],
      [
        'through service p50 / p99 ms',
        `${round(latencyR.service.p50, 2)} / ${round(latencyR.service.p99, 2)}`,
        `${latencyR.service.count} of ${latencyR.service.sent}, max ${round(latencyR.service.max, 1)}`,
      ],
      [
        'latency added p50 / p99 ms',
        `${latencyR.addedP50Ms} / ${latencyR.addedP99Ms}`,
        `open loop, ${latencyR.rate}/s`,
      ],
      [
        'service answer p50 / p99 ms',
        `${round(latencyR.service.answer.p50, 2)} / ${round(latencyR.service.answer.p99, 2)}`,
        'POST to its 200',
      ],
      ...latencyR.sweep.map((row) => [
        `added p50 / p99 ms at ${row.rate}/s`,
        `${row.addedP50Ms} / ${row.addedP99Ms}`,
        `${row.service.count} of ${row.service.sent} received; ${row.cpuMsPerWebhookOrDelivery} ms CPU per webhook or delivery`,
      ]),
    );
    targets.push([
      'p99 latency added (ms)',
      latencyR.addedP99Ms,
      `< ${TARGETS.addedP99Ms}`,
      verdict(latencyR.addedP99Ms < TARGETS.addedP99Ms),
    ]);
  }
  if (drainR) {
    rows.push(
      [
        'pile-up accepted/s',
        drainR.pileUpAcceptedPerS,
        `${drainR.events} events in ${drainR.pileUpSeconds} s; ${drainR.pileUpCpuMsPerWebhook} ms CPU each`,
      ],
      [
        'drain events/s',
        drainR.eventsPerS,
        `${drainR.delivered} in ${drainR.drainSeconds} s${drainR.complete ? '' : ' (INCOMPLETE: time limit)'}`,
      ],
      [
        'drain CPU ms per event',
        drainR.cpuMsPerEvent,
        'the service, per delivered event; holds under load',
      ],
      [
        'RSS with 50k pending MB',
        drainR.rssWithPendingMB,
        `VmRSS when the pile-up is in (anon ${drainR.anonWithPendingMB})`,
      ],
      [
        'V8 heap then: total / used MB',
        `${drainR.heapWithPending.totalMB} / ${drainR.heapWithPending.usedMB}`,
        `external ${drainR.heapWithPending.externalMB} MB`,
      ],
    );
    targets.push([
      'drain (events/s)',
      drainR.eventsPerS,
      `>= ${TARGETS.drainPerS}`,
      verdict(drainR.complete && drainR.eventsPerS >= TARGETS.drainPerS),
    ]);
  }
  if (hotR) {
    rows.push(
      [
        'hot customer: accepted/s',
        hotR.hotAcceptedPerS,
        `one customerId, ${HOT.connections} connections, others at ${hotR.othersRate}/s; ${hotR.burstCpuMsPerWebhookOrDelivery} ms CPU per webhook or delivery`,
      ],
      ['hot line delivered/s during the burst', hotR.hotDeliveredPerSDuringBurst, ''],
      [
        'hot line drain, delivered/s after it',
        hotR.hotDrainPerS,
        `${hotR.hotDeliveredAfterBurst} in ${hotR.drainSeconds} s${hotR.drainComplete ? '' : ` (INCOMPLETE: ${hotR.hotPendingAtEnd} pending)`}; ${hotR.drainCpuMsPerWebhookOrDelivery} ms CPU per webhook or delivery`,
      ],
      [
        'others p99 ms: alone / burst / drain',
        `${round(hotR.othersAlone.p99, 2)} / ${round(hotR.othersDuringBurst.p99, 2)} / ${round(hotR.othersDuringDrain.p99, 2)}`,
        `end to end; added ${hotR.othersAddedP99MsDuringBurst} / ${hotR.othersAddedP99MsDuringDrain}`,
      ],
    );
    targets.push([
      'hot line drain (delivered/s)',
      hotR.hotDrainPerS,
      `>= ${TARGETS.hotDrainPerS}`,
      verdict(hotR.drainComplete && hotR.hotDrainPerS >= TARGETS.hotDrainPerS),
    ]);
  }
  if (ingestR) {
    targets.push([
      'ingest vs bare forwarder',
      ingestR.forwarderRatio,
      `>= ${TARGETS.forwarderRatio}`,
      verdict(ingestR.forwarderRatio >= TARGETS.forwarderRatio),
    ]);
  }
  rows.push(['peak RSS MB', memory.peakRssMB, 'VmHWM, highest service instance']);
  if (ingestR) rows.push(['RSS at start MB', memory.rssAtStartMB, 'VmRSS once ready, before load']);
  const otherCpu = results.otherProcessesCpuPercent as Record<string, number>;
  rows.push([
    'other processes CPU %',
    Object.values(otherCpu).join(' / '),
    `of both cores, during ${Object.keys(otherCpu).join(' / ')}`,
  ]);
  targets.push([
    'peak RSS (MB)',
    memory.peakRssMB,
    `< ${TARGETS.peakRssMB}`,
    verdict(memory.peakRssMB < TARGETS.peakRssMB),
  ]);
  out('');
  out(table(rows));
  out('');
  out(table(targets));
}

runBounded(300_000, main, () => rmSync(scratch, { recursive: true, force: true }));
