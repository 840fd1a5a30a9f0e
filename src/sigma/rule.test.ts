/**
 * Rule files: metadata and defaults, the logsource pre-filter, rule
 * collections, dotted fields, null against empty, keyword searches, and
 * every refusal with its file:line:col.
 */
import { describe, expect, it } from 'vitest';
import { formatRefusal, parseRules } from './index.js';

const WEBSHELL = `title: Webshell spawns a shell
id: 9f2c0e2a-1111-4c6e-8a4e-2b1f0c3d4e5f
level: high
description: A web server process starts a shell.
tags: [attack.persistence, attack.t1505.003]
fields: [host, user]
logsource:
    product: linux
    category: process_creation
detection:
    selection:
        ParentImage|endswith: ['/httpd', '/nginx']
        Image|endswith: ['/sh', '/bash']
    condition: selection
`;

const event = { ParentImage: '/usr/sbin/nginx', Image: '/bin/bash', host: 'web-1' };
const linux = { product: 'linux', category: 'process_creation' };

describe('a rule file', () => {
  it('reads the metadata and matches an event of its logsource', () => {
    const { rules, refusals } = parseRules(WEBSHELL, '/rules/webshell.yml');
    expect(refusals).toEqual([]);
    const [rule] = rules;
    expect(rule).toMatchObject({
      id: '9f2c0e2a-1111-4c6e-8a4e-2b1f0c3d4e5f',
      title: 'Webshell spawns a shell',
      level: 'high',
      tags: ['attack.persistence', 'attack.t1505.003'],
      fields: ['host', 'user'],
      logsource: { product: 'linux', category: 'process_creation' },
      file: '/rules/webshell.yml',
      description: 'A web server process starts a shell.',
    });
    expect(rule?.matches(event, linux)).toBe(true);
    expect(rule?.matches({ ...event, Image: '/bin/ls' }, linux)).toBe(false);
  });

  it.each([
    ['the same logsource', { product: 'linux', category: 'process_creation' }, true],
    ['case differs', { product: 'Linux', category: 'PROCESS_CREATION' }, true],
    ['an extra service on the event', { product: 'linux', category: 'process_creation', service: 'auditd' }, true],
    ['another product', { product: 'windows', category: 'process_creation' }, false],
    ['no category on the event', { product: 'linux' }, false],
    ['no logsource at all', {}, false],
  ])('logsource pre-filter: %s -> %s', (_, logsource, expected) => {
    const [rule] = parseRules(WEBSHELL, 'w.yml').rules;
    expect(rule?.matches(event, logsource)).toBe(expected);
  });

  it('a rule whose logsource names none of product, category, service matches any logsource', () => {
    const text = WEBSHELL.replace(/logsource:\n(    .*\n)+/, 'logsource:\n    definition: anything\n');
    const [rule] = parseRules(text, 'w.yml').rules;
    expect(rule?.matches(event, {})).toBe(true);
    expect(rule?.matches(event, { product: 'windows' })).toBe(true);
  });

  it('defaults: level medium, no tags or fields, id from the file name and position', () => {
    const text = `title: t\nlogsource: {product: linux}\ndetection:\n  sel: {a: 1}\n  condition: sel\n`;
    const { rules } = parseRules(`${text}---\n${text}`, '/x/two.yml');
    expect(rules.map((r) => [r.id, r.level, r.tags, r.fields])).toEqual([
      ['two.yml#1', 'medium', [], []],
      ['two.yml#2', 'medium', [], []],
    ]);
  });

  it('rule collections: action global is merged into each rule, repeat builds on the previous, reset clears', () => {
    const text = `action: global
title: Shells
logsource: {product: linux}
detection:
  condition: selection
---
id: r1
detection:
  selection: {Image: /bin/sh}
---
action: repeat
id: r2
detection:
  selection: {Image: /bin/bash}
---
action: reset
---
id: r3
title: Alone
logsource: {product: linux}
detection:
  s: {Image: /bin/zsh}
  condition: s
`;
    const { rules, refusals } = parseRules(text, 'c.yml');
    expect(refusals).toEqual([]);
    expect(rules.map((r) => [r.id, r.title])).toEqual([
      ['r1', 'Shells'],
      ['r2', 'Shells'],
      ['r3', 'Alone'],
    ]);
    const hits = (image: string) => rules.filter((r) => r.matches({ Image: image }, { product: 'linux' })).map((r) => r.id);
    expect(hits('/bin/sh')).toEqual(['r1']);
    expect(hits('/bin/bash')).toEqual(['r2']);
    expect(hits('/bin/zsh')).toEqual(['r3']);
  });
});

