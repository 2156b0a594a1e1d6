import type { Logger } from 'pino';
import { z } from 'zod';
import { lenient } from '../intake/lenient.js';
import { FaceauthError } from '../util/errors.js';
import {
  describeAnswer,
  exchange,
  isHeaderSafe,
  isRetryableStatus,
  parseJson,
  readIncodeError,
} from './incode-http.js';
import type { IncodeErrorBody } from './score-schema.js';

// The token sent as X-Incode-Hardware-Id. Either one given as is (INCODE_ADMIN_TOKEN), which
// cannot be renewed, or an admin token from `POST /executive/log-in` with an email and
// password (INCODE_ADMIN_EMAIL/INCODE_ADMIN_PASSWORD): fetched when first needed, shared by
// every caller, renewed before it expires and once when Incode refuses it.

export type IncodeAuth = { token: string } | { email: string; password: string };

/**
 * Incode's admin tokens last 24 h [sample] and the log-in answer does not say when one
 * expires: a token is renewed after 23 h, so it is never used in its last hour.
 */
export const ADMIN_TOKEN_RENEW_AFTER_MS = 23 * 60 * 60 * 1000;

/**
 * After Incode refused the email and password, no login is tried for this long: a wrong
 * password stays wrong until the configuration changes, and every event trying it again
 * could get the admin account locked.
 */
export const LOGIN_REFUSED_HOLD_MS = 5 * 60 * 1000;

export const LOGIN_CALL = 'POST /executive/log-in';

/** Why no token could be had; the score call fails with it. */
export class IncodeLoginError extends FaceauthError {
  override readonly name = 'IncodeLoginError';
  readonly code = 'incode_login_failed';
  constructor(
    message: string,
    readonly retryable: boolean,
    /** The HTTP status of the log-in answer; null when there was none. */
    readonly status: number | null,
    readonly incodeError: IncodeErrorBody | undefined,
  ) {
    super(message);
  }
}

/** Incode's sample answers `{"token": "...", ...}`; `adminToken` is taken when it is not. */
const LoginAnswer = z.looseObject({
  token: lenient(z.string()),
  adminToken: lenient(z.string()),
});

export interface AdminTokenOptions {
  auth: IncodeAuth;
  /** `<baseUrl>/executive/log-in`. */
  loginUrl: string;
  apiKey: string;
  timeoutMs: number;
  clock: () => number;
  logger: Logger;
  /** Aborted when the client closes. */
  closed: AbortSignal;
}

export interface AdminTokens {
  /** False for a token given as is: when Incode refuses it, nothing can be done. */
  readonly renewable: boolean;
  /** A token to use now: the cached one, or a new one (one log-in at a time). */
  get(): Promise<string>;
  /** Forgets `token` after Incode refused it, so the next get() logs in again. */
  invalidate(token: string): void;
  /** The tokens held now and last, to keep them out of messages. */
  known(): string[];
}

export function createAdminTokens(options: AdminTokenOptions): AdminTokens {
  const { auth } = options;
  if ('token' in auth) {
    const { token } = auth;
    return {
      renewable: false,
      get: async () => token,
      invalidate: () => undefined,
      known: () => [token],
    };
  }

  const { email, password } = auth;
  let cached: { token: string; renewAt: number } | undefined;
  let previous: string | undefined;
  let pending: Promise<string> | undefined;
  let refused: { error: IncodeLoginError; until: number } | undefined;

  async function logIn(): Promise<string> {
    const started = options.clock();
    if (refused && started < refused.until) {
      const { error, until } = refused;
      throw new IncodeLoginError(
        `${error.message} (no new log-in before ${new Date(until).toISOString()})`,
        false,
        error.status,
        error.incodeError,
      );
    }
    const answer = await exchange({
      method: 'POST',
      url: options.loginUrl,
      call: LOGIN_CALL,
      headers: {
        'api-version': '1.0',
        'x-api-key': options.apiKey,
        'content-type': 'application/json',
        accept: 'application/json',
      },
      body: JSON.stringify({ email, password }),
      timeoutMs: options.timeoutMs,
      closed: options.closed,
    });
    if (answer.kind === 'no-answer') {
      throw new IncodeLoginError(answer.error, true, null, undefined);
    }
    const { status, text } = answer;
    if (status < 200 || status >= 300) {
      const incodeError = readIncodeError(text);
      const said = describeAnswer(LOGIN_CALL, answer, incodeError);
      if (status === 401 || status === 403) {
        const error = new IncodeLoginError(
          `${said}: wrong INCODE_ADMIN_EMAIL/INCODE_ADMIN_PASSWORD (or INCODE_API_KEY), not retryable`,
          false,
          status,
          incodeError,
        );
        refused = { error, until: started + LOGIN_REFUSED_HOLD_MS };
        throw error;
      }
      const retryable = isRetryableStatus(status);
      throw new IncodeLoginError(
        retryable ? said : `${said}: not retryable`,
        retryable,
        status,
        incodeError,
      );
    }
    const parsed = LoginAnswer.safeParse(text === null ? undefined : parseJson(text));
    const token = parsed.success ? parsed.data.token || parsed.data.adminToken : undefined;
    if (!token || !isHeaderSafe(token)) {
      throw new IncodeLoginError(
        `Incode ${LOGIN_CALL} answered ${status} without a usable token: not retryable`,
        false,
        status,
        undefined,
      );
    }
    refused = undefined;
    if (cached) previous = cached.token;
    // Counted from before the request: the token cannot be older than that.
    cached = { token, renewAt: started + ADMIN_TOKEN_RENEW_AFTER_MS };
    options.logger.info(
      { renewAt: new Date(cached.renewAt).toISOString() },
      'Incode admin token obtained',
    );
    return token;
  }

  return {
    renewable: true,
    async get() {
      if (cached && options.clock() < cached.renewAt) return cached.token;
      pending ??= logIn().finally(() => {
        pending = undefined;
      });
      return pending;
    },
    invalidate(token) {
      if (cached?.token === token) {
        previous = token;
        cached = undefined;
      }
    },
    known: () => [cached?.token, previous].filter((token) => token !== undefined),
  };
}
