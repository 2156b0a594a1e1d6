import * as oauth from 'oauth4webapi';
import { codeOf } from '../util/errors.js';

// Why the token endpoint gave no token, in one short line for the attempt's error (stored with
// the event, shown by `faceauth-shim event`, logged). An OAuth error answer
// ({"error":"invalid_client","error_description":"..."}, RFC 6749 §5.2) is named by its code.
// The line never holds the client secret, even if a token endpoint quoted it back.

/** RFC 6749 §5.2: error and error_description are printable ASCII without " and \. */
const OAUTH_TEXT = /[^\x20\x21\x23-\x5b\x5d-\x7e]/g;
const MAX_CODE = 64;
const MAX_DESCRIPTION = 200;

function clean(text: unknown, max: number, secret: string): string | undefined {
  if (typeof text !== 'string') return undefined;
  let line = text.replace(OAUTH_TEXT, ' ').trim();
  if (secret !== '') line = line.split(secret).join('***');
  if (line === '') return undefined;
  return line.length > max ? `${line.slice(0, max)}…` : line;
}

/** `invalid_client (client authentication failed)`, or the code alone. */
function oauthError(error: unknown, description: unknown, secret: string): string | undefined {
  const code = clean(error, MAX_CODE, secret);
  if (code === undefined) return undefined;
  const said = clean(description, MAX_DESCRIPTION, secret);
  return said === undefined ? code : `${code} (${said})`;
}

export async function describeTokenFailure(error: unknown, secret: string): Promise<string> {
  // cappedFetch's own failures (unreachable, timeout, too long) are already one line.
  if (codeOf(error) === 'callback_token_failed') return (error as Error).message;
  if (error instanceof oauth.ResponseBodyError) {
    const named = oauthError(error.error, error.error_description, secret);
    return `token endpoint answered ${error.status}${named ? ` ${named}` : ''}`;
  }
  if (error instanceof oauth.WWWAuthenticateChallengeError) {
    // A 401 with a challenge (RFC 6750 §3, RFC 6749 §5.2 for Basic): the error code may sit in
    // the challenge's parameters.
    const challenge = error.cause.find((c) => c.parameters.error !== undefined) ?? error.cause[0];
    const named = oauthError(
      challenge?.parameters.error,
      challenge?.parameters.error_description,
      secret,
    );
    return `token endpoint answered ${error.status} ${named ?? `with a ${challenge?.scheme ?? 'WWW-Authenticate'} challenge`}`;
  }
  if (error instanceof oauth.UnsupportedOperationError) {
    return 'token endpoint answered a token_type other than Bearer';
  }
  if (error instanceof oauth.OperationProcessingError) {
    const response = error.cause instanceof Response ? error.cause : undefined;
    if (response && response.status !== 200) {
      // oauth4webapi parses error bodies of 4xx answers only; a 5xx may carry one too.
      const body = (await response
        .clone()
        .json()
        .catch(() => undefined)) as { error?: unknown; error_description?: unknown } | undefined;
      const named = oauthError(body?.error, body?.error_description, secret);
      return `token endpoint answered ${response.status}${named ? ` ${named}` : ''}`;
    }
    if (error.code === oauth.RESPONSE_IS_NOT_JSON || error.code === oauth.PARSE_ERROR) {
      return 'token endpoint answered no JSON';
    }
    if (error.code === oauth.INVALID_RESPONSE) {
      // e.g. '"response" body "access_token" property must be a non-empty string'
      const what = /"response" body "([a-z_]+)" property/.exec(error.message)?.[1];
      return what
        ? `token endpoint answered no valid ${what}`
        : 'token endpoint answered no valid token';
    }
    return `token endpoint: ${error.code ?? error.name}`;
  }
  const code = (error as { code?: unknown } | null)?.code;
  return `token endpoint: ${typeof code === 'string' ? code : error instanceof Error ? error.name : 'unknown error'}`;
}
