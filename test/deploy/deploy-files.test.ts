import { existsSync, readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/config/config.js';
import { ConfigError } from '../../src/config/config-error.js';
import { VARIABLES } from '../../src/config/variables.js';

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

  it('starts the documented command, on the official Node slim image of .nvmrc, as a non-root user', () => {
    expect(START).toBe(`node ${MEMORY_FLAGS} dist/cli.js serve`);
    const cmd = instructions.filter((l) => l.startsWith('CMD ')).pop();
    expect(JSON.parse((cmd as string).slice(4)).join(' ')).toBe(START);
    const froms = instructions.filter((l) => l.startsWith('FROM '));
    expect(froms).toHaveLength(2);
    expect(instructions.filter((l) => l.startsWith('USER ')).pop()).toBe('USER node');
  });

  it('pins both stages to the exact Node release of .nvmrc (no floating tag)', () => {
    const nvmrc = read('.nvmrc').trim();
    expect(nvmrc).toMatch(/^\d+\.\d+\.\d+$/);
    const images = instructions.filter((l) => l.startsWith('FROM ')).map((l) => l.split(/\s+/)[1]);
    expect(images).toEqual([`node:${nvmrc}-slim`, `node:${nvmrc}-slim`]);
  });

  it('installs the dependencies before it copies src/, so a source change reuses their layer', () => {
    const index = (pattern: RegExp) => instructions.findIndex((l) => pattern.test(l));
    const lock = index(/^COPY package\.json package-lock\.json/);
    const install = index(/^RUN npm ci\b/);
    const source = index(/^COPY src /);
    const build = index(/^RUN npm run build$/);
    expect(lock).toBeGreaterThanOrEqual(0);
    expect([lock < install, install < source, source < build]).toEqual([true, true, true]);
    // Nothing of the source is in the build stage before the install.
    for (const line of instructions.slice(0, install)) expect(line).not.toMatch(/\bsrc\b/);
  });

  it('keeps settings files (*.env, .env*) out of the build context', () => {
    const ignored = read('.dockerignore').split('\n');
    for (const pattern of ['*.env', '.env*', '**/*.env', '**/.env*']) {
      expect(ignored).toContain(pattern);
    }
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

/** The VAR=value lines of an env file, set or commented out (`# VAR=value`). */
function assignments(text: string, commented: boolean): [string, string][] {
  const pattern = commented ? /^# ?([A-Z][A-Z0-9_]*)=(.*)$/ : /^([A-Z][A-Z0-9_]*)=(.*)$/;
  return text
    .split('\n')
    .map((line) => pattern.exec(line))
    .filter((m): m is RegExpExecArray => m !== null)
    .map((m) => [m[1] as string, m[2] as string]);
}

describe('the example settings file, deploy/faceauth-shim.env.example', () => {
  const EXAMPLE = 'deploy/faceauth-shim.env.example';
  const example = read(EXAMPLE);
  /** What an operator writes over CHANGE-ME: a long random value (a whsec_ key for signing). */
  const replaced = (value: string) =>
    value
      .replace('whsec_CHANGE-ME', `whsec_${Buffer.alloc(32, 7).toString('base64')}`)
      .replaceAll('CHANGE-ME', 'a-long-random-value-0123456789');
  /** The image's and the unit's own settings, which the file leaves to them. */
  const fromImage = { DATABASE_URL: 'sqlite:/data/faceauth-shim.db', PORT: '8080' };

  it('ships, and as shipped is refused, naming each placeholder secret (exit 2 at start)', () => {
    const env = { ...fromImage, ...Object.fromEntries(assignments(example, false)) };
    let message = '';
    try {
      loadConfig(env);
    } catch (error) {
      expect(error).toBeInstanceOf(ConfigError);
      message = (error as Error).message;
    }
    expect(message).toContain('INBOUND_HEADER_VALUE: ');
    expect(message).toContain('ADMIN_TOKEN: ');
  });

  it('with its placeholders replaced, it is a configuration the service accepts', () => {
    const env = Object.fromEntries(assignments(example, false).map(([k, v]) => [k, replaced(v)]));
    const config = loadConfig({ ...fromImage, ...env });
    expect(config.callbackUrl).toBe(env.CALLBACK_URL);
    expect(config.inboundHeader?.name).toBe(env.INBOUND_HEADER_NAME?.toLowerCase());
  });

  it('every setting it shows, commented ones too, is one the service reads, and a valid value', () => {
    const all = [...assignments(example, false), ...assignments(example, true)];
    expect(all.length).toBeGreaterThan(15);
    // The variables the configuration's schema reads (src/config/variables.ts).
    const known = new Set(Object.keys(VARIABLES));
    for (const [name] of all) expect(known, name).toContain(name);
    // All of them at once, as an operator who sets every one would have them.
    const env = Object.fromEntries(all.map(([k, v]) => [k, replaced(v)]));
    expect(() => loadConfig({ ...fromImage, ...env })).not.toThrow();
  });

  it('the Docker example and the unit name it, or a copy the operator makes of it', () => {
    const dockerfile = read('Dockerfile');
    const envFile = /--env-file (\S+)/.exec(dockerfile)?.[1] as string;
    expect(envFile).toBe('faceauth-shim.env');
    expect(dockerfile).toContain(`cp ${EXAMPLE} ${envFile}`);
    const unit = read('deploy/faceauth-shim.service');
    const environmentFile = /^EnvironmentFile=(.+)$/m.exec(unit)?.[1] as string;
    expect(environmentFile).toBe('/etc/faceauth-shim.env');
    expect(unit).toContain(`install -m 0600 ${EXAMPLE} ${environmentFile}`);
    expect(example).toContain(`install -m 0600 ${EXAMPLE} ${environmentFile}`);
    expect(example).toContain(`--env-file ${envFile}`);
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
