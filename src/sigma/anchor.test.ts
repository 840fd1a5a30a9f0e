/**
 * The rule set skips rules by their anchors (a necessary condition indexed
 * by field, keyword searches too): a seeded differential test checks that, for random rules and
 * events built from the rules' own values, the rule set returns exactly the
 * rules whose own matches() (which runs every rule) says yes.
 */
import { describe, expect, it } from 'vitest';
import { Rng } from '../../test/fuzz/mutate.js';
import { parseRules, ruleSet } from './index.js';
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
