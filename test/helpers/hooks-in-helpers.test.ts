import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { expect, it } from 'vitest';
import { ROOT } from './markdown.js';

// The suite runs with `isolate: false` (vitest.config.ts): a worker imports a helper module once
// for all the files it runs. A hook a helper registers when it is imported (a top-level
// afterEach, say) would then guard only the first of those files, and the others would leave
// their processes and folders behind. Helpers register per test (onTestFinished) or export a
// function each file calls.

const HOOK_AT_TOP = /^(?:afterEach|afterAll|beforeEach|beforeAll)\(/m;

it('no module of test/ but a test file registers a hook when it is imported', () => {
  const modules = readdirSync(join(ROOT, 'test'), { recursive: true, encoding: 'utf8' }).filter(
    (file) => file.endsWith('.ts') && !file.endsWith('.test.ts'),
  );
  expect(modules.length).toBeGreaterThan(20);
  const offenders = modules.filter((file) =>
    HOOK_AT_TOP.test(readFileSync(join(ROOT, 'test', file), 'utf8')),
  );
  expect(offenders).toEqual([]);
});
