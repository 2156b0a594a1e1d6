/** Where the events are kept: DATABASE_URL, parsed. */
export type DatabaseConfig = { kind: 'sqlite'; path: string };

export const DEFAULT_DATABASE_URL = 'sqlite:data/faceauth-shim.db';

/**
 * DATABASE_URL as a store to open, or why it cannot be one. `sqlite:<path>` names a file,
 * relative to the working folder or absolute (`sqlite:/var/lib/x.db`, or `sqlite:///var/lib/x.db`
 * in URL style). Refused, each with the reason: a URL with a host (`sqlite://x.db` would
 * otherwise name `/x.db` at the filesystem root), an in-memory database (it loses every event at
 * a stop), a folder, options after `?`, and any other scheme.
 */
export function parseDatabaseUrl(url: string): DatabaseConfig | { error: string } {
  if (/^postgres(ql)?:\/\//i.test(url)) {
    return { error: 'PostgreSQL is not supported by this version yet; use sqlite:<path>' };
  }
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
