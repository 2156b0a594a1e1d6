import { type Content, type Fragment, html, lines } from './fragment.js';

// A table of the report and its cells. A cell holds text (escaped) or markup made by `html`;
// nothing else, so no cell can carry a string into the page as markup.

export interface Cell {
  content: Content;
  /** A class from the stylesheet: num, time, id, nowrap, field. */
  cls?: string;
  /** The cell names its row (the first column of a table whose rows are named). */
  rowHeader?: boolean;
}

export interface Table {
  /**
   * The id of the heading that names the table. The table's box scrolls when the table is
   * wider than the window: it is then a region by that name in the tab order, so a keyboard
   * can reach it and scroll it, and a screen reader says what it holds.
   */
  labelledBy: string;
  /** The column headers: text, or a cell for a class or markup. Every one says something. */
  head: Array<string | Cell>;
  rows: Cell[][];
}

export function table({ labelledBy, head, rows }: Table): Fragment {
  const columns = head.map((h) => (typeof h === 'string' ? { content: h } : h));
  const th = columns.map((c) => html`<th${classOf(c)} scope="col">${c.content}</th>`);
  const body = rows.map((row) => html`<tr>${row.map(cell)}</tr>`);
  return html`<div class="table-wrap" role="region" tabindex="0" aria-labelledby="${labelledBy}"><table><thead><tr>${th}</tr></thead><tbody>
${lines(body)}
</tbody></table></div>`;
}

function classOf(c: Cell): Fragment | undefined {
  return c.cls === undefined ? undefined : html` class="${c.cls}"`;
}

function cell(c: Cell): Fragment {
  return c.rowHeader
    ? html`<th${classOf(c)} scope="row">${c.content}</th>`
    : html`<td${classOf(c)}>${c.content}</td>`;
}

export const plain = (content: Content): Cell => ({ content });
export const num = (value: number | string): Cell => ({ content: value, cls: 'num' });
export const numHead = (label: string): Cell => ({ content: label, cls: 'num' });
/** A cell that names its row. */
export const rowHead = (content: Content, cls?: string): Cell =>
  cls === undefined ? { content, rowHeader: true } : { content, cls, rowHeader: true };
/** A column header a screen reader says and the page does not show (its cells say enough). */
export const hiddenHead = (label: string): Cell => ({
  content: html`<span class="visually-hidden">${label}</span>`,
});

/** An ISO time that may break after its date, when the column is narrow. */
export function time(value: string): Cell {
  const date = /^\d{4}-\d{2}-\d{2}T/.exec(value)?.[0];
  const content = date === undefined ? value : html`${date}<wbr>${value.slice(date.length)}`;
  return { content, cls: 'time' };
}
