/**
 * The building blocks in tables: wildcard and escape reading, windash
 * positions, the shapes a value compiles to; the PCRE-to-JavaScript regex
 * translation (what it rewrites, what it refuses); IP addresses and CIDR
 * ranges, IPv4 and IPv6.
 */
import { describe, expect, it } from 'vitest';
import { cidrContains, parseAddress, parseCidr } from './ip.js';
import { Wildcard, compileSegments, parseWildcards, surround, windash } from './pattern.js';
import { compileRegex } from './regex.js';

const { Any, One, Dash } = Wildcard;

describe('wildcards and escapes', () => {
  it.each([
    ['plain', 'abc', ['abc']],
    ['star', 'a*c', ['a', Any, 'c']],
    ['question mark', 'a?c', ['a', One, 'c']],
    ['escaped star', 'a\\*c', ['a*c']],
    ['escaped question mark', 'a\\?c', ['a?c']],
    ['escaped backslash', 'a\\\\c', ['a\\c']],
    ['lone backslash', 'C:\\Windows', ['C:\\Windows']],
    ['backslash then wildcard', 'dir\\\\*', ['dir\\', Any]],
    ['backslash and plain star', 'dir\\\\\\*', ['dir\\*']],
    ['four backslashes are two', 'a\\\\\\\\b', ['a\\\\b']],
    ['trailing backslash', 'a\\', ['a\\']],
    ['empty', '', []],
  ])('%s: %j', (_, text, segments) => {
    expect(parseWildcards(text)).toEqual(segments);
  });

  it.each([
    ['a flag dash', ' -enc', [' ', Dash, 'enc']],
    ['a flag slash', '/c', [Dash, 'c']],
    ['a dash inside a word', 'set-mp', ['set-mp']],
    ['a dash before a space', 'a - b', ['a - b']],
    ['two flags', '-a -b', [Dash, 'a ', Dash, 'b']],
  ])('windash: %s', (_, text, segments) => {
    expect(windash(parseWildcards(text))).toEqual(segments);
  });

  it.each([
    ['equality', ['abc'], 'abc', true],
    ['equality, longer', ['abc'], 'abcd', false],
    ['prefix', ['ab', Any], 'abz', true],
    ['suffix', [Any, 'bc'], 'zbc', true],
    ['substring', [Any, 'b', Any], 'abc', true],
    ['anything', [Any], '', true],
    ['nothing but the empty text', [], '', true],
    ['regex characters stay literal', [Any, 'a.c', Any], 'xabcx', false],
    ['inner wildcards', ['a', Any, 'c', One], 'abbbcd', true],
    ['inner wildcards, one too many', ['a', Any, 'c', One], 'abbbcde', false],
    ['a dash class', [Any, Dash, 'c', Any], 'x \u2014c', true],
  ])('compiled shape: %s', (_, segments, text, expected) => {
    expect(compileSegments(segments, false)(text)).toBe(expected);
  });

  it('surround adds a star only where there is none', () => {
    expect(surround([Any, 'a'], true, true)).toEqual([Any, 'a', Any]);
    expect(surround(['a'], false, true)).toEqual(['a', Any]);
  });

  it('a cased value compares as written; an uncased one lower-cases the pattern (texts arrive lower-cased)', () => {
    expect(compileSegments(['ABC'], true)('ABC')).toBe(true);
    expect(compileSegments(['ABC'], true)('abc')).toBe(false);
    expect(compileSegments(['ABC'], false)('abc')).toBe(true);
  });
});

