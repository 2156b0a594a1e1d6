import { describe, expect, it } from 'vitest';
import { parseDatabaseUrl } from '../../src/config/database-url.js';

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
    ['postgres://localhost/db', /PostgreSQL/],
  ])('%s is refused with the reason', (url, message) => {
    const parsed = parseDatabaseUrl(url);
    expect(parsed).toHaveProperty('error');
    expect((parsed as { error: string }).error).toMatch(message);
  });
});
