import {
  type DatabaseConfig,
  type PostgresConfig,
  SSL_MODES,
  type SslMode,
} from '../store/database-config.js';

export const DEFAULT_DATABASE_URL = 'sqlite:data/faceauth-shim.db';

/**
 * DATABASE_URL as a store to open, or why it cannot be one. `sqlite:<path>` names a file,
 * relative to the working folder or absolute (`sqlite:/var/lib/x.db`, or `sqlite:///var/lib/x.db`
 * in URL style). Refused, each with the reason: a URL with a host (`sqlite://x.db` would
 * otherwise name `/x.db` at the filesystem root), an in-memory database (it loses every event at
 * a stop), a folder, options after `?`, and any other scheme.
 */
export function parseDatabaseUrl(url: string): DatabaseConfig | { error: string } {
  if (/^postgres(ql)?:\/\//i.test(url)) return parsePostgresUrl(url);
  if (!url.startsWith('sqlite:')) {
    return { error: `expected sqlite:<path>, such as ${DEFAULT_DATABASE_URL}` };
  }
  let path = url.slice('sqlite:'.length);
  if (path.startsWith('///')) path = path.slice(2);
  else if (path.startsWith('//')) {
    const rest = path.slice(2);
    return {
      error: `${url} names a host, not a file: write sqlite:${rest} (relative to the working folder) or sqlite:///<absolute path>`,
    };
  }
  if (path === '') return { error: 'expected a file path after sqlite:' };
  if (/^(file:)?:memory:$/i.test(path) || /[?&]mode=memory\b/i.test(path)) {
    return {
      error:
        'an in-memory database loses every stored event when the service stops; give a file path, such as sqlite:data/faceauth-shim.db',
    };
  }
  if (path.includes('?')) return { error: 'sqlite:<path> takes a file path, without ?options' };
  if (path.endsWith('/')) return { error: `${path} names a folder; give a file path in it` };
  return { kind: 'sqlite', path };
}

const POSTGRES_PARAMS = [
  'sslmode',
  'sslrootcert',
  'application_name',
  'connect_timeout',
  'host',
  'options',
];
export const DEFAULT_APPLICATION_NAME = 'faceauth-shim';
const DEFAULT_CONNECT_TIMEOUT_S = 10;

/** The URL as it may be shown: the password, wherever it is, replaced by ***. */
export function maskDatabaseUrl(url: string): string {
  const masked = url.replace(/^([a-z][a-z0-9+.-]*:\/\/[^:@/?#]*:)[^@/?#]*@/i, '$1***@');
  return masked.replace(/([?&]password=)[^&#]*/gi, '$1***');
}

/**
 * A `postgres://` or `postgresql://` URL (libpq's URI form) as the config the driver opens, or
 * why it cannot be one. Each error shows the URL masked, never the password.
 */
export function parsePostgresUrl(raw: string): PostgresConfig | { error: string } {
  const display = maskDatabaseUrl(raw);
  const fail = (why: string) => ({ error: `${display}: ${why}` });
  const authority = /^postgres(?:ql)?:\/\/([^/?#]*)/i.exec(raw)?.[1] ?? '';
  const hostPart = authority.slice(authority.lastIndexOf('@') + 1);
  if (hostPart.includes(',')) {
    return fail(
      "several hosts are not supported: name one, the primary (a managed database's writer endpoint, or a pooler in front of it)",
    );
  }
  // libpq allows no host at all (a Unix socket named by ?host=); the URL parser does not.
  const noHost = hostPart === '' || hostPart.startsWith(':');
  let url: URL;
  try {
    const scheme = raw.slice(0, raw.indexOf('//') + 2);
    const userPart = authority.slice(0, authority.length - hostPart.length);
    const rest = raw.slice(scheme.length + authority.length);
    url = new URL(noHost ? `${scheme}${userPart}localhost${hostPart}${rest}` : raw);
  } catch {
    return fail('not a valid URL (a password with @ : / ? # or % must be percent-encoded)');
  }
  if (url.hash) return fail('a URL fragment (#...) has no meaning here');
  const params = url.searchParams;
  if (params.has('password')) {
    return fail("put the password in the URL's user part (postgres://user:password@host/db)");
  }
  for (const key of new Set(params.keys())) {
    if (!POSTGRES_PARAMS.includes(key)) {
      return fail(`unknown option ${key}; known: ${POSTGRES_PARAMS.join(', ')}`);
    }
    if (params.getAll(key).length > 1) return fail(`option ${key} is given twice`);
  }
  const decode = (text: string, what: string): string | { error: string } => {
    try {
      return decodeURIComponent(text);
    } catch {
      return fail(`the ${what} has a bad percent-encoding`);
    }
  };
  const user = decode(url.username, 'user name');
  if (typeof user !== 'string') return user;
  const password = url.password === '' ? null : decode(url.password, 'password');
  if (password !== null && typeof password !== 'string') return password;
  const path = decode(url.pathname.replace(/^\//, ''), 'database name');
  if (typeof path !== 'string') return path;

  const socket = params.get('host');
  if (socket !== null && !socket.startsWith('/')) {
    return fail(
      'the host option names a Unix socket folder (starting with /); put a host name after //',
    );
  }
  const host = socket ?? (noHost ? '' : url.hostname).replace(/^\[(.*)\]$/, '$1');
  if (host === '')
    return fail('expected a host, as in postgres://user@db.example.com:5432/faceauth');
  const port = url.port === '' ? 5432 : Number(url.port);
  if (!Number.isInteger(port) || port < 1 || port > 65535)
    return fail('the port must be 1 to 65535');
  if (user === '') return fail('expected a user name, as in postgres://faceauth@host/faceauth');
  if (path === '')
    return fail(
      'expected a database name after the host, as in postgres://user@host:5432/faceauth',
    );
  if (path.includes('/')) return fail(`the database name cannot hold a / (${path})`);

  const sslmode = params.get('sslmode') ?? 'prefer';
  if (!(SSL_MODES as readonly string[]).includes(sslmode)) {
    return fail(`sslmode ${sslmode} is not one of ${SSL_MODES.join(', ')}`);
  }
  const sslrootcert = params.get('sslrootcert');
  if (sslrootcert !== null && sslmode !== 'verify-ca' && sslmode !== 'verify-full') {
    return fail('sslrootcert is read only with sslmode=verify-ca or verify-full');
  }
  const timeout = params.get('connect_timeout') ?? String(DEFAULT_CONNECT_TIMEOUT_S);
  if (!/^\d+$/.test(timeout) || Number(timeout) < 1 || Number(timeout) > 3600) {
    return fail('connect_timeout is a whole number of seconds, 1 to 3600');
  }
  const applicationName = params.get('application_name') ?? DEFAULT_APPLICATION_NAME;
  if (!/^[\x20-\x7e]{1,63}$/.test(applicationName)) {
    return fail('application_name is 1 to 63 printable ASCII characters');
  }
  const options = params.get('options');
  let schema: string | null = null;
  if (options !== null) {
    // libpq passes options to the server as command-line settings; the one this service needs
    // is the schema. An unquoted name, as search_path folds it: lower case.
    const match = /^\s*-c\s*search_path\s*=\s*([a-z_][a-z0-9_]{0,62})\s*$/.exec(options);
    if (!match?.[1]) {
      return fail(
        'options takes one setting, -c search_path=<schema> (a lower-case schema name of letters, digits and _)',
      );
    }
    schema = match[1];
  }
  return {
    kind: 'postgres',
    host,
    port,
    user,
    password,
    database: path,
    sslmode: sslmode as SslMode,
    sslrootcert,
    applicationName,
    connectTimeoutMs: Number(timeout) * 1000,
    schema,
    display,
  };
}
