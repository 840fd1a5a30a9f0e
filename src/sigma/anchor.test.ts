/**
 * The rule set skips rules by their anchors (a necessary condition indexed
 * by field, keyword searches too): a seeded differential test checks that, for random rules and
 * events built from the rules' own values, the rule set returns exactly the
 * rules whose own matches() (which runs every rule) says yes.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { Rng } from '../../test/fuzz/mutate.js';
import { FIXTURES } from '../../test/support/paths.js';
import { loadRuleSet, parseRules, ruleSet } from './index.js';
import type { SigmaRule } from './index.js';

const FIELDS = ['Image', 'CommandLine', 'ParentImage', 'User', 'a.b'];
const WORDS = ['cmd.exe', 'powershell', '-enc', '/c', 'evil', 'C:\\Temp\\', 'x?y', 'a*b', 'Admin', 'sh'];
const MODS = [
  '',
  '|contains',
  '|startswith',
  '|endswith',
  '|contains|all',
  '|windash|contains',
  '|cased',
  '|neq',
  '|re',
  '|contains|cased',
  '|base64offset|contains',
];

function randomItem(rng: Rng): string {
  const field = rng.pick(FIELDS);
  const mod = rng.pick(MODS);
  const values = Array.from({ length: 1 + rng.int(3) }, () => (mod === '|re' ? rng.pick(['^cmd', 'evil$', 'p.wer']) : rng.pick(WORDS)));
  return `${field}${mod}: [${values.map((v) => `'${v}'`).join(', ')}]`;
}

function randomRule(rng: Rng, i: number): string {
  const search = (name: string): string => {
    const r = rng.float();
    if (r < 0.2) return `  ${name}:\n    - {${randomItem(rng)}}\n    - {${randomItem(rng)}}\n`;
    if (r < 0.3) return `  ${name}:\n${Array.from({ length: 1 + rng.int(3) }, () => `    - '${rng.pick(WORDS)}'\n`).join('')}`;
    if (r < 0.35) return `  ${name}:\n    '|all':\n      - '${rng.pick(WORDS)}'\n      - '${rng.pick(WORDS)}'\n`;
    return `  ${name}:\n${Array.from({ length: 1 + rng.int(3) }, () => `    ${randomItem(rng)}\n`).join('')}`;
  };
  const condition = rng.pick(['sel', 'sel and not filter', 'sel or filter', '1 of them', 'all of them', 'not filter', 'sel and filter']);
  return `title: r${i}\nid: r${i}\nlogsource: {product: p}\ndetection:\n${search('sel')}${search('filter')}  condition: ${condition}\n`;
}

function randomEvent(rng: Rng): Record<string, unknown> {
  const value = (): string => {
    const parts = Array.from({ length: 1 + rng.int(3) }, () =>
      rng.pick([...WORDS, 'CMD.EXE', ' -enc ', ' /enc ', 'noise', 'Zm9vIGV2aWwgYmFy']),
    );
    return parts.join(rng.pick(['', ' ', '\\']));
  };
  const event: Record<string, unknown> = {};
  for (const f of FIELDS) {
    if (!rng.chance(0.7)) continue;
    if (f === 'a.b') event['a'] = { b: value() };
    else event[f] = rng.chance(0.1) ? [value(), value()] : value();
  }
  return event;
}

describe('the rule set and its anchors', () => {
  it('returns exactly the rules that match, over 400 random rules and 3000 random events', () => {
    const rng = new Rng(0xa2c405);
    const text = Array.from({ length: 400 }, (_, i) => randomRule(rng, i)).join('---\n');
    // Some generated rules are refused (base64 of a wildcard, a repeated key): the rest are plenty.
    const { rules } = parseRules(text, 'random.yml');
    expect(rules.length).toBeGreaterThan(300);
    const set = ruleSet(rules as never, []);
    let matched = 0;
    for (let k = 0; k < 3000; k++) {
      const event = randomEvent(rng);
      const expected = rules.filter((r: SigmaRule) => r.matches(event, { product: 'p' })).map((r) => r.id);
      matched += expected.length;
      expect(
        set.match(event, { product: 'P' }).map((r) => r.id),
        JSON.stringify(event),
      ).toEqual(expected);
    }
    expect(matched).toBeGreaterThan(3000);
  });
});

describe('the rule set over the SigmaHQ sample', () => {
  it('returns exactly the rules that match for the sample events and 5000 recombinations of their fields', async () => {
    const set = await loadRuleSet([join(FIXTURES, 'sigma/sigmahq'), join(FIXTURES, 'sigma/tandem')]);
    const lines = readFileSync(join(FIXTURES, 'sigma/events.jsonl'), 'utf8')
      .split('\n')
      .filter((l) => l.trim() !== '')
      .map((l) => JSON.parse(l) as { logsource: Record<string, string>; event: Record<string, unknown> });
    const check = (event: Record<string, unknown>, logsource: Record<string, string>): number => {
      const expected = set.rules.filter((r) => r.matches(event, logsource)).map((r) => r.id);
      expect(
        set.match(event, logsource).map((r) => r.id),
        JSON.stringify({ logsource, event }),
      ).toEqual(expected);
      return expected.length;
    };
    let matched = 0;
    for (const { event, logsource } of lines) matched += check(event, logsource);
    // Events of one logsource with their fields swapped between them: near misses and new hits.
    const rng = new Rng(0x51c3a);
    for (let k = 0; k < 5000; k++) {
      const a = rng.pick(lines);
      const peers = lines.filter((l) => JSON.stringify(l.logsource) === JSON.stringify(a.logsource));
      const event: Record<string, unknown> = { ...a.event };
      for (const key of Object.keys(event)) if (rng.chance(0.3)) event[key] = rng.pick(peers).event[key] ?? event[key];
      matched += check(event, a.logsource);
    }
    expect(matched).toBeGreaterThan(100);
  });
});
