import { existsSync, readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';

// The container image and the systemd unit cannot be built or started on these machines (no
// image registry, no systemd): what can be checked is that they start the service the way
// docs/operations.md documents, and copy files that exist.

const ROOT = new URL('../../', import.meta.url);
const read = (path: string) => readFileSync(new URL(path, ROOT), 'utf8');
const pkg = JSON.parse(read('package.json')) as {
  scripts: Record<string, string>;
  bin: Record<string, string>;
};
/** `npm start`, the documented start: `node <memory flags> dist/cli.js serve`. */
const START = pkg.scripts.start as string;
/** docs/operations.md, "Memory": a small young generation, and an old one that grows by half its live size. */
const MEMORY_FLAGS = '--max-semi-space-size=2 --heap-growing-percent=50';

describe('the Dockerfile', () => {
  const dockerfile = read('Dockerfile');
  const instructions = dockerfile
    .replace(/\\\n\s*/g, ' ')
    .split('\n')
    .filter((line) => /^[A-Z]+ /.test(line));

  it('starts the documented command, on the official Node 24 slim image, as a non-root user', () => {
    expect(START).toBe(`node ${MEMORY_FLAGS} dist/cli.js serve`);
    const cmd = instructions.filter((l) => l.startsWith('CMD ')).pop();
    expect(JSON.parse((cmd as string).slice(4)).join(' ')).toBe(START);
    const froms = instructions.filter((l) => l.startsWith('FROM '));
    for (const from of froms) expect(from).toMatch(/^FROM node:24-slim\b/);
    expect(instructions.filter((l) => l.startsWith('USER ')).pop()).toBe('USER node');
  });

  it('keeps the SQLite folder on a volume and checks /readyz', () => {
    const volume = instructions.find((l) => l.startsWith('VOLUME '));
    expect(volume).toBe('VOLUME ["/data"]');
    expect(dockerfile).toContain('DATABASE_URL=sqlite:/data/faceauth-shim.db');
    expect(instructions.find((l) => l.startsWith('HEALTHCHECK '))).toContain('/readyz');
  });

  it('copies only files that exist', () => {
    const copies = instructions.filter((l) => l.startsWith('COPY ') && !l.includes('--from='));
    expect(copies.length).toBeGreaterThan(0);
    for (const copy of copies) {
      const sources = copy.split(/\s+/).slice(1, -1);
      for (const source of sources) expect(existsSync(new URL(source, ROOT)), source).toBe(true);
    }
  });
});

describe('the systemd unit', () => {
  const unit = read('deploy/faceauth-shim.service');
  it('starts the documented command from the install folder, and does not restart on a configuration error', () => {
    const exec = /^ExecStart=(.+)$/m.exec(unit)?.[1];
    expect(exec).toBe(`/usr/bin/${START}`);
    expect(unit).toMatch(/^WorkingDirectory=\/opt\/faceauth-shim$/m);
    expect(unit).toMatch(/^KillSignal=SIGTERM$/m);
    expect(unit).toMatch(/^RestartPreventExitStatus=2$/m);
    expect(unit).toMatch(/^Environment=DATABASE_URL=sqlite:\/var\/lib\/faceauth-shim\//m);
  });
});

describe('npx faceauth-shim after npm ci', () => {
  it('the bin is the built CLI, and npm ci builds it (prepare), with the build configuration', () => {
    expect(pkg.bin).toEqual({ 'faceauth-shim': 'dist/cli.js' });
    expect(pkg.scripts.prepare).toBe('node scripts/prepare.mjs');
    expect(read('scripts/prepare.mjs')).toContain("'tsconfig.build.json'");
    expect(pkg.scripts.prestart).toBeUndefined();
  });
});

describe('the operations guide documents both', () => {
  it('names the Dockerfile, the unit and the production install commands', () => {
    const operations = read('docs/operations.md');
    expect(operations).toContain('docker build -t faceauth-shim .');
    expect(operations).toContain('deploy/faceauth-shim.service');
    expect(operations).toContain('npm ci --omit=dev');
    expect(operations).toContain(MEMORY_FLAGS);
  });
});
