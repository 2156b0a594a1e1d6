import { describe, expect, it } from 'vitest';
import { loadDatabaseConfig } from '../../src/config/config.js';
import { ConfigError } from '../../src/config/config-error.js';
import {
  maskDatabaseUrl,
  parseDatabaseUrl,
  parsePostgresUrl,
} from '../../src/config/database-url.js';

describe('DATABASE_URL', () => {
  it.each([
    ['sqlite:data/faceauth-shim.db', 'data/faceauth-shim.db'],
    ['sqlite:/var/lib/faceauth-shim/shim.db', '/var/lib/faceauth-shim/shim.db'],
    ['sqlite:///var/lib/faceauth-shim/shim.db', '/var/lib/faceauth-shim/shim.db'],
    ['sqlite:./shim.db', './shim.db'],
  ])('%s names the file %s', (url, path) => {
    expect(parseDatabaseUrl(url)).toEqual({ kind: 'sqlite', path });
  });

  it.each([
    ['sqlite://u2.db', /^sqlite:\/\/u2\.db names a host, not a file: write sqlite:u2\.db/],
    ['sqlite::memory:', /^an in-memory database loses every stored event/],
    ['sqlite:file::memory:', /^an in-memory database/],
    ['sqlite:shim.db?mode=memory', /^an in-memory database/],
    ['sqlite:shim.db?cache=shared', /without \?options/],
    ['sqlite:data/', /names a folder/],
    ['sqlite:', /^expected a file path/],
    ['mysql://localhost/db', /^expected sqlite:<path>/],
    ['postgresql://u@localhost', /expected a database name/],
  ])('%s is refused with the reason', (url, message) => {
    const parsed = parseDatabaseUrl(url);
    expect(parsed).toHaveProperty('error');
    expect((parsed as { error: string }).error).toMatch(message);
  });
});

