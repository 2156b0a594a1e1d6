/**
 * Rows as a table a person reads: a header row, then each row, columns padded to their widest
 * cell and two blanks apart (the last column is not padded). One string per line.
 */
export function table(headers: readonly string[], rows: readonly (readonly string[])[]): string[] {
  const widths = headers.map((header, i) =>
    Math.max(header.length, ...rows.map((row) => (row[i] ?? '').length)),
  );
  const format = (cells: readonly string[]) =>
    cells
      .map((cell, i) => (i === cells.length - 1 ? cell : cell.padEnd(widths[i] ?? 0)))
      .join('  ');
  return [format(headers), ...rows.map(format)];
}
