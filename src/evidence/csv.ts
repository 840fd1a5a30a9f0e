/**
 * CSV for the evidence pack (RFC 4180: comma-separated, CRLF, fields with a
 * comma, quote or line break quoted). A text cell that a spreadsheet would
 * read as a formula (=, +, -, @, tab, carriage return first) gets a leading
 * apostrophe, so opening an incident title in Excel runs nothing.
 */

export type Cell = string | number | boolean | null | undefined;

const FORMULA_START = /^[=+\-@\t\r]/;

/** One cell as CSV text: empty for null and undefined, numbers as written, text guarded and quoted when needed. */
export function csvCell(value: Cell): string {
  if (value === null || value === undefined) return '';
  if (typeof value === 'number' || typeof value === 'boolean') return String(value);
  const text = FORMULA_START.test(value) ? `'${value}` : value;
  return /[",\r\n]/.test(text) ? `"${text.replace(/"/g, '""')}"` : text;
}

/** A header line and one line per row, each ending in CRLF. */
export function toCsv(header: readonly string[], rows: ReadonlyArray<readonly Cell[]>): string {
  return [header, ...rows].map((r) => `${r.map(csvCell).join(',')}\r\n`).join('');
}
