// Summarizes a V8 .cpuprofile (node --cpu-prof): self time by function, by file and by
// package, optionally over the last N ms of the profile only.
//
//   npx tsx bench/profile-summary.ts <file.cpuprofile> [--last-ms N] [--top 25]
import { existsSync, readFileSync } from 'node:fs';
import { SourceMap, type SourceMapPayload } from 'node:module';
import { dirname, relative, resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { parseArgs } from 'node:util';
import { ROOT, round, table } from './lib.js';

interface ProfileNode {
  id: number;
  callFrame: { functionName: string; url: string; lineNumber: number; columnNumber: number };
  children?: number[];
}

interface CpuProfile {
  nodes: ProfileNode[];
  startTime: number;
  endTime: number;
  samples: number[];
  timeDeltas: number[];
}

export interface Row {
  name: string;
  ms: number;
  share: number;
}

export interface ProfileSummary {
  /** Milliseconds covered by the samples summed up. */
  totalMs: number;
  idleMs: number;
  byFunction: Row[];
  byFile: Row[];
  byPackage: Row[];
}

const META = new Set(['(idle)', '(program)', '(garbage collector)', '(root)']);

function where(url: string): { file: string; pkg: string } {
  if (url === '') return { file: '(native or V8 builtin)', pkg: '(native or V8 builtin)' };
  if (url.startsWith('node:')) return { file: url, pkg: 'node core' };
  if (url.startsWith('wasm:')) return { file: url, pkg: 'wasm (undici llhttp)' };
  const path = url.startsWith('file://') ? fileURLToPath(url) : url;
  const nm = path.lastIndexOf('/node_modules/');
  if (nm >= 0) {
    const rest = path.slice(nm + '/node_modules/'.length).split('/');
    const pkg = rest[0]?.startsWith('@') ? `${rest[0]}/${rest[1]}` : (rest[0] ?? '?');
    return { file: `${pkg}/${rest.slice(pkg.split('/').length).join('/')}`, pkg };
  }
  const file = relative(ROOT, path);
  return { file, pkg: file.startsWith('..') ? file : `faceauth-shim (${file.split('/')[0]})` };
}

const sourceMaps = new Map<string, SourceMap | undefined>();

/** dist/x.js:line as src/x.ts:line, through the build's source maps. */
function original(path: string, line: number, column: number): string | undefined {
  if (!sourceMaps.has(path)) {
    const mapFile = `${path}.map`;
    sourceMaps.set(
      path,
      existsSync(mapFile)
        ? new SourceMap(JSON.parse(readFileSync(mapFile, 'utf8')) as SourceMapPayload)
        : undefined,
    );
  }
  const entry = sourceMaps.get(path)?.findEntry(line, column);
  if (!entry || !('originalSource' in entry)) return undefined;
  const source = entry.originalSource.startsWith('file://')
    ? fileURLToPath(entry.originalSource)
    : resolve(dirname(path), entry.originalSource);
  return `${relative(ROOT, source)}:${entry.originalLine + 1}`;
}

function location(frame: ProfileNode['callFrame'], file: string): string {
  if (!frame.url) return file;
  if (frame.url.startsWith('file://') && file.startsWith('dist/')) {
    const mapped = original(fileURLToPath(frame.url), frame.lineNumber, frame.columnNumber);
    if (mapped) return mapped;
  }
  return `${file}:${frame.lineNumber + 1}`;
}

export function summarizeProfile(
  profile: CpuProfile,
  options: { lastMs?: number | undefined; top?: number } = {},
): ProfileSummary {
  const top = options.top ?? 25;
  const nodes = new Map(profile.nodes.map((n) => [n.id, n]));
  // Sample i is at t[i]; it stands for the time until the next sample.
  const times: number[] = [];
  let t = profile.startTime;
  for (const delta of profile.timeDeltas) {
    t += delta;
    times.push(t);
  }
  const from = options.lastMs === undefined ? -Infinity : profile.endTime - options.lastMs * 1000;
  const selfUs = new Map<number, number>();
  for (let i = 0; i < profile.samples.length; i++) {
    const at = times[i] ?? 0;
    if (at < from) continue;
    const weight = (times[i + 1] ?? profile.endTime) - at;
    const id = profile.samples[i] as number;
    selfUs.set(id, (selfUs.get(id) ?? 0) + Math.max(0, weight));
  }

  const byFunction = new Map<string, number>();
  const byFile = new Map<string, number>();
  const byPackage = new Map<string, number>();
  const add = (map: Map<string, number>, key: string, us: number) =>
    map.set(key, (map.get(key) ?? 0) + us);
  let totalUs = 0;
  let idleUs = 0;
  for (const [id, us] of selfUs) {
    const frame = nodes.get(id)?.callFrame;
    if (!frame) continue;
    totalUs += us;
    if (frame.functionName === '(idle)') idleUs += us;
    if (META.has(frame.functionName)) {
      for (const map of [byFunction, byFile, byPackage]) add(map, frame.functionName, us);
      continue;
    }
    const { file: built, pkg } = where(frame.url);
    const at = location(frame, built);
    // Files of the service by their source (src/...ts), through the source maps.
    const file = at.startsWith('src/') ? (at.split(':')[0] ?? built) : built;
    const name = `${frame.functionName || '(anonymous)'}  ${at}`;
    add(byFunction, name, us);
    add(byFile, file, us);
    add(byPackage, pkg, us);
  }
  const rows = (map: Map<string, number>, limit: number): Row[] =>
    [...map]
      .sort((a, b) => b[1] - a[1])
      .slice(0, limit)
      .map(([name, us]) => ({ name, ms: us / 1000, share: totalUs ? us / totalUs : 0 }));
  return {
    totalMs: totalUs / 1000,
    idleMs: idleUs / 1000,
    byFunction: rows(byFunction, top),
    byFile: rows(byFile, top),
    byPackage: rows(byPackage, 15),
  };
}

export function formatSummary(title: string, summary: ProfileSummary): string {
  const section = (heading: string, rows: Row[]) =>
    table([
      [heading, 'self ms', '%'],
      ...rows.map((r) => [r.name, round(r.ms, 0), round(r.share * 100, 1)]),
    ]);
  return [
    `${title}: ${round(summary.totalMs / 1000, 2)} s sampled, idle ${round((summary.idleMs / summary.totalMs) * 100, 1)}%`,
    section('by function (self time)', summary.byFunction),
    '',
    section('by file', summary.byFile),
    '',
    section('by package', summary.byPackage),
  ].join('\n');
}

export function readProfile(file: string): CpuProfile {
  return JSON.parse(readFileSync(file, 'utf8')) as CpuProfile;
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  const { values, positionals } = parseArgs({
    options: { 'last-ms': { type: 'string' }, top: { type: 'string', default: '25' } },
    allowPositionals: true,
  });
  const file = positionals[0];
  if (!file) {
    process.stderr.write('usage: tsx bench/profile-summary.ts <file.cpuprofile> [--last-ms N]\n');
    process.exit(2);
  }
  const lastMs = values['last-ms'] === undefined ? undefined : Number(values['last-ms']);
  const summary = summarizeProfile(readProfile(file), { lastMs, top: Number(values.top) });
  process.stdout.write(`${formatSummary(file, summary)}\n`);
}
