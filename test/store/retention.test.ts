import { describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/config/config.js';

// The store's behaviour under RETENTION is in the conformance suite (conformance/retention.ts).

const DAY = 86_400_000;

describe('RETENTION setting', () => {
  const BASE = { CALLBACK_URL: 'http://127.0.0.1:9/cb', INBOUND_AUTH: 'none' };

  it('defaults to 30 days, and "off" keeps everything', () => {
    expect(loadConfig(BASE).retentionMs).toBe(30 * DAY);
    expect(loadConfig({ ...BASE, RETENTION: 'off' }).retentionMs).toBeUndefined();
  });

  it('must not be shorter than DEDUP_WINDOW, COMPARE_WINDOW, or twice SHADOW_FALLBACK_AFTER', () => {
    expect(() => loadConfig({ ...BASE, RETENTION: '30m' })).toThrow(
      'RETENTION: must be at least DEDUP_WINDOW',
    );
    expect(() => loadConfig({ ...BASE, RETENTION: '2h', COMPARE_WINDOW: '3h' })).toThrow(
      'RETENTION: must be at least COMPARE_WINDOW',
    );
    expect(() => loadConfig({ ...BASE, RETENTION: '3h', SHADOW_FALLBACK_AFTER: '2h' })).toThrow(
      'RETENTION: must be at least twice SHADOW_FALLBACK_AFTER',
    );
  });
});
