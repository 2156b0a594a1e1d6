import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { renderHtml } from '../../src/compare/render-html.js';
import { demoReport, emptyReport, hostileReport, sampleReport } from './render-fixtures.js';

// The HTML report's markup as a string: a hostile report stays text, and what a keyboard and a
// screen reader need is there (the browser test runs axe-core on the rendered page).

/** A start or end tag whose attribute values are all quoted and hold no `<`, `>` or `"`. */
const TAG = /<\/?([a-zA-Z][\w-]*)((?:\s+[a-zA-Z][\w:-]*(?:="[^"<>]*")?)*)\s*\/?>/g;
const ATTRIBUTE = /\s([a-zA-Z][\w:-]*)(?:="([^"]*)")?/g;

/** The page's tags and attribute names, and what is left once the tags are taken out. */
function markup(page: string) {
  const styles = page.match(/<style>[\s\S]*?<\/style>/g) ?? [];
  const tags = new Set<string>();
  const attributes = new Set<string>();
  const rest = page
    .replace(/<style>[\s\S]*?<\/style>/, '')
    .replace(/^<!doctype html>/, '')
    .replace(TAG, (_, name: string, attrs: string) => {
      tags.add(name.toLowerCase());
      for (const [, attribute] of attrs.matchAll(ATTRIBUTE)) attributes.add(attribute as string);
      return '';
    });
  return { styles, tags, attributes, rest };
}

describe('renderHtml of a report whose strings hold markup', () => {
  const page = renderHtml(hostileReport());
  const hostile = markup(page);
  const sample = markup(renderHtml(sampleReport()));

  it('keeps every string of the report inside text or a quoted attribute value', () => {
    // Every `<` and `>` left opens or closes a well-formed tag: none came from a value.
    expect(hostile.rest).not.toMatch(/[<>]/);
    expect(hostile.styles).toEqual(sample.styles);
    expect(hostile.styles).toHaveLength(1);
  });

  it('adds no element and no attribute the plain sample does not have', () => {
    expect([...hostile.tags].sort()).toEqual([...sample.tags].sort());
    expect([...hostile.attributes].sort()).toEqual([...sample.attributes].sort());
    expect([...hostile.attributes].filter((name) => /^on/i.test(name))).toEqual([]);
    expect(hostile.tags.has('script')).toBe(false);
    expect(hostile.tags.has('img')).toBe(false);
  });

  it('shows each injection escaped, as text', () => {
    expect(page).toContain('&lt;script&gt;window.pwned=1;alert(1)&lt;/script&gt;');
    expect(page).toContain(
      '&quot;&gt;&lt;img src=x onerror=&quot;window.pwned=1;alert(1)&quot;&gt;',
    );
    expect(page).toContain(
      '&#39;&gt;&lt;/title&gt;&lt;/style&gt;&lt;script&gt;window.pwned=1&lt;/script&gt;',
    );
    // In the title, a class name, a chart's label and a failure reason's bar too.
    expect(page).toMatch(/<title>Face authentication comparison: [^<]*&lt;script&gt;/);
    expect(page).toMatch(/<span class="status-FAIL[^"]*&lt;/);
    expect(page).toMatch(/<svg id="chart-failure-reasons"[^>]* aria-label="[^"]*&lt;/);
  });
});

describe('renderHtml for a keyboard and a screen reader', () => {
  const pages = {
    sample: renderHtml(sampleReport()),
    empty: renderHtml(emptyReport()),
    demo: renderHtml(demoReport()),
    hostile: renderHtml(hostileReport()),
  };

  it.each(Object.entries(pages))('names every table box by a heading, %s report', (_, page) => {
    const ids = [...page.matchAll(/\sid="([^"]*)"/g)].map((m) => m[1]);
    expect(new Set(ids).size, 'ids are unique').toBe(ids.length);
    const boxes = [...page.matchAll(/<div class="table-wrap"([^>]*)>/g)].map((m) => m[1] ?? '');
    expect(boxes.length).toBeGreaterThanOrEqual(4);
    expect(boxes.length).toBe(page.match(/<table>/g)?.length);
    for (const attributes of boxes) {
      // A box that scrolls must be reachable by Tab, and say what it is when reached.
      expect(attributes).toMatch(/^ role="region" tabindex="0" aria-labelledby="[^"]+"$/);
      const label = attributes.match(/aria-labelledby="([^"]+)"/)?.[1];
      const heading = page.match(new RegExp(`<h([23]) id="${label}">(.+?)</h\\1>`));
      expect(heading, `heading #${label}`).not.toBeNull();
      expect(heading?.[2]?.replace(/<[^>]*>/g, '').trim()).not.toBe('');
    }
  });

  it.each(Object.entries(pages))('gives every table header text, %s report', (_, page) => {
    const headers = [...page.matchAll(/<th[^>]*>([\s\S]*?)<\/th>/g)].map((m) => m[1] ?? '');
    expect(headers.length).toBeGreaterThan(10);
    for (const header of headers) expect(header.replace(/<[^>]*>/g, '').trim()).not.toBe('');
    // The delivery table's corner says what its rows are, to a screen reader only.
    expect(page).toContain('<th scope="col"><span class="visually-hidden">Measure</span></th>');
  });
});

describe('the HTML renderer', () => {
  const root = fileURLToPath(new URL('../../src/compare/', import.meta.url));
  const files = [
    'render-html.ts',
    ...readdirSync(join(root, 'html'), { recursive: true, encoding: 'utf8' })
      .filter((file) => file.endsWith('.ts'))
      .map((file) => join('html', file)),
  ];
  const source = (file: string) => readFileSync(join(root, file), 'utf8');

  it('makes markup only with the escaping template; only the stylesheet is raw', () => {
    const importers = (pattern: RegExp) => files.filter((file) => pattern.test(source(file)));
    expect(importers(/from 'hono[/']/).sort()).toEqual(
      ['html/fragment.ts', 'html/stylesheet.ts'].sort(),
    );
    expect(importers(/import \{[^}]*\braw\b[^}]*\} from/)).toEqual(['html/stylesheet.ts']);
    expect(importers(/\braw\(/)).toEqual(['html/stylesheet.ts']);
    expect(importers(/\besc\(|isEscaped|innerHTML/)).toEqual([]);
  });

  it('keeps each file small', () => {
    for (const file of files) {
      expect(source(file).split('\n').length, file).toBeLessThanOrEqual(400);
    }
  });
});
