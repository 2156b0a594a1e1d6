import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { describeWithTool, toolRuns } from '../helpers/needs-tool.js';

// The systemd unit, checked by systemd's own tools: `systemd-analyze verify` (every line is
// understood, nothing ignored) and `systemd-analyze security` (its exposure score, which the
// issue asked to bring under 2.0 from 6.7). systemd-analyze needs no running systemd
// (--offline=true, systemd 252+).

const FILE = 'test/deploy/systemd-unit.test.ts';
const UNIT = fileURLToPath(new URL('../../deploy/faceauth-shim.service', import.meta.url));
const unit = readFileSync(UNIT, 'utf8');

/** Settings of the [Service] section, each name with its values in order. */
function settings(text: string): Map<string, string[]> {
  const found = new Map<string, string[]>();
  for (const line of text.split('\n')) {
    const match = /^([A-Za-z]+)=(.*)$/.exec(line);
    if (match?.[1] !== undefined) {
      found.set(match[1], [...(found.get(match[1]) ?? []), match[2] ?? '']);
    }
  }
  return found;
}

describe('the unit file itself', () => {
  const set = settings(unit);
  it('makes what the service creates its own: UMask=0077, the state folder 0700', () => {
    expect(set.get('UMask')).toEqual(['0077']);
    expect(set.get('StateDirectory')).toEqual(['faceauth-shim']);
    expect(set.get('StateDirectoryMode')).toEqual(['0700']);
  });

  it('gives no capability, and leaves MemoryDenyWriteExecute unset (V8 writes the code it runs)', () => {
    expect(set.get('CapabilityBoundingSet')).toEqual(['']);
    expect(set.get('AmbientCapabilities')).toEqual(['']);
    expect(set.has('MemoryDenyWriteExecute')).toBe(false);
    expect(unit).toMatch(/^# MemoryDenyWriteExecute= is NOT set[\s\S]{0,200}JIT/m);
  });

  it('says where its Node comes from, next to ExecStart', () => {
    const lines = unit.split('\n');
    const exec = lines.findIndex((line) => line.startsWith('ExecStart='));
    const comment = lines.slice(exec - 5, exec).join('\n');
    expect(comment).toContain('/usr/bin/node');
    expect(comment).toMatch(/absolute path/);
  });
});

const analyze = toolRuns('systemd-analyze') ? null : 'systemd-analyze is not installed';

describeWithTool(FILE, 'systemd-analyze on the unit', analyze, () => {
  const dir = mkdtempSync(join(tmpdir(), 'faceauth-unit-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  /**
   * The unit as systemd-analyze should read it. verify also checks that ExecStart's program
   * exists: a machine without /usr/bin/node (the CI image's Node may live elsewhere) gets a
   * copy that names the Node running this suite, every other line unchanged.
   */
  function unitToCheck(): string {
    if (existsSync('/usr/bin/node')) return UNIT;
    const copy = join(dir, 'faceauth-shim.service');
    writeFileSync(copy, unit.replace('ExecStart=/usr/bin/node ', `ExecStart=${process.execPath} `));
    return copy;
  }

  it('systemd-analyze verify: accepted, without a warning', () => {
    const run = spawnSync('systemd-analyze', ['verify', unitToCheck()], { encoding: 'utf8' });
    expect(run.stderr + run.stdout).toBe('');
    expect(run.status).toBe(0);
  });

  it('systemd-analyze security scores it under 2.0', () => {
    const run = spawnSync('systemd-analyze', ['security', '--offline=true', unitToCheck()], {
      encoding: 'utf8',
    });
    const score = /Overall exposure level for faceauth-shim\.service: (\d+\.\d+)/.exec(
      run.stdout,
    )?.[1];
    expect(score, run.stdout + run.stderr).toBeDefined();
    expect(Number(score)).toBeLessThan(2.0);
  });
});
