import { escapeControlCharacters } from './terminal-text';

/** Plain-text tables for terminals and notices: every cell's control characters escaped. Pure. */

export interface Column<Row> {
  header: string;
  value: (row: Row) => unknown;
}

/** One cell as printed: `-` for nothing, strings as they are, anything else as JSON. */
export function cell(value: unknown): string {
  if (value === undefined || value === null || value === '') return '-';
  return escapeControlCharacters(typeof value === 'string' ? value : JSON.stringify(value));
}

/** Renders rows as a left-aligned text table with a header line. */
export function formatTable<Row>(rows: readonly Row[], columns: readonly Column<Row>[]): string {
  const cells = rows.map((row) => columns.map((column) => cell(column.value(row))));
  const widths = columns.map((column, index) =>
    Math.max(column.header.length, ...cells.map((line) => (line[index] ?? '').length)),
  );
  const render = (line: string[]) =>
    line
      .map((text, index) => text.padEnd(widths[index] ?? 0))
      .join('  ')
      .trimEnd();
  return [render(columns.map((column) => column.header)), ...cells.map(render)].join('\n') + '\n';
}
