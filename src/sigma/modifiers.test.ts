/**
 * Every value modifier and their legal chains, each with events that match
 * and events that do not; wildcards and their escapes; the encodings
 * checked against Buffer's own base64 of the encoded text.
 */
import { describe, expect, it } from 'vitest';
import { base64Offsets } from './modifiers.js';
import { formatRefusal, parseRules } from './index.js';

/** Whether `key: value` (YAML) matches an event whose field f (or the named fields) hold these values. */
function item(key: string, value: string, event: Record<string, unknown>): boolean {
  const text = `title: t\nid: r\nlogsource: {product: p}\ndetection:\n  sel:\n    ${key}: ${value}\n  condition: sel\n`;
  const { rules, refusals } = parseRules(text, 'm.yml');
  expect(refusals.map(formatRefusal)).toEqual([]);
  return rules[0]?.matches(event, { product: 'p' }) ?? false;
}

const b64 = (s: string, enc: BufferEncoding = 'utf8') => Buffer.from(s, enc).toString('base64');

type Row = readonly [label: string, key: string, value: string, field: unknown, expected: boolean];

const rows: Row[] = [
  // plain values and wildcards
  ['equal, case-insensitive', 'f', 'Cmd.EXE', 'cmd.exe', true],
  ['equal is the whole value', 'f', 'cmd.exe', 'xcmd.exe', false],
  ['* matches any run', 'f', "'C:\\\\*\\cmd.exe'", 'c:\\windows\\system32\\cmd.exe', true],
  ['\\* after a backslash is a plain star', 'f', "'C:\\*\\cmd.exe'", 'c:*\\cmd.exe', true],
  ['* matches the empty run', 'f', "'a*b'", 'ab', true],
  ['? matches one character', 'f', "'prog?.exe'", 'progA.exe', true],
  ['? does not match none', 'f', "'prog?.exe'", 'prog.exe', false],
  ['? does not match two', 'f', "'prog?.exe'", 'progAB.exe', false],
  ['\\* is a plain star', 'f', "'a\\*b'", 'a*b', true],
  ['\\* does not match a run', 'f', "'a\\*b'", 'axxb', false],
  ['\\? is a plain question mark', 'f', "'why\\?'", 'why?', true],
  ['\\? does not match any character', 'f', "'why\\?'", 'whyX', false],
  ['\\\\* is a backslash then a wildcard', 'f', "'dir\\\\*'", 'dir\\anything', true],
  ['\\\\\\* is a backslash and a plain star', 'f', "'dir\\\\\\*'", 'dir\\*', true],
  ['\\\\\\* does not wildcard', 'f', "'dir\\\\\\*'", 'dir\\x', false],
  ['a lone backslash is itself', 'f', "'C:\\Windows'", 'c:\\windows', true],
  ['a wildcard spans newlines', 'f', "'a*b'", 'a\nb', true],
  ['regex characters are plain', 'f', "'a.(b)+'", 'a.(b)+', true],
  ['regex characters do not act', 'f', "'a.(b)+'", 'axbb', false],
  // position modifiers
  ['contains', 'f|contains', 'mimi', 'xMIMIKATZ', true],
  ['contains, absent', 'f|contains', 'mimi', 'katz', false],
  ['startswith', 'f|startswith', 'C:\\Temp\\', 'c:\\temp\\a.exe', true],
  ['startswith, elsewhere', 'f|startswith', 'temp', 'c:\\temp', false],
  ['endswith', 'f|endswith', '.ps1', 'run.PS1', true],
  ['endswith, elsewhere', 'f|endswith', '.ps1', 'a.ps1.txt', false],
  ['contains with an inner wildcard', 'f|contains', "'a*c'", 'xxabbbcxx', true],
  ['contains with an inner wildcard, out of order', 'f|contains', "'a*c'", 'cxa', false],
  ['contains on a number field', 'f|contains', "'68'", 4688, true],
  // all
  ['contains|all: every value', 'f|contains|all', "['-nop', '-enc']", 'powershell -nop -enc AAA', true],
  ['contains|all: one missing', 'f|contains|all', "['-nop', '-enc']", 'powershell -nop', false],
  ['all with one value', 'f|contains|all', "['-nop']", 'x -nop', true],
  // cased
  ['cased: same case', 'f|cased', 'CmD', 'CmD', true],
  ['cased: other case', 'f|cased', 'CmD', 'cmd', false],
  ['contains|cased', 'f|contains|cased', 'Evil', 'anEvilThing', true],
  ['contains|cased, other case', 'f|contains|cased', 'Evil', 'anevilthing', false],
  // exists
  ['exists: true, present', 'f|exists', 'true', 'x', true],
  ['exists: true, present but empty', 'f|exists', 'true', '', true],
  ['exists: true, present but null', 'f|exists', 'true', null, true],
  ['exists: false, present', 'f|exists', 'false', 'x', false],
  // neq
  ['neq: another value', 'f|neq', 'admin', 'guest', true],
  ['neq: the value', 'f|neq', 'admin', 'ADMIN', false],
  ['neq: a list is none of them', 'f|neq', '[a, b]', 'b', false],
  ['neq: a list, neither', 'f|neq', '[a, b]', 'c', true],
  ['neq|contains', 'f|contains|neq', 'x', 'abc', true],
  ['neq on a number', 'f|neq', '4624', 4625, true],
  ['neq on a number, equal', 'f|neq', '4624', 4624, false],
  // windash
  ['windash: - as -', 'f|windash|contains', "' -enc '", 'ps -enc x', true],
  ['windash: - as /', 'f|windash|contains', "' -enc '", 'ps /enc x', true],
  ['windash: - as en dash', 'f|windash|contains', "' -enc '", 'ps \u2013enc x', true],
  ['windash: - as em dash', 'f|windash|contains', "' -enc '", 'ps \u2014enc x', true],
  ['windash: - as horizontal bar', 'f|windash|contains', "' -enc '", 'ps \u2015enc x', true],
  ['windash: not another character', 'f|windash|contains', "' -enc '", 'ps +enc x', false],
  ['windash: a dash inside a word stays', 'f|contains|windash', "'set-mp'", 'set/mp', false],
  ['windash: / as -', 'f|contains|windash', "' /c '", 'cmd -c x', true],
  ['windash: two flags', 'f|windash', "'-a -b'", '/a \u2013b', true],
  // re
  ['re: searches', 'f|re', "'\\d{3}-x'", 'id 123-x', true],
  ['re: case-sensitive', 'f|re', "'Evil'", 'evil', false],
  ['re|i', 'f|re|i', "'Evil'", 'EVIL', true],
  ['re: . does not cross a newline', 'f|re', "'a.b'", 'a\nb', false],
  ['re|s: . crosses a newline', 'f|re|s', "'a.b'", 'a\nb', true],
  ['re: ^ is the start of the text', 'f|re', "'^b'", 'a\nb', false],
  ['re|m: ^ is the start of a line', 'f|re|m', "'^b'", 'a\nb', true],
  ['re: $ before a final newline (PCRE)', 'f|re', "'a$'", 'xa\n', true],
  ['re: PCRE escapes of punctuation', 'f|re', '\'\\"q\\" \\: \\-x\'', '"q" : -x', true],
  ['re: a literal brace', 'f|re', "'\\{\\d\\}|x{'", 'ax{', true],
  ['re: (?i) at the start', 'f|re', "'(?i)evil'", 'EVIL', true],
  ['re: (?P<name>) groups', 'f|re', "'(?P<w>ab)(?P=w)'", 'abab', true],
  ['re: alternation', 'f|re', "'^(cmd|pwsh)\\.exe$'", 'pwsh.exe', true],
  ['re: on a number', 'f|re', "'^46\\d\\d$'", 4688, true],
  // encodings
  ['base64', 'f|base64', 'secret', b64('secret'), true],
  ['base64: another value', 'f|base64', 'secret', b64('secrets'), false],
  ['base64|contains', 'f|base64|contains', 'http://', `xx${b64('http://')}yy`, true],
  ['base64offset|contains at offset 0', 'f|base64offset|contains', 'IEX', b64('IEX (New-Object)'), true],
  ['base64offset|contains at offset 1', 'f|base64offset|contains', 'IEX', b64(' IEX (New-Object)'), true],
  ['base64offset|contains at offset 2', 'f|base64offset|contains', 'IEX', b64('  IEX (New-Object)'), true],
  ['base64offset|contains, absent', 'f|base64offset|contains', 'IEX', b64('Get-Process'), false],
  ['wide|base64offset|contains', 'f|wide|base64offset|contains', 'ping', b64('cmd /c ping x', 'utf16le'), true],
  ['utf16le|base64offset|contains', 'f|utf16le|base64offset|contains', 'ping', b64('xping', 'utf16le'), true],
  ['wide|base64offset|contains, UTF-8 text', 'f|wide|base64offset|contains', 'ping', b64('cmd /c ping x'), false],
  ['utf16be|base64', 'f|utf16be|base64', 'cmd', Buffer.from([0, 0x63, 0, 0x6d, 0, 0x64]).toString('base64'), true],
  ['utf16|base64 (with BOM)', 'f|utf16|base64', 'cmd', Buffer.from([0xff, 0xfe, 0x63, 0, 0x6d, 0, 0x64, 0]).toString('base64'), true],
  // comparisons
  ['lt', 'f|lt', '10', 9, true],
  ['lt, equal', 'f|lt', '10', 10, false],
  ['lte, equal', 'f|lte', '10', 10, true],
  ['gt', 'f|gt', '1024', 1025, true],
  ['gt, numeric text', 'f|gt', '1024', '8080', true],
  ['gt, less', 'f|gt', '1024', 80, false],
  ['gte, equal', 'f|gte', '1024', 1024, true],
  ['gt, not a number', 'f|gt', '1024', 'many', false],
  ['gte with a fraction', 'f|gte', '0.5', 0.75, true],
  // cidr
  ['cidr IPv4 inside', 'f|cidr', '10.0.0.0/8', '10.20.30.40', true],
  ['cidr IPv4 outside', 'f|cidr', '10.0.0.0/8', '11.0.0.1', false],
  ['cidr IPv4 /32', 'f|cidr', '192.168.1.5/32', '192.168.1.5', true],
  ['cidr IPv4 odd prefix', 'f|cidr', '172.16.0.0/12', '172.31.255.255', true],
  ['cidr IPv4 odd prefix, outside', 'f|cidr', '172.16.0.0/12', '172.32.0.0', false],
  ['cidr IPv4 list', 'f|cidr', "['10.0.0.0/8', '192.168.0.0/16']", '192.168.3.3', true],
  ['cidr IPv6 inside', 'f|cidr', "'2001:db8::/32'", '2001:db8:1::5', true],
  ['cidr IPv6 outside', 'f|cidr', "'2001:db8::/32'", '2001:db9::1', false],
  ['cidr IPv6 link-local with a zone', 'f|cidr', "'fe80::/10'", 'fe80::1%eth0', true],
  ['cidr IPv4-mapped IPv6 in an IPv4 range', 'f|cidr', '10.0.0.0/8', '::ffff:10.1.2.3', true],
  ['cidr IPv6 does not match IPv4', 'f|cidr', "'::/0'", '10.0.0.1', false],
  ['cidr not an address', 'f|cidr', '10.0.0.0/8', 'host-10', false],
  // expand without a placeholder
  ['expand with an escaped percent', 'f|expand', "'100\\%'", '100%', true],
];

