import type { Logger } from 'pino';
import { createAdminTokens, type IncodeAuth, IncodeLoginError, LOGIN_CALL } from './admin-token.js';
import {
  createScrubber,
  describeAnswer,
  type Exchange,
  exchange,
  isHeaderSafe,
  isRetryableStatus,
  loggableError,
  MAX_ANSWER_BYTES,
  parseJson,
  readIncodeError,
} from './incode-http.js';
import { type IncodeErrorBody, Score } from './score-schema.js';

// The Incode API as this service uses it: the score of an interview, fetched to complete an
// event that carries no numbers. A failure is an outcome, never a throw: the caller decides
// from `retryable` whether to try again later or forward the event without the score.

export type { IncodeAuth } from './admin-token.js';

export interface IncodeClientOptions {
  /** INCODE_API_URL, e.g. https://demo-api.incodesmile.com; a path prefix is kept. */
  baseUrl: string;
  apiKey: string;
  /** A token used as is, or the admin's email and password to log in with. */
  auth: IncodeAuth;
  /** For each request, from sending it to the last byte of its answer. */
  timeoutMs: number;
  /** Milliseconds since the epoch, for the token's lifetime; tests pass their own. */
  clock?: () => number;
  logger: Logger;
}

export type ScoreOutcome =
  | { ok: true; score: Score }
  | {
      ok: false;
      /** Trying again later may succeed (Incode unreachable, slow, busy or failing). */
      retryable: boolean;
      /** One line a person can act on; holds no secret. */
      error: string;
    };

export interface IncodeClient {
  /** The score of an interview; never throws. */
  getScore(interviewId: string): Promise<ScoreOutcome>;
  /** Abandons the requests under way (they end as retryable failures). */
  close(): Promise<void>;
}

export const SCORE_CALL = 'GET /omni/get/score';

/** A failed getScore, with what its log line says about it. */
interface Failure {
  ok: false;
  call: string;
  status: number | null;
  incodeError: IncodeErrorBody | undefined;
  retryable: boolean;
  error: string;
}

export function createIncodeClient(options: IncodeClientOptions): IncodeClient {
  const root = apiRoot(options.baseUrl);
  checkOptions(options);
  const { apiKey, auth, timeoutMs, logger } = options;
  const clock = options.clock ?? Date.now;
  const closing = new AbortController();
  const tokens = createAdminTokens({
    auth,
    loginUrl: `${root}/executive/log-in`,
    apiKey,
    timeoutMs,
    clock,
    logger,
    closed: closing.signal,
  });
  const scrub = createScrubber(() => [
    apiKey,
    ...('password' in auth ? [auth.password, auth.email] : []),
    ...tokens.known(),
  ]);

  function requestScore(interviewId: string, token: string): Promise<Exchange> {
    return exchange({
      method: 'GET',
      url: `${root}/omni/get/score?id=${encodeURIComponent(interviewId)}`,
      call: SCORE_CALL,
      headers: {
        'api-version': '1.0',
        'x-api-key': apiKey,
        'X-Incode-Hardware-Id': token,
        accept: 'application/json',
      },
      timeoutMs,
      closed: closing.signal,
    });
  }

  async function fetchScore(interviewId: string): Promise<{ ok: true; score: Score } | Failure> {
    if (interviewId === '') {
      return failure(SCORE_CALL, null, undefined, false, 'no interviewId to fetch the score of');
    }
    let token: string;
    let answer: Exchange;
    let renewed = false;
    try {
      token = await tokens.get();
      answer = await requestScore(interviewId, token);
      if (answer.kind === 'answer' && answer.status === 401 && tokens.renewable) {
        // Revoked or expired early: one fresh log-in, one more try.
        logger.info(
          { interviewId, incodeError: loggableError(readIncodeError(answer.text), scrub) },
          'Incode refused the admin token: logging in again',
        );
        tokens.invalidate(token);
        token = await tokens.get();
        answer = await requestScore(interviewId, token);
        renewed = true;
      }
    } catch (error) {
      if (!(error instanceof IncodeLoginError)) throw error;
      return failure(LOGIN_CALL, error.status, error.incodeError, error.retryable, error.message);
    }
    return readScore(answer, renewed);
  }

  return {
    async getScore(interviewId) {
      const result = await fetchScore(interviewId);
      if (result.ok) return result;
      const error = scrub(result.error);
      logger.warn(
        {
          interviewId,
          call: result.call,
          status: result.status,
          incodeError: loggableError(result.incodeError, scrub),
          retryable: result.retryable,
        },
        error,
      );
      return { ok: false, retryable: result.retryable, error };
    },
    async close() {
      closing.abort();
    },
  };
}

