import { existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type Browser, chromium, type Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { renderHtml } from '../../src/compare/render-html.js';
import type { ComparisonReport } from '../../src/compare/report-schema.js';
import { addAxe, axeViolations } from '../helpers/axe.js';
import { CHROMIUM, hasChromium, LAUNCH_ARGS, runs, SKIPPED } from '../helpers/chromium.js';
import {
  demoReport,
  emptyReport,
  hostileReport,
  INJECTIONS,
  sampleReport,
  TIME_LEFT,
} from './render-fixtures.js';

// The HTML report in a real headless browser: Debian's chromium-headless-shell, driven by
// playwright-core (which downloads no browser). CI installs it in .ci/run; on a machine without
// it the test is skipped, saying why in one line, and in CI its absence is a failure.

// Evaluated in the page (the project's TypeScript has no DOM types).
const BANNER_COLOR = "getComputedStyle(document.getElementById('verdict')).backgroundColor";

interface Problems {
  consoleErrors: string[];
  pageErrors: string[];
  requests: string[];
  dialogs: string[];
}

/** The widths a reader uses: a laptop, and a phone held upright. */
const WIDTHS = [1280, 390] as const;
/** axe-core also checks the narrowest phone in common use. */
const AXE_WIDTHS = [...WIDTHS, 375] as const;

interface PageOptions {
  /**
   * Lets a script the test adds run (axe-core), and lets the hostile report's scripts run if
   * any reached the page as markup: then only the escaping stands between them and the page.
   */
  bypassCSP?: boolean;
  /** Makes axe-core part of the page (test/helpers/axe.ts); implies `bypassCSP`. */
  axe?: boolean;
}

let browser: Browser | undefined;

interface OpenPage {
  page: Page;
  problems: Problems;
  close(): Promise<void>;
}

/** A new page showing the report, watched for problems; the caller closes it. */
async function openPage(
  report: ComparisonReport,
  width: number = WIDTHS[0],
  options: PageOptions = {},
): Promise<OpenPage> {
  if (!hasChromium) {
    throw new Error(
      `${CHROMIUM} is missing: CI must install Debian's chromium-headless-shell before the ` +
        'tests (.ci/run does: apt-get install -y --no-install-recommends chromium-headless-shell)',
    );
  }
  if (browser === undefined) throw new Error('Chromium did not start (see beforeAll)');
  const context = await browser.newContext({
    viewport: { width, height: 900 },
    bypassCSP: (options.bypassCSP ?? false) || (options.axe ?? false),
  });
  if (options.axe) await addAxe(context);
  const page = await context.newPage();
  const problems: Problems = { consoleErrors: [], pageErrors: [], requests: [], dialogs: [] };
  page.on('console', (message) => {
    if (message.type() === 'error') problems.consoleErrors.push(message.text());
  });
  page.on('pageerror', (error) => problems.pageErrors.push(error.message));
  page.on('request', (request) => problems.requests.push(request.url()));
  page.on('dialog', (dialog) => {
    problems.dialogs.push(dialog.message());
    void dialog.dismiss();
  });
  try {
    await page.setContent(renderHtml(report), { waitUntil: 'load' });
  } catch (error) {
    await context.close();
    throw error;
  }
  return { page, problems, close: () => context.close() };
}

async function withPage<T>(
  report: ComparisonReport,
  check: (page: Page, problems: Problems) => Promise<T>,
  width: number = WIDTHS[0],
  options: PageOptions = {},
): Promise<T> {
  const opened = await openPage(report, width, options);
  try {
    return await check(opened.page, opened.problems);
  } finally {
    await opened.close();
  }
}

/**
 * Where the screenshots of the pages go when REPORT_SCREENSHOTS names a folder, for a person
 * to look at; a full-page screenshot costs the run a second of CPU, so none is taken otherwise.
 */
const SHOTS = process.env.REPORT_SCREENSHOTS;

async function screenshot(page: Page, name: string): Promise<void> {
  if (SHOTS) await page.screenshot({ path: join(SHOTS, `${name}.png`), fullPage: true });
}

/** Text as a reader sees it (rendered: nothing hidden, no markup), of the page or one element. */
async function visibleText(page: Page, selector = 'body'): Promise<string> {
  return page.evaluate<string>(`document.querySelector(${JSON.stringify(selector)}).innerText`);
}

function occurrences(text: string, part: string): number {
  return text.split(part).length - 1;
}

async function expectVisibleBox(page: Page, selector: string) {
  const element = page.locator(selector);
  expect(await element.isVisible(), `${selector} visible`).toBe(true);
  const box = await element.boundingBox();
  expect(box?.width ?? 0, `${selector} width`).toBeGreaterThan(100);
  expect(box?.height ?? 0, `${selector} height`).toBeGreaterThan(50);
}

function expectNoProblems(problems: Problems) {
  expect(problems.consoleErrors).toEqual([]);
  expect(problems.pageErrors).toEqual([]);
  // Self-contained: the page asks for nothing, and nothing in it ran (no alert from a value).
  expect(problems.requests).toEqual([]);
  expect(problems.dialogs).toEqual([]);
}

if (!runs) {
  // Vitest's default reporter names no skipped test, only counts them ("1 skipped"): one line
  // on standard error says why (console.* fails a test, see test/helpers/no-console.ts). The
  // one skipped test carries the same words for reporters that list tests (verbose, junit).
  process.stderr.write(`test/compare/report-browser.test.ts: ${SKIPPED}\n`);
  it.skip(SKIPPED, () => {});
} else {
  describe('the HTML report in headless Chromium', () => {
    beforeAll(async () => {
      if (hasChromium) {
        browser = await chromium.launch({ executablePath: CHROMIUM, args: LAUNCH_ARGS });
      }
    }, 60_000);
    afterAll(async () => {
      await browser?.close();
    });

    it('renders the verdict, the tables and both charts without errors', async () => {
      const report = sampleReport();
      await withPage(report, async (page, problems) => {
        expect(await page.title()).toContain('Face authentication comparison');

        const verdict = page.locator('.verdict-line');
        expect(await verdict.isVisible()).toBe(true);
        expect(await verdict.textContent()).toBe('✗ not safe to switch');
        const banner = await page.evaluate(BANNER_COLOR);
        expect(banner).toBe('rgb(254, 226, 226)');

        await expectVisibleBox(page, '#chart-pass-rate');
        await expectVisibleBox(page, '#chart-failure-reasons');
        expect(await page.locator('#chart-pass-rate .series-legacy circle').count()).toBe(6);
        expect(await page.locator('#chart-pass-rate .series-workflows circle').count()).toBe(5);
        expect(await page.locator('#chart-pass-rate .series-legacy path').isVisible()).toBe(true);
        expect(await page.locator('#chart-failure-reasons .series-legacy rect').count()).toBe(6);
        expect(await page.locator('#chart-failure-reasons .series-workflows rect').count()).toBe(6);
        const bar = await page
          .locator('#chart-failure-reasons .series-workflows rect')
          .first()
          .boundingBox();
        expect(bar?.width ?? 0).toBeGreaterThan(10);

        // The hostile customer id is text, not an element.
        expect(await page.locator('img').count()).toBe(0);
        expect(await page.getByText('<img src=x onerror=alert(1)>').isVisible()).toBe(true);
        expect(await page.locator('h2').allTextContents()).toEqual([
          'Next steps',
          'Who reports the logins',
          'Populations',
          'Sources',
          'Pairs',
          'Per share of customers',
          'Disagreements',
          'Unpaired events',
          'Legacy-only fields',
          'Delivery',
        ]);

        // Nothing wider than the window: long tables scroll inside their own box.
        const overflow = await page.evaluate<number>(
          'document.documentElement.scrollWidth - document.documentElement.clientWidth',
        );
        expect(overflow).toBeLessThanOrEqual(0);

        const screenshot = join(tmpdir(), 'faceauth-report.png');
        await page.screenshot({ path: screenshot, fullPage: true });
        expect(existsSync(screenshot)).toBe(true);
        expectNoProblems(problems);
      });
    }, 60_000);

    it('renders an empty range with empty-state charts and a green banner when safe', async () => {
      const report = emptyReport();
      report.verdict = {
        safe: true,
        line: 'safe to switch',
        reasons: [],
        evidence: 'pairs',
        note: null,
        ...TIME_LEFT,
      };
      await withPage(report, async (page, problems) => {
        await expectVisibleBox(page, '#chart-pass-rate');
        await expectVisibleBox(page, '#chart-failure-reasons');
        expect(await page.locator('#chart-pass-rate .empty-state').textContent()).toBe(
          'No events in this range',
        );
        expect(await page.locator('#chart-failure-reasons .empty-state').isVisible()).toBe(true);
        const banner = await page.evaluate(BANNER_COLOR);
        expect(banner).toBe('rgb(220, 252, 231)');
        await screenshot(page, 'faceauth-report-empty');
        expectNoProblems(problems);
      });
    }, 60_000);

    // The sample has every section (disagreements with examples, unpaired events, legacy-only
    // fields), checked at every width; the empty and the demo report have the empty states and
    // more next steps, checked on a phone.
    it.each([
      ...AXE_WIDTHS.map((width) => ({ name: 'sample', width, report: sampleReport })),
      { name: 'empty', width: 390, report: emptyReport },
      { name: 'demo', width: 390, report: demoReport },
    ])(
      'passes axe-core: the $name report at $width px, and fits the width',
      async ({ width, report }) => {
        await withPage(
          report(),
          async (page, problems) => {
            const violations = await axeViolations(page);
            const severe = violations.filter(
              (v) => v.impact === 'serious' || v.impact === 'critical',
            );
            expect(severe, 'serious or critical').toEqual([]);
            expect(violations, 'of any impact').toEqual([]);
            const overflow = await page.evaluate<number>(
              'document.documentElement.scrollWidth - document.documentElement.clientWidth',
            );
            expect(overflow, 'wider than the window').toBeLessThanOrEqual(0);
            expectNoProblems(problems);
          },
          width,
          { axe: true },
        );
      },
      60_000,
    );

    it('lets a keyboard reach a table that scrolls, by the name of its heading, and scroll it', async () => {
      await withPage(
        sampleReport(),
        async (page) => {
          // At 390 px the examples of a disagreement (seven columns) are wider than the window.
          const region = page.getByRole('region', {
            name: 'status: legacy FAIL, workflows PASS (2)',
            exact: true,
          });
          expect(await region.count(), 'a region named by its heading').toBe(1);
          const [scrollWidth, clientWidth] = await region.evaluate((el) => [
            el.scrollWidth,
            el.clientWidth,
          ]);
          expect(scrollWidth).toBeGreaterThan(clientWidth);
          // Tab from the top of the page until the focus is on it: it is in the tab order, and
          // nothing before it holds the focus.
          let reached = false;
          for (let i = 0; i < 20 && !reached; i++) {
            await page.keyboard.press('Tab');
            reached = await region.evaluate((el) => el.ownerDocument.activeElement === el);
          }
          expect(reached, 'the scrolling table is reached by Tab').toBe(true);
          await page.keyboard.press('ArrowRight');
          await page.keyboard.press('End');
          await expect
            .poll(() => region.evaluate((el) => el.scrollLeft), { timeout: 5000 })
            .toBeGreaterThan(0);
          // Every table's box has the name of the heading above it, as the browser computes it.
          const names = [
            'Who reports the logins',
            'Populations',
            'Sources',
            'Pairs',
            'Per share of customers',
            'status: legacy FAIL, workflows PASS (2)',
            'reason: legacy USER_IS_NOT_RECOGNIZED, workflows HEAD_COVER_DETECTED (1)',
            'Unpaired events',
            'Legacy without a counterpart',
            'Workflows without a counterpart',
            'Legacy-only fields',
            'Delivery',
          ];
          expect(await page.locator('.table-wrap').count()).toBe(names.length);
          for (const name of names) {
            const box = page.getByRole('region', { name, exact: true });
            expect(await box.getAttribute('class'), name).toBe('table-wrap');
          }
        },
        390,
      );
    }, 60_000);

    it('shows a hostile report as text: no script runs, no element is added', async () => {
      await withPage(
        hostileReport(),
        async (page, problems) => {
          expect(await page.evaluate<unknown>('window.pwned')).toBeUndefined();
          expect(await page.locator('script, img, iframe, object, embed').count()).toBe(0);
          expect(await page.locator('style').count()).toBe(1);
          const handlers = await page.evaluate<string[]>(
            `[...document.querySelectorAll('*')].flatMap((el) =>
              [...el.attributes].filter((a) => a.name.startsWith('on')).map((a) => a.name))`,
          );
          expect(handlers).toEqual([]);
          expect(await page.title()).toMatch(/^Face authentication comparison: 2026-03-14T09:00/);
          const text = await visibleText(page);
          for (const injection of INJECTIONS) expect(text).toContain(injection);
          expect(await page.locator('h2').allTextContents()).toHaveLength(10);
          // The page still looks as designed: the stylesheet was not closed early.
          expect(await page.evaluate(BANNER_COLOR)).toBe('rgb(254, 226, 226)');
          expectNoProblems(problems);
        },
        390,
        { bypassCSP: true },
      );
    }, 60_000);

    describe.each(WIDTHS)('the demo run, as a new user sees it, %i px wide', (width) => {
      // One page of the demo report for the tests below, which only read it.
      const report = demoReport();
      let demo: OpenPage | undefined;
      beforeAll(async () => {
        demo = await openPage(report, width);
      }, 60_000);
      afterAll(async () => {
        await demo?.close();
      });
      async function onDemo(check: (page: Page, problems: Problems) => Promise<void>) {
        if (demo === undefined) throw new Error('the demo page did not open (see beforeAll)');
        await check(demo.page, demo.problems);
      }

      it('labels the time axis with times that differ and do not overlap', async () => {
        await onDemo(async (page) => {
          const texts = page.locator('#chart-pass-rate .axis-x text');
          const all = await texts.allTextContents();
          const labels = all.slice(0, -1);
          expect(all.at(-1)).toBe('bucket start (UTC, 2026-11-30)');
          expect(labels.length).toBeGreaterThanOrEqual(3);
          expect(new Set(labels).size, labels.join(' | ')).toBe(labels.length);
          const boxes = [];
          for (let i = 0; i < labels.length; i++) boxes.push(await texts.nth(i).boundingBox());
          for (let i = 1; i < boxes.length; i++) {
            const left = boxes[i - 1];
            const right = boxes[i];
            expect(
              (left?.x ?? 0) + (left?.width ?? 0),
              `${labels[i - 1]} ends before ${labels[i]}`,
            ).toBeLessThan(right?.x ?? 0);
          }
        });
      }, 60_000);

      it('shows both PASS-rate lines where they are equal', async () => {
        await onDemo(async (page) => {
          // The first two buckets with events have the same rate on both sides (100%, then
          // 0%): walk along the line between them and ask what a reader sees at each point.
          await page.locator('#chart-pass-rate').scrollIntoViewIfNeeded();
          const dots = page.locator('#chart-pass-rate .series-legacy circle');
          const a = await dots.nth(0).boundingBox();
          const b = await dots.nth(1).boundingBox();
          if (a === null || b === null) throw new Error('no legacy points');
          const seen = new Set<string>();
          for (let t = 0.2; t <= 0.8; t += 0.02) {
            const x = a.x + a.width / 2 + (b.x - a.x) * t;
            const y = a.y + a.height / 2 + (b.y - a.y) * t;
            seen.add(
              await page.evaluate<string>(
                `document.elementFromPoint(${x}, ${y})?.closest('.series')?.getAttribute('class') ?? 'nothing'`,
              ),
            );
          }
          expect([...seen].sort()).toEqual(['series series-legacy', 'series series-workflows']);
          expect(await page.locator('.chart-note').isVisible()).toBe(true);
        });
      }, 60_000);

      it('fits the page: the delivery and legacy-only tables whole, wider ones scroll in their box', async () => {
        await withPage(
          sampleReport(),
          async (page) => {
            const [pageWidth, viewport] = await page.evaluate<[number, number]>(
              '[document.scrollingElement.scrollWidth, innerWidth]',
            );
            expect(pageWidth).toBeLessThanOrEqual(viewport);
            for (const heading of ['Delivery', 'Legacy-only fields']) {
              const wrap = page.locator(`h2:text-is("${heading}") ~ .table-wrap`).first();
              const [scroll, client] = await wrap.evaluate((el) => [
                el.scrollWidth,
                el.clientWidth,
              ]);
              expect(scroll, `${heading} table: ${scroll} px in ${client} px`).toBeLessThanOrEqual(
                client,
              );
              const box = await wrap.locator('table').boundingBox();
              expect((box?.x ?? 0) + (box?.width ?? 0)).toBeLessThanOrEqual(viewport);
            }
            await screenshot(page, `faceauth-report-sample-${width}`);
          },
          width,
        );
      }, 60_000);

      it('says the verdict and its reasons once, what to do next, what fills the numbers', async () => {
        await onDemo(async (page, problems) => {
          const text = await visibleText(page);
          expect(occurrences(text, 'not safe to switch')).toBe(1);
          for (const reason of report.verdict.reasons) expect(occurrences(text, reason)).toBe(1);
          // Then what to do about it.
          expect(await page.locator('#next-steps').isVisible()).toBe(true);
          const steps = await visibleText(page, '#next-steps');
          expect(steps).toContain('Collect 14 more pairs (6 so far; COMPARE_MIN_PAIRS is 20)');
          expect(steps).toContain('Set INCODE_API_URL');
          expect(steps).toContain('the section “Reading the comparison report” of MIGRATION.md');
          // By the legacy-only fields table: what fills the numbers.
          const note = page.locator('h2:text-is("Legacy-only fields") ~ p.score-note');
          expect(await note.isVisible()).toBe(true);
          expect(await visibleText(page, '.score-note')).toContain(
            'are filled when INCODE_API_URL is set',
          );
          await screenshot(page, `faceauth-report-demo-${width}`);
          expectNoProblems(problems);
        });
      }, 60_000);
    });
  });
}