describe('regular expressions (PCRE read as JavaScript)', () => {
  const flags = { i: false, m: false, s: false };
  it.each([
    ['\\d+', 'a12', true],
    ['\\"x\\"', '"x"', true],
    ['a\\:b\\-c\\ d', 'a:b-c d', true],
    ['[\\-a]+', '-a-', true],
    ['[]a]', ']', true],
    ['[^]a]', 'b', true],
    ['x{', 'x{', true],
    ['x{2}', 'xx', true],
    ['x{2,}', 'xxx', true],
    ['x{,2}', 'x{,2}', true],
    ['a}', 'a}', true],
    ['a]', 'a]', true],
    ['(?i)abc', 'ABC', true],
    ['(?s)a.b', 'a\nb', true],
    ['(?P<n>a)(?P=n)', 'aa', true],
    ['a.b', 'a\nb', false],
    ['a.b', 'a\rb', true],
    ['end$', 'the end\n', true],
    ['end$', 'end\nmore', false],
    ['\\/path', '/path', true],
  ])('/%s/ on %j -> %s', (source, text, expected) => {
    expect(compileRegex(source, flags).test(text)).toBe(expected);
  });

  it.each([
    ['an unclosed group', 'a(b'],
    ['an unclosed class', '[ab'],
    ['a trailing backslash', 'ab\\'],
    ['\\A (PCRE only)', '\\Aabc'],
    ['\\Z (PCRE only)', 'abc\\Z'],
    ['a possessive quantifier', 'a++'],
    ['an atomic group', '(?>ab)'],
    ['an inline flag inside', 'a(?i)b'],
    ['a comment group', 'a(?#note)'],
  ])('refuses %s', (_, source) => {
    expect(() => compileRegex(source, flags)).toThrow(SyntaxError);
  });

  it('the i, m and s flags', () => {
    expect(compileRegex('abc', { i: true, m: false, s: false }).test('ABC')).toBe(true);
    expect(compileRegex('^b$', { i: false, m: true, s: false }).test('a\nb\nc')).toBe(true);
    expect(compileRegex('a.b', { i: false, m: false, s: true }).test('a\nb')).toBe(true);
  });
});

describe('IP addresses and CIDR ranges', () => {
  it.each([
    ['10.1.2.3', [10, 1, 2, 3]],
    ['::1', [...new Array<number>(15).fill(0), 1]],
    ['2001:db8::8:1', [0x20, 0x01, 0x0d, 0xb8, 0, 0, 0, 0, 0, 0, 0, 0, 0, 8, 0, 1]],
    ['::ffff:10.0.0.1', [0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff, 10, 0, 0, 1]],
    ['fe80::1%eth0', [0xfe, 0x80, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1]],
  ])('parses %s', (text, bytes) => {
    expect([...(parseAddress(text) ?? [])]).toEqual(bytes);
  });

  it.each(['10.1.2', '10.1.2.256', 'host', '1:2:3', '', '10.0.0.1/8'])('%j is no address', (text) => {
    expect(parseAddress(text)).toBeUndefined();
  });

  it.each([
    ['10.0.0.0/8', '10.255.0.1', true],
    ['10.0.0.0/8', '9.255.255.255', false],
    ['0.0.0.0/0', '203.0.113.9', true],
    ['192.168.1.128/25', '192.168.1.200', true],
    ['192.168.1.128/25', '192.168.1.127', false],
    ['203.0.113.7', '203.0.113.7', true],
    ['2001:db8::/32', '2001:0db8:ffff::1', true],
    ['2001:db8::/33', '2001:db8:8000::1', false],
    ['::/0', '::ffff:1.2.3.4', true],
    ['10.0.0.0/8', '::ffff:10.9.9.9', true],
    ['10.0.0.0/8', '::10.9.9.9', false],
  ])('%s contains %s: %s', (range, address, expected) => {
    const a = parseAddress(address);
    expect(a).toBeDefined();
    expect(cidrContains(parseCidr(range), a ?? new Uint8Array())).toBe(expected);
  });

  it.each([
    ['10.0.0.0/33', 'the prefix length must be 0 to 32'],
    ['2001:db8::/129', 'the prefix length must be 0 to 128'],
    ['10.0.0.0/x', 'the prefix length must be 0 to 32'],
    ['10.0.0.1/8', 'has host bits set'],
    ['10.0.0.0/8/1', 'is not an IPv4 or IPv6 CIDR range'],
    ['ten/8', 'is not an IPv4 or IPv6 CIDR range'],
  ])('refuses %s', (text, reason) => {
    expect(() => parseCidr(text)).toThrow(reason);
  });
});
