import { html as honoHtml } from 'hono/html';

// The one way the HTML report makes markup: Hono's `html` tagged template, which escapes every
// value put into it (text and attribute values alike) unless the value is itself markup made by
// a template. Report values are plain strings, so they always land in the page as text.

/** Markup made by `html` (or, for the stylesheet alone, by Hono's `raw`). */
export type Fragment = Awaited<ReturnType<typeof honoHtml>>;

/**
 * What a template may hold: text and numbers (escaped), fragments, lists of them, and nothing
 * (`false`, `null`, `undefined`: left out, so `${cond && html`...`}` reads as "only if").
 * Anything else is a type error here: an object would go in by its `toString`.
 */
export type Content = string | number | Fragment | readonly Content[] | false | null | undefined;

/** Hono's `html`, typed for what the report puts into it, and synchronous. */
export function html(strings: TemplateStringsArray, ...values: Content[]): Fragment {
  const markup = honoHtml(strings, ...values);
  // Only a Promise among the values makes Hono's result one, and Content has none.
  if (markup instanceof Promise) throw new TypeError('an HTML report fragment cannot wait');
  return markup;
}

/**
 * Parts one after the other, each on its own line (the page source stays readable); lists are
 * spread, and nothing (`false`, `null`, `undefined`, '') takes no line.
 */
export function lines(parts: readonly Content[]): Fragment {
  const flat: Array<string | number | Fragment> = [];
  const add = (part: Content) => {
    if (Array.isArray(part)) for (const inner of part as readonly Content[]) add(inner);
    else if (part !== false && part !== null && part !== undefined && part !== '') {
      flat.push(part as string | number | Fragment);
    }
  };
  add(parts);
  return html`${flat.map((part, i) => (i === 0 ? html`${part}` : html`\n${part}`))}`;
}
