/**
 * CSV as exports really write it (RFC 4180 and its common variations):
 * comma-separated, fields optionally in double quotes, `""` for a quote
 * inside quotes, line breaks (CRLF, LF or CR) inside quoted fields, a UTF-8
 * byte-order mark at the start. Every record keeps the line it starts on, so
 * a problem in a row is reported as `FILE:line`.
 */

/** One record: its fields and the 1-based line of the file it starts on. */
export interface CsvRecord {
  readonly line: number;
  readonly fields: readonly string[];
}

/** A problem that stops the file from being read as CSV at all. */
export interface CsvProblem {
  readonly line: number;
  readonly message: string;
}

export interface ParsedCsv {
  readonly records: readonly CsvRecord[];
  readonly problems: readonly CsvProblem[];
}

/**
 * Parses CSV text into records. Blank lines (outside quotes) are skipped. A
 * quote inside an unquoted field is kept as text, because spreadsheet
 * exports write `5" display` that way; text after a closing quote is a
 * problem, because it means the quoting is broken and the fields after it
 * cannot be trusted.
 */
export function parseCsv(input: string): ParsedCsv {
  const text = input.charCodeAt(0) === 0xfeff ? input.slice(1) : input;
  const records: CsvRecord[] = [];
  const problems: CsvProblem[] = [];
  let fields: string[] = [];
  let field = '';
  let line = 1;
  let recordLine = 1;
  // Whether the current record has any content yet: a blank line is not a record.
  let started = false;
  let i = 0;
  const n = text.length;

  const endField = () => {
    fields.push(field);
    field = '';
  };
  const endRecord = () => {
    endField();
    if (started) records.push({ line: recordLine, fields });
    fields = [];
    started = false;
  };

  while (i < n) {
    const c = text[i];
    if (c === '"' && field === '') {
      // A quoted field: read to the closing quote, across line breaks.
      const openedOn = line;
      started = true;
      i++;
      let closed = false;
      while (i < n) {
        const q = text[i];
        if (q === '"') {
          if (text[i + 1] === '"') {
            field += '"';
            i += 2;
            continue;
          }
          closed = true;
          i++;
          break;
        }
        if (q === '\r' || q === '\n') {
          line++;
          if (q === '\r' && text[i + 1] === '\n') {
            field += '\r\n';
            i += 2;
            continue;
          }
        }
        field += q;
        i++;
      }
      if (!closed) {
        problems.push({ line: openedOn, message: 'a quoted field is never closed (a " is missing): the rest of the file cannot be read' });
        fields.push(field);
        records.push({ line: recordLine, fields });
        return { records, problems };
      }
      const next = text[i];
      if (next !== undefined && next !== ',' && next !== '\r' && next !== '\n') {
        problems.push({
          line,
          message: `unexpected ${JSON.stringify(next)} after a closing quote: inside quotes write a quote as "" and end the field with a comma`,
        });
        // Skip to the end of the field so the rest of the file can still be checked.
        while (i < n && text[i] !== ',' && text[i] !== '\r' && text[i] !== '\n') field += text[i++];
      }
      continue;
    }
    if (c === ',') {
      started = true;
      endField();
      i++;
      continue;
    }
    if (c === '\r' || c === '\n') {
      endRecord();
      i += c === '\r' && text[i + 1] === '\n' ? 2 : 1;
      line++;
      recordLine = line;
      continue;
    }
    started = true;
    field += c;
    i++;
  }
  if (started || field !== '' || fields.length > 0) endRecord();
  return { records, problems };
}

/** Quotes a field for CSV output when it needs it (comma, quote, line break, edge spaces). */
export function csvField(value: string): string {
  return /[",\r\n]|^\s|\s$/.test(value) ? `"${value.replaceAll('"', '""')}"` : value;
}

/** One CSV line (without its line break). */
export function csvLine(values: readonly string[]): string {
  return values.map(csvField).join(',');
}