describe('DATABASE_URL for PostgreSQL', () => {
  it('reads user, password, host, port, database and the options', () => {
    expect(
      parsePostgresUrl(
        'postgresql://shim:s3cr%40t@db.example.com:6432/faceauth?sslmode=verify-full&sslrootcert=/etc/ca.pem&application_name=shim-a&connect_timeout=3',
      ),
    ).toEqual({
      kind: 'postgres',
      host: 'db.example.com',
      port: 6432,
      user: 'shim',
      password: 's3cr@t',
      database: 'faceauth',
      sslmode: 'verify-full',
      sslrootcert: '/etc/ca.pem',
      applicationName: 'shim-a',
      connectTimeoutMs: 3000,
      schema: null,
      display:
        'postgresql://shim:***@db.example.com:6432/faceauth?sslmode=verify-full&sslrootcert=/etc/ca.pem&application_name=shim-a&connect_timeout=3',
    });
  });

  it('defaults as libpq does: port 5432, sslmode prefer, no password', () => {
    expect(parsePostgresUrl('postgres://postgres@127.0.0.1/test')).toMatchObject({
      host: '127.0.0.1',
      port: 5432,
      password: null,
      sslmode: 'prefer',
      sslrootcert: null,
      applicationName: 'faceauth-shim',
      connectTimeoutMs: 10_000,
    });
  });

  it('takes the schema as libpq spells it: options=-c search_path=<schema>', () => {
    expect(
      parsePostgresUrl('postgres://u@h/db?sslmode=disable&options=-c%20search_path%3Dshim_a'),
    ).toMatchObject({ schema: 'shim_a', sslmode: 'disable' });
    expect(parsePostgresUrl('postgres://u@h/db?options=-csearch_path=s1')).toMatchObject({
      schema: 's1',
    });
    expect(parsePostgresUrl('postgres://u@h/db')).toMatchObject({ schema: null });
  });

  it('takes an IPv6 address and a Unix socket folder', () => {
    expect(parsePostgresUrl('postgres://u@[::1]:5433/db')).toMatchObject({
      host: '::1',
      port: 5433,
    });
    expect(parsePostgresUrl('postgres://u@/db?host=/var/run/postgresql')).toMatchObject({
      host: '/var/run/postgresql',
    });
  });

  it.each(['disable', 'prefer', 'require', 'verify-ca', 'verify-full'])(
    'takes sslmode=%s',
    (mode) => {
      expect(parsePostgresUrl(`postgres://u@h/db?sslmode=${mode}`)).toMatchObject({
        sslmode: mode,
      });
    },
  );

  it.each([
    [
      'postgres://u:pw@h/db?sslmode=allow',
      /sslmode allow is not one of disable, prefer, require, verify-ca, verify-full/,
    ],
    ['postgres://u:pw@h/db?sslmode=true', /sslmode true is not one of/],
    ['postgres://u:pw@h1,h2:5433/db', /several hosts are not supported/],
    ['postgres://u:pw@h:99999/db', /not a valid URL|the port must be 1 to 65535/],
    ['postgres://u:pw@h/db?foo=1', /unknown option foo; known: sslmode/],
    ['postgres://u:pw@h/db?sslmode=require&sslmode=disable', /option sslmode is given twice/],
    ['postgres://u:pw@h/db?password=x', /put the password in the URL's user part/],
    ['postgres://:pw@h/db', /expected a user name/],
    ['postgres://u:pw@h/', /expected a database name/],
    ['postgres://u:pw@h/db?connect_timeout=0', /connect_timeout is a whole number of seconds/],
    ['postgres://u:pw@h/db?sslrootcert=/ca.pem', /sslrootcert is read only with sslmode=verify-ca/],
    ['postgres://u:pw@h/db?host=db', /Unix socket folder/],
    ['postgres://u:pw@h/db#x', /fragment/],
    ['postgres://u:pw@h/db?options=-c%20statement_timeout%3D0', /-c search_path=<schema>/],
    ['postgres://u:pw@h/db?options=-c%20search_path%3DA%2Cpublic', /lower-case schema name/],
    ['postgres://u:p%zzw@h/db', /password has a bad percent-encoding|not a valid URL/],
  ])('%s is refused with the reason, password masked', (url, message) => {
    const parsed = parsePostgresUrl(url);
    expect(parsed).toHaveProperty('error');
    const error = (parsed as { error: string }).error;
    expect(error).toMatch(message);
    expect(error).not.toMatch(/pw|zz/);
  });

  it('masks the password in every form it can take', () => {
    expect(maskDatabaseUrl('postgres://u:hunter2@h/db')).toBe('postgres://u:***@h/db');
    expect(maskDatabaseUrl('postgresql://u:a%2Fb@h:1/db?sslmode=require')).toBe(
      'postgresql://u:***@h:1/db?sslmode=require',
    );
    expect(maskDatabaseUrl('postgres://u@h/db?password=hunter2&x=1')).toBe(
      'postgres://u@h/db?password=***&x=1',
    );
    expect(maskDatabaseUrl('postgres://u@h/db')).toBe('postgres://u@h/db');
  });

  it('a refused URL is one line naming DATABASE_URL, without the password', () => {
    let thrown: unknown;
    try {
      loadDatabaseConfig({ DATABASE_URL: 'postgres://shim:hunter2@db:5432/x?sslmode=maybe' });
    } catch (error) {
      thrown = error;
    }
    expect(thrown).toBeInstanceOf(ConfigError);
    const message = (thrown as Error).message;
    expect(message).toBe(
      'invalid configuration: DATABASE_URL: postgres://shim:***@db:5432/x?sslmode=maybe: sslmode maybe is not one of disable, prefer, require, verify-ca, verify-full',
    );
  });
});

describe('DATABASE_URL for PostgreSQL without a host', () => {
  it('needs ?host= for a socket, else says a host is expected', () => {
    expect(parsePostgresUrl('postgres://u:pw@:5433/db?host=/tmp')).toMatchObject({
      host: '/tmp',
      port: 5433,
      password: 'pw',
    });
    expect(parsePostgresUrl('postgres:///db')).toEqual({
      error: 'postgres:///db: expected a host, as in postgres://user@db.example.com:5432/faceauth',
    });
  });
});
