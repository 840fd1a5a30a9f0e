/**
 * CEF lines as fields: the header's seven fields with their escapes, the
 * extension's pairs with theirs, and the lines that are not CEF, as tables.
 */
import { describe, expect, it } from 'vitest';
import { parseCef, parseExtension } from './cef.js';

describe('parseCef', () => {
  it.each([
    [
      'a plain line (the CEF guide example)',
      'CEF:0|Security|threatmanager|1.0|100|worm successfully stopped|10|src=10.0.0.1 dst=2.1.2.2 spt=1232',
      {
        CEFVersion: '0',
        DeviceVendor: 'Security',
        DeviceProduct: 'threatmanager',
        DeviceVersion: '1.0',
        DeviceEventClassID: '100',
        Name: 'worm successfully stopped',
        Severity: '10',
        src: '10.0.0.1',
        dst: '2.1.2.2',
        spt: '1232',
      },
    ],
    [
      'escaped pipe and backslash in the header',
      'CEF:0|security|threat\\|manager|1.0|100|detected a \\\\ in packet|10|',
      { DeviceProduct: 'threat|manager', Name: 'detected a \\ in packet' },
    ],
    [
      'a value with spaces runs to the next key',
      'CEF:0|Acme|EDR|2.1|webshell|Web shell spawned a shell|9|dhost=web-01 suser=www-data msg=w3wp.exe started cmd.exe /c whoami act=blocked',
      { dhost: 'web-01', suser: 'www-data', msg: 'w3wp.exe started cmd.exe /c whoami', act: 'blocked' },
    ],
    [
      'escaped equals, backslash and newline in a value',
      'CEF:0|V|P|1|1|N|5|msg=a\\=b c\\\\d\\nnext cs1Label=x',
      { msg: 'a=b c\\d\nnext', cs1Label: 'x' },
    ],
    [
      'an = inside a URL value stays in the value',
      'CEF:0|V|P|1|1|N|5|request=http://x/?a=b&c=d src=1.2.3.4',
      { request: 'http://x/?a=b&c=d', src: '1.2.3.4' },
    ],
    ['a pipe in the extension is a character', 'CEF:0|V|P|1|1|N|5|msg=a|b', { msg: 'a|b' }],
    ['no extension', 'CEF:1|V|P|1|1|N|Low|', { CEFVersion: '1', Severity: 'Low' }],
    ['a __proto__ key stays a plain field', 'CEF:0|V|P|1|1|N|5|__proto__=x', { ['__proto__']: 'x' }],
  ])('%s', (_name, line, expected) => {
    const r = parseCef(line);
    expect(r.ok).toBe(true);
    if (!r.ok) return;
    for (const [k, v] of Object.entries(expected)) expect(Object.getOwnPropertyDescriptor(r.fields, k)?.value).toEqual(v);
    expect(Object.getPrototypeOf(r.fields)).toBe(Object.prototype);
  });

  it.each([
    ['not CEF', 'LEEF:1.0|V|P|1|1|', 'not CEF'],
    ['too few header fields', 'CEF:0|Security|threatmanager|1.0|100', 'CEF header has 5 of 8 fields'],
    ['a version that is not a number', 'CEF:x|V|P|1|1|N|5|', 'CEF version "x" is not a number'],
    ['an extension without a pair', 'CEF:0|V|P|1|1|N|5|just words', 'has no key=value pair'],
    ['an extension that does not start with a key', 'CEF:0|V|P|1|1|N|5|oops src=1.2.3.4', 'CEF extension starts with "oops "'],
    ['a key that is not a key', 'CEF:0|V|P|1|1|N|5|a/b=1', 'is not a key'],
  ])('refuses %s', (_name, line, error) => {
    const r = parseCef(line);
    expect(r.ok).toBe(false);
    if (!r.ok) expect(r.error).toContain(error);
  });
});

describe('parseExtension', () => {
  it('trailing spaces end a value; leading spaces are skipped', () => {
    expect(parseExtension('  a=1   b=two words  ')).toEqual({ ok: true, fields: { a: '1', b: 'two words' } });
  });
  it('an empty extension has no fields', () => {
    expect(parseExtension('')).toEqual({ ok: true, fields: {} });
  });
});