const rule = (detection: string): string => `title: t\nid: r\nlogsource: {product: p}\ndetection:\n${detection}`;
const matches = (detection: string, ev: Record<string, unknown>): boolean => {
  const { rules, refusals } = parseRules(rule(detection), 'r.yml');
  expect(refusals.map(formatRefusal)).toEqual([]);
  return rules[0]?.matches(ev, { product: 'p' }) ?? false;
};

describe('fields and values', () => {
  it.each([
    ['a dotted name reaches nested objects', 'user.name: alice', { user: { name: 'Alice' } }, true],
    ['a literal dotted key is read first', 'user.name: alice', { 'user.name': 'alice', user: { name: 'bob' } }, true],
    ['a dotted name through a list', 'proc.args: -enc', { proc: [{ args: 'x' }, { args: '-enc' }] }, true],
    ['mixed literal and nested', 'a.b.c: x', { a: { 'b.c': 'x' } }, true],
    ['a list field matches when any element does', 'tags: admin', { tags: ['user', 'admin'] }, true],
    ['null: the field absent', 'f: null', {}, true],
    ['null: the field null', 'f: null', { f: null }, true],
    ['null: not the empty string', 'f: null', { f: '' }, false],
    ["empty '' matches the empty string", "f: ''", { f: '' }, true],
    ["empty '' does not match an absent field", "f: ''", {}, false],
    ["empty '' does not match null", "f: ''", { f: null }, false],
    ['a number matches the number', 'EventID: 4688', { EventID: 4688 }, true],
    ['a number matches its text', 'EventID: 4688', { EventID: '4688' }, true],
    ['a number does not match another', 'EventID: 4688', { EventID: 4689 }, false],
    ['a hex number matches as written', 'Opt: 0x40810000', { Opt: '0x40810000' }, true],
    ['a quoted number matches the number', "EventID: '4688'", { EventID: 4688 }, true],
    ['a boolean matches the boolean', 'ok: true', { ok: true }, true],
    ['a boolean matches its text', 'ok: true', { ok: 'True' }, true],
    ['a boolean does not match the other', 'ok: true', { ok: false }, false],
    ['values are case-insensitive', 'Image: C:\\Windows\\CMD.exe', { Image: 'c:\\windows\\cmd.EXE' }, true],
    ['a map is AND: one item missing', 'a: 1\n    b: 2', { a: 1 }, false],
    ['a map is AND: both', 'a: 1\n    b: 2', { a: 1, b: 2 }, true],
    ['a list is OR', 'a: [x, y]', { a: 'y' }, true],
    ['a prototype key is no field', 'toString: x', {}, false],
  ])('%s', (_, item, ev, expected) => {
    expect(matches(`  sel:\n    ${item}\n  condition: sel\n`, ev)).toBe(expected);
  });

  it.each([
    ['a keyword matches inside any string value', ['mimikatz'], { msg: 'ran Mimikatz.exe' }, true],
    ['a keyword reaches nested values', ['mimikatz'], { a: { b: ['x', 'sekurlsa mimikatz'] } }, true],
    ['keywords are OR', ['foo', 'bar'], { msg: 'bar' }, true],
    ['a keyword not present', ['mimikatz'], { msg: 'clean' }, false],
    ['a keyword matches a number value', ['4688'], { id: 4688 }, true],
    ['a number keyword is found inside a text', [4688], { msg: 'event 4688 logged' }, true],
    ['a number keyword, absent', [4688], { msg: 'event 4689' }, false],
    ['keys are not searched', ['mimikatz'], { mimikatz: 'no' }, false],
  ])('keywords: %s', (_, words, ev, expected) => {
    const list = words.map((w) => (typeof w === 'number' ? `    - ${w}` : `    - '${w}'`)).join('\n');
    expect(matches(`  keywords:\n${list}\n  condition: keywords\n`, ev)).toBe(expected);
  });

  it('keywords with |all must all appear', () => {
    const d = `  keywords:\n    '|all':\n      - OabVirtualDirectory\n      - ' -ExternalUrl '\n  condition: keywords\n`;
    expect(matches(d, { cmd: 'Set-OabVirtualDirectory -ExternalUrl http://x' })).toBe(true);
    expect(matches(d, { cmd: 'Set-OabVirtualDirectory' })).toBe(false);
  });

  it('a list of maps is OR of ANDs', () => {
    const d = `  sel:\n    - {a: 1, b: 2}\n    - {c: 3}\n  condition: sel\n`;
    expect(matches(d, { a: 1, b: 2 })).toBe(true);
    expect(matches(d, { c: 3 })).toBe(true);
    expect(matches(d, { a: 1, c: 4 })).toBe(false);
  });
});

