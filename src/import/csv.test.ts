import { describe, expect, it } from 'vitest';
import { csvLine, parseCsv } from './csv.js';

const rows = (text: string) => parseCsv(text).records.map((r) => r.fields);
const lines = (text: string) => parseCsv(text).records.map((r) => r.line);

describe('parseCsv', () => {
  it.each([
    [
      'plain fields',
      'a,b,c\n1,2,3\n',
      [
        ['a', 'b', 'c'],
        ['1', '2', '3'],
      ],
    ],
    [
      'no final line break',
      'a,b\n1,2',
      [
        ['a', 'b'],
        ['1', '2'],
      ],
    ],
    [
      'CRLF',
      'a,b\r\n1,2\r\n',
      [
        ['a', 'b'],
        ['1', '2'],
      ],
    ],
    [
      'lone CR (old Mac exports)',
      'a,b\r1,2\r',
      [
        ['a', 'b'],
        ['1', '2'],
      ],
    ],
    [
      'empty fields',
      'a,,c\n,,\n',
      [
        ['a', '', 'c'],
        ['', '', ''],
      ],
    ],
    ['quoted comma', 'a,"b,c",d', [['a', 'b,c', 'd']]],
    ['escaped quotes', '"say ""hi""",x', [['say "hi"', 'x']]],
    ['a quoted empty field', '"",x', [['', 'x']]],
    [
      'embedded LF',
      '"line 1\nline 2",x\ny,z',
      [
        ['line 1\nline 2', 'x'],
        ['y', 'z'],
      ],
    ],
    ['embedded CRLF kept as written', '"a\r\nb",c\r\n', [['a\r\nb', 'c']]],
    [
      'UTF-8 BOM dropped',
      '\uFEFFid,name\n1,x',
      [
        ['id', 'name'],
        ['1', 'x'],
      ],
    ],
    ['blank lines skipped', 'a\n\n\nb\n', [['a'], ['b']]],
    ['a stray quote inside an unquoted field is text', 'size,5" display\n', [['size', '5" display']]],
    ['spaces are kept', ' a , b ', [[' a ', ' b ']]],
    ['unicode', 'ü,日本,😀', [['ü', '日本', '😀']]],
  ])('%s', (_label, text, expected) => {
    const parsed = parseCsv(text);
    expect(parsed.problems).toEqual([]);
    expect(parsed.records.map((r) => r.fields)).toEqual(expected);
  });

  it('each record keeps the line it starts on, across embedded line breaks and blank lines', () => {
    expect(lines('h1,h2\r\n"multi\r\nline\r\ntext",1\r\n\r\nnext,2\r\n')).toEqual([1, 2, 6]);
  });

  it('an unclosed quote is a problem at the line where the field opened', () => {
    const parsed = parseCsv('a,b\n1,"oops\n2,3\n');
    expect(parsed.problems).toEqual([{ line: 2, message: expect.stringContaining('never closed') }]);
  });

  it('text after a closing quote is a problem, and reading goes on', () => {
    const parsed = parseCsv('a,b\n"x"y,1\n2,3\n');
    expect(parsed.problems).toEqual([{ line: 2, message: expect.stringContaining('after a closing quote') }]);
    expect(rows('a,b\n"x"y,1\n2,3\n')[2]).toEqual(['2', '3']);
  });

  it('csvLine quotes what needs quoting, and parseCsv reads it back', () => {
    const values = ['plain', 'with, comma', 'with "quotes"', 'two\nlines', ' edge ', ''];
    const line = csvLine(values);
    expect(line).toBe('plain,"with, comma","with ""quotes""","two\nlines"," edge ",');
    expect(rows(line)).toEqual([values]);
  });
});
