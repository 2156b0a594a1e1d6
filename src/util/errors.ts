/**
 * The stable codes of the errors faceauth-shim throws, each with what it means. Code branches on
 * them (exit codes, HTTP answers, /readyz, retries), never on a message or a class: a message
 * may be reworded, a code is kept.
 */
export const ERROR_CODES = {
  invalid_configuration: 'a setting is missing or invalid (ConfigError): exit 2',
  invalid_mappings: 'a table in mappings/ is missing, unreadable or wrong (MappingsError): exit 2',
  store_cannot_open:
    'DATABASE_URL names something that cannot be a store, or a database that refuses this service (StoreOpenError): exit 2',
  store_unavailable:
    'the store cannot work now: disk full, locked, the database away (StoreUnavailableError): a webhook gets 503, /readyz is not ready',
  forward_source_refused:
    'a FORWARD_SOURCE value or change the cut-over refuses (ForwardSourceError): the admin API answers 422 or 409, the CLI exits 2',
  usage: 'wrong command-line words (UsageError): exit 2, with the usage',
  callback_token_failed:
    'the callback token endpoint gave no token (CallbackTokenError): the delivery attempt fails',
  incode_login_failed:
    "Incode's POST /executive/log-in gave no token (IncodeLoginError): the score call fails",
  client_closed:
    'the client closed the connection before its body arrived (ClientClosedError): nobody to answer',
} as const;

/** The codes of the HTTP edge (HttpError): the code of the JSON error body, with its status. */
export const HTTP_ERROR_CODES = {
  bad_request: 'HTTP 400: a request Node could not read',
  invalid_json: 'HTTP 400: the body does not parse',
  invalid_query: 'HTTP 400: a bad admin query',
  unauthorized: 'HTTP 401: missing or wrong credentials',
  not_found: 'HTTP 404: no such route, or no such event',
  request_timeout: 'HTTP 408: the request did not arrive within REQUEST_TIMEOUT',
  conflict: 'HTTP 409: the change does not fit the stored state',
  payload_too_large: 'HTTP 413: the body is over MAX_BODY_BYTES',
  unsupported_media_type: 'HTTP 415: not application/json',
  invalid_payload: 'HTTP 422: the body parses but does not fit its schema',
  headers_too_large: 'HTTP 431: the headers are too large',
  internal_error: 'HTTP 500: a bug of ours',
  unavailable: 'HTTP 503: the store cannot write now',
  busy: 'HTTP 503: MAX_BODIES_IN_FLIGHT bodies are being read',
} as const;

export type HttpErrorCode = keyof typeof HTTP_ERROR_CODES;
export type ErrorCode = keyof typeof ERROR_CODES | HttpErrorCode;

/**
 * The base of every error faceauth-shim throws on purpose, as ky's KyError and undici's
 * UndiciError are of theirs: a fixed `name` and a stable `code` per subclass (the HTTP edge's
 * HttpError carries the code of its answer), the original error in `cause`.
 */
export abstract class FaceauthError extends Error {
  abstract override readonly name: string;
  abstract readonly code: ErrorCode;
}

/** The stable code of an error of ours; undefined for anything else (a bug, or a library's error). */
export function codeOf(error: unknown): ErrorCode | undefined {
  return error instanceof FaceauthError ? error.code : undefined;
}
