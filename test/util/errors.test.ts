import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { UsageError } from '../../src/cli/commands.js';
import { exitCodeOf, explainFailure } from '../../src/cli/explain-failure.js';
import { ConfigError } from '../../src/config/config-error.js';
import { ForwardSourceError } from '../../src/cutover/source-value.js';
import { CallbackTokenError } from '../../src/delivery/callback-token.js';
import { AcceptTimeoutError } from '../../src/http/accept-deadline.js';
import { HttpError } from '../../src/http/http-error.js';
import { ClientClosedError } from '../../src/http/read-body.js';
import { IncodeLoginError } from '../../src/incode/admin-token.js';
import { MappingsError } from '../../src/normalize/mappings-error.js';
import { StoreOpenError, StoreUnavailableError } from '../../src/store/errors.js';
import { PostgresConfigError, PostgresUnavailableError } from '../../src/store/postgres/errors.js';
import { codeOf, ERROR_CODES, FaceauthError, HTTP_ERROR_CODES } from '../../src/util/errors.js';
import { ROOT } from '../helpers/markdown.js';

// Every error faceauth-shim throws on purpose has one base and a stable code, and the exit code
// of a failure is chosen by that code: 2 for what the operator fixes in the settings, 1 otherwise.

const ERRORS: [FaceauthError, string, 1 | 2][] = [
  [new ConfigError('CALLBACK_URL: required'), 'invalid_configuration', 2],
  [new MappingsError('mappings: x.yaml: wrong'), 'invalid_mappings', 2],
  [new StoreOpenError('data is a folder'), 'store_cannot_open', 2],
  [
    new PostgresConfigError('postgres://u:***@h/db: password authentication failed'),
    'store_cannot_open',
    2,
  ],
  [new ForwardSourceError('workflows:101% is not a share'), 'forward_source_refused', 2],
  [new UsageError('replay needs more words'), 'usage', 2],
  [new StoreUnavailableError('store: database is locked'), 'store_unavailable', 1],
  [
    new PostgresUnavailableError('store: PostgreSQL is away', 'unavailable'),
    'store_unavailable',
    1,
  ],
  [new AcceptTimeoutError('store: not stored within 5000 ms'), 'store_unavailable', 1],
  [new CallbackTokenError('the token endpoint answered 500'), 'callback_token_failed', 1],
  [new IncodeLoginError('refused', false, 401, undefined), 'incode_login_failed', 1],
  [new ClientClosedError(), 'client_closed', 1],
  [new HttpError(404, 'not_found', 'no such event'), 'not_found', 1],
];

describe('the errors of faceauth-shim', () => {
  it.each(ERRORS)('%s has its code and exit code', (error, code, exit) => {
    expect(error).toBeInstanceOf(FaceauthError);
    expect(codeOf(error)).toBe(code);
    expect(code in ERROR_CODES || code in HTTP_ERROR_CODES).toBe(true);
    expect(exitCodeOf(error)).toBe(exit);
    expect(error.name).toBe(error.constructor.name);
  });

  it('an error not of ours has no code and exits 1, with its stack', () => {
    const bug = new TypeError('undefined is not a function');
    expect(codeOf(bug)).toBeUndefined();
    expect(exitCodeOf(bug)).toBe(1);
    expect(explainFailure(bug)).toEqual({ line: bug.stack, code: 1 });
  });

  it('a store that cannot open names DATABASE_URL; the others say their message', () => {
    expect(explainFailure(new StoreOpenError('data/x.db is a folder'))).toEqual({
      line: 'invalid configuration: DATABASE_URL: data/x.db is a folder',
      code: 2,
    });
    expect(explainFailure(new ConfigError('invalid configuration: PORT: too big'))).toEqual({
      line: 'invalid configuration: PORT: too big',
      code: 2,
    });
    expect(explainFailure(new StoreUnavailableError('store: disk full'))).toEqual({
      line: 'store: disk full',
      code: 1,
    });
  });

  it('every error class in src/ extends the one base', () => {
    const sources = readdirSync(join(ROOT, 'src'), { recursive: true, encoding: 'utf8' })
      .filter((name) => name.endsWith('.ts'))
      .map((name) => ({ name, text: readFileSync(join(ROOT, 'src', name), 'utf8') }));
    const classes = sources.flatMap(({ name, text }) =>
      [...text.matchAll(/class (\w+) extends (\w+)/g)].map(
        (m) => `${name}: ${m[1]} extends ${m[2]}`,
      ),
    );
    // The classes that extend a built-in error directly, rather than FaceauthError or one of its subclasses.
    const builtIn = classes.filter((c) => /extends (Error|TypeError|RangeError)$/.test(c));
    expect(builtIn).toEqual(['util/errors.ts: FaceauthError extends Error']);
    expect(classes.filter((c) => /Error extends/.test(c)).length).toBeGreaterThanOrEqual(
      ERRORS.length,
    );
  });
});
