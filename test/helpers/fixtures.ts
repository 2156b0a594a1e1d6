import { readdirSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import type { EventMeta } from '../../src/normalize/normalize.js';

/** Fixed event meta: the expected files in test/fixtures/expected/ were written with it. */
export const META: EventMeta = {
  eventId: '00000000-0000-4000-8000-000000000001',
  receivedAt: '2026-11-25T12:00:00.000Z',
};

export type FixtureSource = 'legacy' | 'workflows';

export const fixturePath = (relative: string): string =>
  fileURLToPath(new URL(`../fixtures/${relative}`, import.meta.url));

/** The raw bytes of a fixture, exactly as an HTTP test would post them. */
export const readFixtureBytes = (relative: string): Buffer => readFileSync(fixturePath(relative));

export const readFixtureJson = (relative: string): unknown =>
  JSON.parse(readFileSync(fixturePath(relative), 'utf8'));

/** Case names (file names without `.json`) of the valid JSON payloads of one source. */
export function fixtureNames(source: FixtureSource): string[] {
  return readdirSync(fixturePath(source))
    .filter((file) => file.endsWith('.json'))
    .map((file) => file.slice(0, -'.json'.length))
    .sort();
}

export interface Expected {
  /** The exact normalized result, written from the spec. */
  normalized: Record<string, unknown>;
  /** Workflows only: the exact legacy body the callback receives. */
  legacy?: Record<string, unknown>;
}

export function readExpected(source: FixtureSource, name: string): Expected {
  return readFixtureJson(`expected/${source}/${name}.json`) as Expected;
}

/** `SPOOF_DETECTED` -> `fail-spoof-detected`, the name of its Workflows fixture. */
export const workflowsFailFixture = (errorName: string): string =>
  `fail-${errorName.toLowerCase().replaceAll('_', '-')}`;
