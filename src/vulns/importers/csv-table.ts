/**
 * What the CSV importers share: the file as a table whose columns are found
 * by header name (any case, any order: exports add and move columns between
 * versions), rows of nothing but empty fields skipped (spreadsheet tools pad
 * exports with them), and problems that name the line and the column.
 */
import { parseCsv } from '../../import/csv.js';
import type { ScanProblem } from '../finding.js';

export interface CsvRow {
  readonly line: number;
  /** The field under a header (any of the names given, first found), trimmed; '' when absent. */
  get(...headers: string[]): string;
}

export interface CsvTable {
  readonly rows: readonly CsvRow[];
  readonly problems: ScanProblem[];
}

/** Reads the table; `required` are the headers the layout cannot do without (each a list of accepted names). */
export function readTable(text: string, layout: string, required: ReadonlyArray<readonly string[]>): CsvTable {
  const parsed = parseCsv(text);
  const problems: ScanProblem[] = parsed.problems.map((p) => ({ line: p.line, field: '(csv)', message: p.message }));
  const [header, ...records] = parsed.records;
  if (!header)
    return {
      rows: [],
      problems: [...problems, { line: 1, field: '(header)', message: `the file is empty; expected a ${layout} CSV export` }],
    };
  const index = new Map<string, number>();
  header.fields.forEach((h, i) => {
    const key = h.trim().toLowerCase();
    if (key && !index.has(key)) index.set(key, i);
  });
  for (const names of required)
    if (!names.some((n) => index.has(n.toLowerCase())))
      problems.push({
        line: header.line,
        field: names[0] ?? '',
        message: `no "${names.join('" or "')}" column: not a ${layout} CSV export`,
      });
  if (problems.length > 0) return { rows: [], problems };
  const rows = records
    .filter((r) => r.fields.some((f) => f.trim() !== ''))
    .map((r): CsvRow => ({
      line: r.line,
      get: (...headers) => {
        for (const h of headers) {
          const i = index.get(h.toLowerCase());
          if (i !== undefined) return (r.fields[i] ?? '').trim();
        }
        return '';
      },
    }));
  return { rows, problems };
}
