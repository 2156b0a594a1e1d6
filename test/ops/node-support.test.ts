import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { SUPPORTED_NODE, unsupportedNode } from '../../src/ops/node-support.js';

const read = (path: string) => readFileSync(new URL(`../../${path}`, import.meta.url), 'utf8');

describe('the supported Node.js lines', () => {
  it.each(['v22.19.0', 'v22.23.5', 'v24.0.0', 'v24.22.3', 'v26.12.1', 'v27.0.0'])(
    '%s runs the service',
    (version) => {
      expect(unsupportedNode(version)).toBeNull();
    },
  );

  it.each(['v18.20.0', 'v20.20.2', 'v22.18.0', 'v23.11.0', 'v25.9.0'])(
    '%s is refused with a line that says what to use',
    (version) => {
      expect(unsupportedNode(version)).toBe(
        `Node.js ${version} is not supported; use Node.js 22.19 or newer on the 22 line, 24 (recommended) or 26 (${SUPPORTED_NODE})`,
      );
    },
  );

  it('the Node running this suite is supported', () => {
    expect(unsupportedNode(process.version)).toBeNull();
  });

  it('package.json declares no engines: npx checks them (an error under engine-strict) before the CLI speaks', () => {
    const pkg = JSON.parse(read('package.json')) as { engines?: unknown };
    expect(pkg.engines).toBeUndefined();
    // npm ci still stops on Node 20 (.npmrc sets engine-strict): the SQLite driver and the HTTP
    // client ask for Node 22 themselves.
    expect(read('.npmrc')).toMatch(/^engine-strict=true$/m);
    const lock = JSON.parse(read('package-lock.json')) as {
      packages: Record<string, { engines?: { node?: string } }>;
    };
    expect(lock.packages['node_modules/better-sqlite3']?.engines?.node).toMatch(/^>=2[2-9]/);
    expect(lock.packages['node_modules/undici']?.engines?.node).toMatch(/^>=22\.19/);
  });

  it('.nvmrc, scripts/node.sh and .ci/run name the same lines', () => {
    const pinned = Object.fromEntries(
      [...read('scripts/node.sh').matchAll(/\[(\d+)\]=(\d+\.\d+\.\d+)/g)].map((m) => [m[1], m[2]]),
    );
    expect(Object.keys(pinned).sort()).toEqual(['22', '24', '26']);
    expect(read('.nvmrc').trim()).toBe(pinned['24']);
    expect(read('.ci/run')).toMatch(/for line in 24 22 26; do/);
  });
});