describe('value modifiers', () => {
  it.each(rows)('%s: %s: %s against %j -> %s', (_, key, value, field, expected) => {
    expect(item(key, value, { f: field })).toBe(expected);
  });

  it.each([
    ['same values', 'alice', 'ALICE', true],
    ['different values', 'alice', 'bob', false],
  ])('fieldref: %s', (_, a, b, expected) => {
    expect(item('f|fieldref', 'g', { f: a, g: b })).toBe(expected);
    expect(item('f|fieldref|neq', 'g', { f: a, g: b })).toBe(!expected);
  });

  it('fieldref: cased, startswith, an absent reference', () => {
    expect(item('f|fieldref|cased', 'g', { f: 'Alice', g: 'alice' })).toBe(false);
    expect(item('f|fieldref|startswith', 'g', { f: 'alice@corp', g: 'ALICE' })).toBe(true);
    expect(item('f|fieldref', 'g', { f: 'alice' })).toBe(false);
    expect(item('f|fieldref', 'user.name', { f: 'alice', user: { name: 'alice' } })).toBe(true);
  });

  it('exists: false on an absent field', () => {
    expect(item('g|exists', 'false', { f: 1 })).toBe(true);
    expect(item('g|exists', 'true', { f: 1 })).toBe(false);
  });

  it('comparisons and cidr do not match an absent field', () => {
    expect(item('g|gt', '1', { f: 5 })).toBe(false);
    expect(item('g|cidr', '10.0.0.0/8', { f: '10.0.0.1' })).toBe(false);
  });

  it('neq matches an absent field (it is not the value)', () => {
    expect(item('g|neq', 'x', { f: 1 })).toBe(true);
  });
});

describe('base64offset', () => {
  it('gives the three forms pySigma and the Sigma spec describe', () => {
    expect(base64Offsets(Buffer.from('abc'))).toEqual(['YWJj', 'FiY', 'hYm']);
    expect(base64Offsets(Buffer.from('http://'))).toEqual(['aHR0cDovL', 'h0dHA6Ly', 'odHRwOi8v']);
  });

  it('each form is inside the base64 of the value at any position', () => {
    for (const prefix of ['', 'a', 'ab', 'abc', 'abcd']) {
      for (const suffix of ['', 'z', 'zz', 'zzz']) {
        const encoded = b64(`${prefix}sekurlsa${suffix}`);
        expect(
          base64Offsets(Buffer.from('sekurlsa')).some((form) => encoded.includes(form)),
          `${prefix}|${suffix}`,
        ).toBe(true);
      }
    }
  });
});
