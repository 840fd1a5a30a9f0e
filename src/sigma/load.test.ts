/**
 * Loading a deployment's rules from files and folders, and the rule set:
 * folders read recursively in name order, non-YAML files skipped, an
 * unreadable path and a duplicate id refused, matches in rule order and
 * only among the rules of the event's logsource.
 */
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { formatRefusal, loadRuleSet } from './index.js';

const dir = mkdtempSync(join(tmpdir(), 'tandem-sigma-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const rule = (id: string, logsource: string, field: string, value: string): string =>
  `title: ${id}\nid: ${id}\nlogsource: ${logsource}\ndetection:\n  sel:\n    ${field}: '${value}'\n  condition: sel\n`;

function write(path: string, text: string): string {
  const full = join(dir, path);
  mkdirSync(join(full, '..'), { recursive: true });
  writeFileSync(full, text);
  return full;
}

describe('loadRuleSet', () => {
  const b = write('rules/b.yml', rule('b-shell', '{product: linux, category: process_creation}', 'Image|endswith', '/sh'));
  write('rules/a/a.yaml', rule('a-shell', '{product: linux}', 'Image|contains', 'sh'));
  write('rules/README.md', 'not a rule');
  write('rules/c.yml', rule('c-win', '{product: windows}', 'Image|endswith', '\\cmd.exe'));
  write('rules/d.yml', `${rule('b-shell', '{product: linux}', 'x', 'y')}---\n${rule('d-bad', '{product: linux}', 'x|bogus', 'y')}`);

  it('reads folders recursively in name order, skips other files, refuses duplicates and broken rules', async () => {
    const set = await loadRuleSet([join(dir, 'rules')]);
    expect(set.rules.map((r) => r.id)).toEqual(['a-shell', 'b-shell', 'c-win']);
    expect(set.refusals.map(formatRefusal)).toEqual([
      `${join(dir, 'rules/d.yml')}:14:5: unknown modifier "bogus" in "x|bogus"`,
      `${join(dir, 'rules/d.yml')}:1:1: duplicate rule id b-shell (first in ${b}:1:1)`,
    ]);
  });

  it('matches in rule order, only rules of the event logsource', async () => {
    const set = await loadRuleSet([join(dir, 'rules')]);
    const shell = { Image: '/bin/sh' };
    expect(set.match(shell, { product: 'linux', category: 'process_creation' }).map((r) => r.id)).toEqual(['a-shell', 'b-shell']);
    expect(set.match(shell, { product: 'Linux' }).map((r) => r.id)).toEqual(['a-shell']);
    expect(set.match(shell, { product: 'windows' }).map((r) => r.id)).toEqual([]);
    expect(set.match({ Image: 'C:\\Windows\\System32\\CMD.EXE' }, { product: 'windows' }).map((r) => r.id)).toEqual(['c-win']);
    // The same answers again (the per-logsource selection is remembered).
    expect(set.match(shell, { product: 'linux', category: 'process_creation' }).map((r) => r.id)).toEqual(['a-shell', 'b-shell']);
  });

  it('keeps the documents of one rule collection, which share the global id', async () => {
    const file = write(
      'collection/godmode.yml',
      `action: global\ntitle: g\nid: g-1\ndetection:\n  condition: sel\n---\nlogsource: {product: linux}\ndetection:\n  sel: {a: x}\n---\nlogsource: {product: windows}\ndetection:\n  sel: {b: y}\n`,
    );
    const set = await loadRuleSet([file]);
    expect(set.refusals).toEqual([]);
    expect(set.rules.map((r) => [r.id, r.logsource.product])).toEqual([
      ['g-1', 'linux'],
      ['g-1', 'windows'],
    ]);
    expect(set.match({ b: 'Y' }, { product: 'windows' }).map((r) => r.logsource.product)).toEqual(['windows']);
  });

  it('takes single files and refuses a path that does not exist', async () => {
    const set = await loadRuleSet([b, join(dir, 'missing.yml')]);
    expect(set.rules.map((r) => r.id)).toEqual(['b-shell']);
    expect(set.refusals.map(formatRefusal)).toEqual([`${join(dir, 'missing.yml')}:1:1: cannot read: no such file or folder`]);
  });
});