describe('refusals', () => {
  const refuse = (text: string): string[] => {
    const { rules, refusals } = parseRules(text, 'bad.yml');
    expect(rules).toEqual([]);
    return refusals.map(formatRefusal);
  };
  it.each([
    ['an unknown modifier', '  sel:\n    Image|sortof: x\n  condition: sel\n', 'bad.yml:6:5: unknown modifier "sortof" in "Image|sortof"'],
    ['a bad regex', '  sel:\n    Image|re: "a(b"\n  condition: sel\n', 'bad.yml:6:15: regular expression /a(b/ cannot be matched exactly'],
    [
      'expand with a placeholder',
      '  sel:\n    User|expand: "%Admins%"\n  condition: sel\n',
      'bad.yml:6:18: the placeholder %Admins% is not defined',
    ],
    ['an aggregation', '  sel: {a: 1}\n  condition: sel | count() by b > 5\n', 'bad.yml:6:18: aggregation conditions'],
    [
      'timeframe',
      '  sel: {a: 1}\n  timeframe: 5m\n  condition: sel\n',
      'bad.yml:6:3: "timeframe" (correlation over time) is not supported',
    ],
    [
      'an undefined selection',
      '  sel: {a: 1}\n  condition: sel and filter\n',
      'bad.yml:6:22: the condition names "filter", which the detection does not define',
    ],
    [
      'a malformed condition',
      '  sel: {a: 1}\n  condition: sel and\n',
      'bad.yml:6:21: the condition ends where a search identifier was expected',
    ],
    ['unbalanced parentheses', "  sel: {a: 1}\n  condition: '(sel'\n", 'bad.yml:6:19: expected ")" at the end'],
    ['a pattern that names nothing', '  sel: {a: 1}\n  condition: 1 of filter*\n', 'bad.yml:6:19: "filter*" matches no search identifier'],
    ['2 of', '  sel: {a: 1}\n  condition: 2 of sel*\n', 'bad.yml:6:14: "2 of" is not Sigma'],
    ['null in a list', '  sel:\n    a: [x, null]\n  condition: sel\n', 'bad.yml:6:12: null cannot be part of a list of values'],
    ['base64 of a wildcard', "  sel:\n    a|base64: 'ab*'\n  condition: sel\n", 'bad.yml:6:15: base64 encoding of a value with wildcards'],
    [
      'wide without base64',
      '  sel:\n    a|wide|contains: x\n  condition: sel\n',
      'bad.yml:6:5: "utf16le" must be followed by base64 or base64offset',
    ],
    ['contains with re', '  sel:\n    a|re|contains: x\n  condition: sel\n', 'bad.yml:6:5: "re" takes only the i, m and s flags'],
    ['a flag without re', '  sel:\n    a|contains|i: x\n  condition: sel\n', 'bad.yml:6:5: the i, m and s flags belong after "re"'],
    ['exists with a text', '  sel:\n    a|exists: yes\n  condition: sel\n', 'bad.yml:6:15: "exists" takes true or false'],
    ['gt with a text', "  sel:\n    a|gt: '5'\n  condition: sel\n", 'bad.yml:6:11: "gt" compares numbers'],
    [
      'a bad CIDR',
      '  sel:\n    ip|cidr: 10.0.0.0/33\n  condition: sel\n',
      'bad.yml:6:14: "10.0.0.0/33": the prefix length must be 0 to 32',
    ],
    ['a CIDR with host bits', '  sel:\n    ip|cidr: 10.0.0.1/8\n  condition: sel\n', 'bad.yml:6:14: "10.0.0.1/8" has host bits set'],
    ['a time modifier', '  sel:\n    ts|hour: 3\n  condition: sel\n', 'bad.yml:6:5: the time modifier "hour" is not supported'],
    ['contains twice', '  sel:\n    a|contains|contains: x\n  condition: sel\n', 'bad.yml:6:5: modifier "contains" given twice'],
    ['a map as a value', '  sel:\n    a: {b: 1}\n  condition: sel\n', 'bad.yml:6:8: "a" has a map as its value'],
    ['maps mixed with values', '  sel:\n    - a\n    - {b: 1}\n  condition: sel\n', 'bad.yml:6:5: "sel" mixes maps and plain values'],
    ['no condition', '  sel: {a: 1}\n', 'bad.yml:4:1: the detection has no condition'],
    [
      'a broken search the condition skips',
      '  sel: {a: 1}\n  other:\n    b|nope: 1\n  condition: sel\n',
      'bad.yml:7:5: unknown modifier "nope"',
    ],
  ])('%s', (_, detection, expected) => {
    const [line] = refuse(rule(detection));
    expect(line?.startsWith(expected), line).toBe(true);
  });

  it.each([
    ['no title', 'id: x\nlogsource: {product: p}\ndetection: {s: {a: 1}, condition: s}\n', 'bad.yml:1:1: the rule has no title'],
    ['no logsource', 'title: t\ndetection: {s: {a: 1}, condition: s}\n', 'bad.yml:1:1: the rule has no logsource'],
    ['no detection', 'title: t\nlogsource: {product: p}\n', 'bad.yml:1:1: the rule has no detection'],
    [
      'an unknown level',
      'title: t\nlevel: severe\nlogsource: {product: p}\ndetection: {s: {a: 1}, condition: s}\n',
      'bad.yml:2:8: unknown level "severe"',
    ],
    ['a correlation rule', 'title: t\ncorrelation: {type: event_count}\n', 'bad.yml:2:1: correlation rules are not supported'],
    ['YAML syntax', 'title: [t\n', 'bad.yml:'],
    ['an unknown collection action', 'action: again\ntitle: t\n', 'bad.yml:1:9: unknown collection action'],
  ])('a rule with %s', (_, text, expected) => {
    const [line] = refuse(text);
    expect(line?.startsWith(expected), line).toBe(true);
  });

  it('refuses one rule of a file and keeps the others', () => {
    const good = rule('  s: {a: 1}\n  condition: s\n');
    const { rules, refusals } = parseRules(
      `${good}---\n${rule('  s: {a|nope: 1}\n  condition: s\n')}---\n${good.replace('id: r', 'id: r2')}`,
      'f.yml',
    );
    expect(rules.map((r) => r.id)).toEqual(['r', 'r2']);
    expect(refusals.map(formatRefusal)).toEqual(['f.yml:12:7: unknown modifier "nope" in "a|nope"']);
  });
});
