// Load: autocannon (closed loop, as fast as the server answers) for ingest, and an open-loop
// sender (a fixed rate on a timer, not waiting for answers) for latency.
import autocannon from 'autocannon';
import { Pool } from 'undici';
import { now } from './callback.js';
import { INBOUND, LEGACY_ROUTE, legacyBody, percentile } from './lib.js';

export interface IngestOptions {
  /** Base URL of the server, e.g. http://127.0.0.1:8080 */
  url: string;
  connections: number;
  /** Seconds; ignored when `amount` is given. */
  durationS?: number;
  /** Send exactly this many requests, then stop... */
  amount?: number;
  /** ...but stop after this many seconds whatever happens. */
  maxSeconds?: number;
  /** Each request's body; unique legacy bodies of different customers by default. */
  body?: () => string;
}

export interface IngestResult {
  /** 200 answers whose body is exactly {"success":true}. */
  accepted: number;
  duplicates: number;
  /** Other answers: other statuses or bodies. */
  other: number;
  errors: number;
  timeouts: number;
  seconds: number;
  acceptedPerS: number;
  latencyP50Ms: number;
  latencyP99Ms: number;
}

/**
 * POSTs unique legacy bodies to the webhook route over `connections` keep-alive connections
 * (autocannon, closed loop) and counts what was accepted.
 */
export async function ingest(options: IngestOptions): Promise<IngestResult> {
  let accepted = 0;
  let duplicates = 0;
  let other = 0;
  const started = performance.now();
  const result = await new Promise<autocannon.Result>((resolve, reject) => {
    const instance = autocannon(
      {
        url: options.url,
        connections: options.connections,
        pipelining: 1,
        timeout: 30,
        ...(options.amount === undefined
          ? { duration: options.durationS ?? 10 }
          : { amount: options.amount }),
        requests: [
          {
            method: 'POST',
            path: LEGACY_ROUTE,
            headers: { 'content-type': 'application/json', [INBOUND.name]: INBOUND.value },
            setupRequest: (request) => ({ ...request, body: (options.body ?? legacyBody)() }),
            onResponse: (status, body) => {
              if (status === 200 && body === '{"success":true}') accepted++;
              else if (status === 200 && body === '{"success":true,"duplicate":true}') duplicates++;
              else other++;
            },
          },
        ],
      },
      (error: unknown, result) => {
        clearTimeout(cap);
        if (error) reject(error);
        else resolve(result);
      },
    );
    const cap = setTimeout(() => instance.stop(), (options.maxSeconds ?? 120) * 1000);
  });
  const seconds = (performance.now() - started) / 1000;
  return {
    accepted,
    duplicates,
    other,
    errors: result.errors,
    timeouts: result.timeouts,
    seconds,
    acceptedPerS: accepted / seconds,
    latencyP50Ms: result.latency.p50,
    latencyP99Ms: result.latency.p99,
  };
}

export interface OpenLoopResult {
  sent: number;
  /** Answers other than 200 (or failed requests). */
  failed: number;
  /** Each answer's time from send (ms). */
  answerMs: number[];
}

/**
 * Sends unique legacy bodies to `url` at `rate` per second for `durationS`, on a 1 ms timer,
 * without waiting for answers (open loop). Each body carries `benchSentAt` (performance clock,
 * epoch ms), which a legacy event keeps byte for byte on its way to the callback.
 */
export async function openLoop(options: {
  url: string;
  rate: number;
  durationS: number;
  /** How long to wait for answers after the last send; the rest count as failed. */
  answerWaitMs?: number;
  /** Checked on every tick: sending stops early once it says so. */
  stop?: (() => boolean) | undefined;
}): Promise<OpenLoopResult> {
  const target = new URL(options.url);
  const pool = new Pool(target.origin, { connections: 128, keepAliveTimeout: 30_000 });
  const headers = { 'content-type': 'application/json', [INBOUND.name]: INBOUND.value };
  const answers: Promise<void>[] = [];
  const answerMs: number[] = [];
  let failed = 0;
  let answered = 0;
  let sent = 0;
  let total = Math.round(options.rate * options.durationS);
  const started = performance.now();

  const send = () => {
    const sentAt = now();
    sent++;
    answers.push(
      pool
        .request({
          method: 'POST',
          path: target.pathname,
          headers,
          body: legacyBody({ benchSentAt: sentAt }),
        })
        .then(async (response) => {
          await response.body.dump();
          answerMs.push(now() - sentAt);
          if (response.statusCode !== 200) failed++;
        })
        .catch(() => {
          failed++;
        })
        .finally(() => {
          answered++;
        }),
    );
  };

  await new Promise<void>((resolve) => {
    const timer = setInterval(() => {
      if (options.stop?.()) total = sent;
      const due = Math.min(
        total,
        Math.floor(((performance.now() - started) * options.rate) / 1000),
      );
      while (sent < due) send();
      if (sent >= total) {
        clearInterval(timer);
        resolve();
      }
    }, 1);
  });
  const wait = new Promise((resolve) => setTimeout(resolve, options.answerWaitMs ?? 5000).unref());
  await Promise.race([Promise.all(answers), wait]);
  const result = { sent, failed: failed + (sent - answered), answerMs: [...answerMs] };
  await pool.destroy();
  return result;
}

export interface LatencySummary {
  count: number;
  p50: number;
  p99: number;
  max: number;
}

export function summarize(values: readonly number[]): LatencySummary {
  return {
    count: values.length,
    p50: percentile(values, 50),
    p99: percentile(values, 99),
    max: values.length ? Math.max(...values) : Number.NaN,
  };
}
