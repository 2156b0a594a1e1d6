import axe from 'axe-core';
import type { BrowserContext, Page } from 'playwright-core';

// axe-core in the browser tests (the console, the HTML report): every rule it has, best
// practices included, over the whole page.

/** One axe-core finding, as much of it as a failing test needs to say what is wrong. */
export interface Violation {
  id: string;
  impact: string | null;
  help: string;
  nodes: string[];
}

/**
 * Makes axe-core part of every document the context opens. Chromium gets its source once and
 * evaluates it in each new document, instead of the test sending its 1.5 MB over the DevTools
 * protocol for every page it checks (two thirds of each check's time). The context must let a
 * script it adds run (`bypassCSP: true`): the pages' CSP allows no script but their own.
 */
export async function addAxe(context: BrowserContext): Promise<void> {
  await context.addInitScript({ content: axe.source });
}

/** Runs axe-core over the page, which must belong to a context given `addAxe`. */
export async function axeViolations(page: Page): Promise<Violation[]> {
  return page.evaluate<Violation[]>(
    `axe.run(document, { resultTypes: ['violations'] }).then((result) =>
      result.violations.map((v) => ({
        id: v.id,
        impact: v.impact,
        help: v.help,
        nodes: v.nodes.map((node) => node.target.join(' ')),
      })))`,
  );
}
