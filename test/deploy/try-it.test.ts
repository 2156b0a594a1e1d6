import { execFile, spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { afterAll, describe, expect, it } from 'vitest';
import { cliInProcess } from '../helpers/cli-in-process.js';
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
  it('the stand-in gets one body per login: the legacy body byte for byte, a Workflows-only login in the legacy shape', async () => {
    expect(blocks).toHaveLength(6);
    const [standInLine, serviceLine, legacyCurl, sameLoginCurl, newAppCurl] = blocks as [
      string,
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
    const posts = () => (printed.match(/^POST /gm) ?? []).length;
    try {
      await until('the stand-in to listen', () => /listening on http/.test(printed));
      const standInUrl = /listening on (\S+)/.exec(printed)?.[1] as string;
      const settings = settingsOf(serviceLine);
      expect(settings).toMatchObject({ FORWARD_SOURCE: 'both', PORT: '8080' });
      const database = `sqlite:${join(dir, 'try-it.db')}`;
      const shim = await startServiceProcess({
        ...settings,
        CALLBACK_URL: standInUrl,
        DATABASE_URL: database,
        PORT: '0',
      });
      try {
        const curl = (line: string) =>
          promisify(execFile)('bash', ['-c', line.replaceAll('http://127.0.0.1:8080', shim.url)]);
        expect((await curl(legacyCurl)).stdout).toBe('{"success":true}');
        expect((await curl(sameLoginCurl)).stdout).toBe('{"success":true}');
        expect((await curl(legacyCurl)).stdout).toBe('{"success":true,"duplicate":true}');
        await until('the first login', () => posts() === 1);
        expect((await curl(newAppCurl)).stdout).toBe('{"success":true}');
        await until('the second login', () => posts() === 2);
        const legacyBody = /-d '(.*)'$/.exec(legacyCurl)?.[1] as string;
        expect(printed).toContain('x-faceauth-source: legacy');
        expect(printed).toContain(`\n${legacyBody}\n`);
        const workflowsPrinted = printed.split('x-faceauth-source: workflows')[1] ?? '';
        const rendered = JSON.parse(workflowsPrinted.split('\n')[1] ?? '');
        expect(rendered).toMatchObject({
          customerId: '77460a9995516d9a553aa96c',
          interviewId: '70000b33c19b46e3f06bbb00',
          overallStatus: 'FAIL',
          faceMatch: false,
          error: 'FACE_TOO_DARK',
        });
        expect(rendered).not.toHaveProperty('spoofConfidence');
        // The same login's Workflows report is stored and shadowed: still two bodies.
        const shown = await cliInProcess({ DATABASE_URL: database }, ['forward-source', 'show']);
        expect(shown.stdout).toMatch(
          /2 in all, 1 reported by both webhooks, 0 by the legacy webhook only, 1 by Workflows only/,
        );
        expect(posts()).toBe(2);
      } finally {
        shim.child.kill('SIGTERM');
        await shim.exited;
      }
    } finally {
      standIn.kill('SIGTERM');
    }
  }, 40_000);
});