/** What a score answer means; `renewed` when its token was a fresh one after a 401. */
function readScore(answer: Exchange, renewed: boolean): { ok: true; score: Score } | Failure {
  if (answer.kind === 'no-answer') return failure(SCORE_CALL, null, undefined, true, answer.error);
  const { status, text } = answer;
  const head = `Incode ${SCORE_CALL} answered ${status}`;
  const tooLarge = `with more than ${MAX_ANSWER_BYTES} bytes: not retryable`;
  if (status >= 200 && status < 300) {
    if (text === null) {
      return failure(SCORE_CALL, status, undefined, false, `${head} ${tooLarge}`);
    }
    const json = parseJson(text);
    if (json === undefined) {
      return failure(
        SCORE_CALL,
        status,
        undefined,
        false,
        `${head} with a body that is not JSON: not retryable`,
      );
    }
    if (typeof json !== 'object' || json === null || Array.isArray(json)) {
      const kind = json === null ? 'null' : Array.isArray(json) ? 'an array' : typeof json;
      return failure(
        SCORE_CALL,
        status,
        undefined,
        false,
        `${head} with ${kind}, not an object: not retryable`,
      );
    }
    const parsed = Score.safeParse(json);
    if (!parsed.success) {
      const issue = parsed.error.issues[0];
      const where = issue?.path.length ? issue.path.join('.') : 'score';
      return failure(
        SCORE_CALL,
        status,
        undefined,
        false,
        `${head} with a score of unexpected shape (${where}: ${issue?.message ?? 'invalid'}): not retryable`,
      );
    }
    return { ok: true, score: parsed.data };
  }
  const incodeError = readIncodeError(text);
  const said = describeAnswer(SCORE_CALL, answer, incodeError);
  if (isRetryableStatus(status)) return failure(SCORE_CALL, status, incodeError, true, said);
  let why = 'not retryable';
  if (status >= 300 && status < 400) why = 'a redirect, not followed (check INCODE_API_URL)';
  else if (status === 401 && renewed) why = 'refused a fresh admin token (check INCODE_API_KEY)';
  else if (status === 401) why = 'refused INCODE_ADMIN_TOKEN (or INCODE_API_KEY)';
  else if (status === 403) why = 'not allowed (check INCODE_API_KEY and the admin rights)';
  return failure(
    SCORE_CALL,
    status,
    incodeError,
    false,
    why === 'not retryable' ? `${said}: ${why}` : `${said}: ${why}; not retryable`,
  );
}

function failure(
  call: string,
  status: number | null,
  incodeError: IncodeErrorBody | undefined,
  retryable: boolean,
  error: string,
): Failure {
  return { ok: false, call, status, incodeError, retryable, error };
}

/** `https://host/prefix` from the base URL, without a trailing slash. */
function apiRoot(baseUrl: string): string {
  let url: URL;
  try {
    url = new URL(baseUrl);
  } catch {
    // Not echoed: a malformed URL may still hold a password.
    throw new Error('Incode client: baseUrl (INCODE_API_URL) is not a URL');
  }
  if (url.protocol !== 'https:' && url.protocol !== 'http:') {
    throw new Error('Incode client: baseUrl (INCODE_API_URL) must be an http(s) URL');
  }
  if (url.username || url.password || url.search || url.hash) {
    throw new Error(
      'Incode client: baseUrl (INCODE_API_URL) must have no user, password, query or fragment',
    );
  }
  return `${url.origin}${url.pathname.replace(/\/+$/, '')}`;
}

function checkOptions(options: IncodeClientOptions): void {
  if (!isHeaderSafe(options.apiKey)) {
    throw new Error('Incode client: apiKey (INCODE_API_KEY) is empty or holds a space or control');
  }
  if ('token' in options.auth && !isHeaderSafe(options.auth.token)) {
    throw new Error(
      'Incode client: auth.token (INCODE_ADMIN_TOKEN) is empty or holds a space or control',
    );
  }
  if ('password' in options.auth && (!options.auth.email || !options.auth.password)) {
    throw new Error(
      'Incode client: INCODE_ADMIN_EMAIL and INCODE_ADMIN_PASSWORD must both be set, not empty',
    );
  }
  if (!Number.isFinite(options.timeoutMs) || options.timeoutMs <= 0) {
    throw new Error('Incode client: timeoutMs (INCODE_TIMEOUT_MS) must be a positive number');
  }
}
