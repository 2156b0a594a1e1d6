import { Writable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { createLogger, MAX_LOGGED_STRING } from '../../src/ops/logger.js';

function capture() {
  const lines: string[] = [];
  const destination = new Writable({
    write(chunk, _encoding, done) {
      lines.push(...chunk.toString().split('\n').filter(Boolean));
      done();
    },
  });
  return { logger: createLogger({ level: 'info', destination }), lines };
}

describe('the logger caps every string it writes', () => {
  it(`cuts strings to ${MAX_LOGGED_STRING} characters at the top, nested, in arrays and in error messages`, () => {
    const { logger, lines } = capture();
    const long = 'L'.repeat(200_000);
    logger.warn(
      { reason: long, nested: { deeper: { text: long } }, list: [long], err: new Error(long) },
      'webhook: rejected',
    );
    expect(lines).toHaveLength(1);
    const line = lines[0] ?? '';
    expect(line.length).toBeLessThan(4 * MAX_LOGGED_STRING + 2_000);
    const parsed = JSON.parse(line);
    const cut = `${'L'.repeat(MAX_LOGGED_STRING)}…[${200_000 - MAX_LOGGED_STRING} more]`;
    expect(parsed.reason).toBe(cut);
    expect(parsed.nested.deeper.text).toBe(cut);
    expect(parsed.list).toEqual([cut]);
    expect(parsed.err.message).toBe(cut);
    expect(parsed.err.type).toBe('Error');
  });

  it('leaves short strings, numbers and the message as they are', () => {
    const { logger, lines } = capture();
    logger.info(
      { route: '/webhooks/legacy/authentication', status: 200, ok: true },
      'webhook: accepted',
    );
    expect(JSON.parse(lines[0] ?? '')).toMatchObject({
      route: '/webhooks/legacy/authentication',
      status: 200,
      ok: true,
      msg: 'webhook: accepted',
    });
  });
});
