import { execFile, spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { afterAll, describe, expect, it } from 'vitest';
import { startServiceProcess } from '../helpers/service-process.js';
import { until } from '../helpers/until.js';

// README's "Try it", run as written: the stand-in callback, the service with the section's
// settings, and its curl commands, on ports of the test's own.

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const readme = readFileSync(new URL('../../README.md', import.meta.url), 'utf8');
const start = readme.indexOf('\n## Try it\n');
/** From its heading to the next section's: the commands a reader runs, all of them. */
const section = readme.slice(start, readme.indexOf('\n## ', start + 1));
const blocks = [...section.matchAll(/```sh\n([\s\S]*?)```/g)].map((m) =>
  (m[1] as string).replace(/\\\n\s*/g, ' ').trim(),
);
const dir = mkdtempSync(join(tmpdir(), 'faceauth-try-it-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** VAR=value pairs at the start of a command line. */
const settingsOf = (line: string) =>
  Object.fromEntries([...line.matchAll(/(?:^|\s)([A-Z_]+)=(\S+)/g)].map((m) => [m[1], m[2]]));

describe("README's Try it", () => {
  it('the stand-in gets the legacy body byte for byte and the Workflows event in the legacy shape', async () => {
    expect(blocks).toHaveLength(5);
    const [standInLine, serviceLine, legacyCurl, workflowsCurl] = blocks as [
      string,
      string,
      string,
      string,
    ];
    expect(standInLine).toBe('node scripts/stand-in-callback.mjs 9090');
    const standIn = spawn(process.execPath, ['scripts/stand-in-callback.mjs', '0'], {
      cwd: ROOT,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let printed = '';
    standIn.stdout.on('data', (chunk: Buffer) => {
      printed += chunk.toString();
    });
    try {
      await until('the stand-in to listen', () => /listening on http/.test(printed));
      const standInUrl = /listening on (\S+)/.exec(printed)?.[1] as string;
      const settings = settingsOf(serviceLine);
      expect(settings).toMatchObject({ FORWARD_SOURCE: 'both', PORT: '8080' });
      const shim = await startServiceProcess({
        ...settings,
        CALLBACK_URL: standInUrl,
        DATABASE_URL: `sqlite:${join(dir, 'try-it.db')}`,
        PORT: '0',
      });
      try {
        const curl = (line: string) =>
          promisify(execFile)('bash', ['-c', line.replaceAll('http://127.0.0.1:8080', shim.url)]);
        expect((await curl(legacyCurl)).stdout).toBe('{"success":true}');
        expect((await curl(workflowsCurl)).stdout).toBe('{"success":true}');
        expect((await curl(legacyCurl)).stdout).toBe('{"success":true,"duplicate":true}');
        await until('two deliveries', () => (printed.match(/^POST /gm) ?? []).length === 2);
        const legacyBody = /-d '(.*)'$/.exec(legacyCurl)?.[1] as string;
        expect(printed).toContain(`x-faceauth-source: legacy`);
        expect(printed).toContain(`\n${legacyBody}\n`);
        const workflowsPrinted = printed.split('x-faceauth-source: workflows')[1] ?? '';
        const rendered = JSON.parse(workflowsPrinted.split('\n')[1] ?? '');
        expect(rendered).toMatchObject({
          customerId: '67460a9995516d9a553aa95b',
          interviewId: '60000a22b09a35d2ef5aaa99',
          overallStatus: 'PASS',
          faceMatch: true,
          spoofAttempt: false,
          hasFaceMask: false,
          hasLenses: false,
        });
        expect(rendered).not.toHaveProperty('overallScore');
      } finally {
        shim.child.kill('SIGTERM');
        await shim.exited;
      }
    } finally {
      standIn.kill('SIGTERM');
    }
  }, 30_000);
});
