/**
 * Conditions: each form and the spec's precedence in tables, the errors
 * with their offsets, and a property test: random condition trees, printed
 * with only the parentheses precedence needs (and some spare ones), parsed
 * and compiled, agree with a direct evaluation of the tree for random truth
 * values of the selections (seeded, so a failure repeats).
 */
import { describe, expect, it } from 'vitest';
import { Rng } from '../../test/fuzz/mutate.js';
import { ConditionError, compileCondition, parseCondition, selectIdentifiers } from './condition.js';
import { parseRules } from './index.js';

const IDS = ['sel1', 'sel2', 'sel_a', 'filter1', 'filter2', '_hidden', 'keywords'];

/** Evaluates a condition text with the named identifiers true and the others false. */
function evaluate(text: string, trueIds: readonly string[]): boolean {
  const truth = new Set(trueIds);
  const predicates = new Map(IDS.map((id) => [id, (t: ReadonlySet<string>) => t.has(id)]));
  return compileCondition(parseCondition(text, IDS), predicates)(truth);
}

describe('condition forms', () => {
  it.each([
    ['sel1', ['sel1'], true],
    ['sel1 and sel2', ['sel1'], false],
    ['sel1 or sel2', ['sel2'], true],
    ['not sel1', [], true],
    ['not sel1', ['sel1'], false],
    // not binds tighter than and, and tighter than or
    ['not sel1 and sel2', ['sel2'], true],
    ['not sel1 and sel2', ['sel1', 'sel2'], false],
    ['sel1 or sel2 and filter1', ['sel1'], true],
    ['sel1 or sel2 and filter1', ['sel2'], false],
    ['sel1 and sel2 or filter1', ['filter1'], true],
    ['(sel1 or sel2) and filter1', ['sel1'], false],
    ['not (sel1 or sel2)', ['sel2'], false],
    ['not not sel1', ['sel1'], true],
    // x of
    ['1 of sel*', ['sel_a'], true],
    ['1 of sel*', ['filter1'], false],
    ['any of sel*', ['sel2'], true],
    ['all of sel*', ['sel1', 'sel2'], false],
    ['all of sel*', ['sel1', 'sel2', 'sel_a'], true],
    ['1 of sel* and not 1 of filter*', ['sel1'], true],
    ['1 of sel* and not 1 of filter*', ['sel1', 'filter2'], false],
    ['not 1 of filter* and sel1', ['sel1'], true],
    ['all of filter* or sel1', ['sel1'], true],
    ['1 of *1', ['filter1'], true],
    ['1 of them', ['keywords'], true],
    ['1 of them', ['_hidden'], false],
    ['all of them', ['sel1', 'sel2', 'sel_a', 'filter1', 'filter2', 'keywords'], true],
    ['all of them', ['sel1', 'sel2', 'sel_a', 'filter1', 'filter2'], false],
    ['1 of _hid*', ['_hidden'], true],
    ['1 of sel1', ['sel1'], true],
    ['_hidden', ['_hidden'], true],
    ['  sel1\n  and\tsel2 ', ['sel1', 'sel2'], true],
  ])('%s with %j -> %s', (text, trueIds, expected) => {
    expect(evaluate(text, trueIds)).toBe(expected);
  });

  it('selectIdentifiers: them leaves out _ identifiers; a pattern starting with _ takes them', () => {
    expect(selectIdentifiers('them', IDS)).toEqual(['sel1', 'sel2', 'sel_a', 'filter1', 'filter2', 'keywords']);
    expect(selectIdentifiers('*', IDS)).toEqual(['sel1', 'sel2', 'sel_a', 'filter1', 'filter2', 'keywords']);
    expect(selectIdentifiers('_*', IDS)).toEqual(['_hidden']);
    expect(selectIdentifiers('sel-*', ['sel-a', 'selxa'])).toEqual(['sel-a']);
  });

  it.each([
    ['', 0, 'the condition ends where a search identifier was expected'],
    ['sel1 and', 8, 'the condition ends where a search identifier was expected'],
    ['sel1 sel2', 5, 'unexpected "sel2" after a complete condition'],
    ['(sel1', 5, 'expected ")" at the end'],
    ['sel1)', 4, 'unexpected ")" after a complete condition'],
    ['sel1 and or sel2', 9, 'unexpected "or" where a search identifier was expected'],
    ['nope', 0, 'the condition names "nope", which the detection does not define'],
    ['1 of nope*', 5, '"nope*" matches no search identifier of the detection'],
    ['1 of', 4, '"1 of" needs a search identifier pattern or "them"'],
    ['3 of sel*', 0, '"3 of" is not Sigma: write "1 of" or "all of"'],
    ['sel*', 0, 'unexpected "sel*" where a search identifier was expected'],
    ['sel1 | count() > 3', 5, 'aggregation conditions ("| count() ...") are not supported; Sigma v2 expresses them as correlation rules'],
    ['sel1 && sel2', 5, 'unexpected "&" in the condition'],
    ['SEL1', 0, 'the condition names "SEL1", which the detection does not define'],
  ])('%j is refused at offset %i: %s', (text, offset, reason) => {
    let error: unknown;
    try {
      parseCondition(text, IDS);
    } catch (err) {
      error = err;
    }
    expect(error).toBeInstanceOf(ConditionError);
    expect({ offset: (error as ConditionError).offset, reason: (error as ConditionError).reason }).toEqual({ offset, reason });
  });

  it('a list of conditions is their or', () => {
    const text = `title: t\nlogsource: {}\ndetection:\n  a: {f: 1}\n  b: {g: 1}\n  condition:\n    - a\n    - b\n`;
    const [rule] = parseRules(text, 'l.yml').rules;
    expect(rule?.matches({ g: 1 }, {})).toBe(true);
    expect(rule?.matches({ h: 1 }, {})).toBe(false);
  });
});

// ---------------------------------------------------------------- property test

type Tree =
  | { op: 'id'; name: string }
  | { op: 'not'; arg: Tree }
  | { op: 'and' | 'or'; args: Tree[] }
  | { op: 'of'; quantifier: '1' | 'any' | 'all'; pattern: string };

const PATTERNS = ['sel*', 'filter*', 'them', 'sel_*', '*1', '*', 'keywords', '_*'];

function randomTree(rng: Rng, depth: number): Tree {
  const r = rng.int(depth <= 0 ? 2 : 6);
  if (r === 0) return { op: 'id', name: rng.pick(IDS) };
  if (r === 1) return { op: 'of', quantifier: rng.pick(['1', 'any', 'all'] as const), pattern: rng.pick(PATTERNS) };
  if (r === 2) return { op: 'not', arg: randomTree(rng, depth - 1) };
  const args = Array.from({ length: 2 + rng.int(3) }, () => randomTree(rng, depth - 1));
  return { op: r % 2 === 0 ? 'and' : 'or', args };
}

/** The reference: which identifiers a pattern names, by a direct glob (not the engine's regex). */
function referenceNames(pattern: string): string[] {
  const glob = (p: string, s: string): boolean => {
    if (p === '') return s === '';
    if (p.startsWith('*')) return [...Array(s.length + 1).keys()].some((i) => glob(p.slice(1), s.slice(i)));
    return s.startsWith(p[0] ?? '') && glob(p.slice(1), s.slice(1));
  };
  if (pattern === 'them') return IDS.filter((id) => !id.startsWith('_'));
  return IDS.filter((id) => glob(pattern, id) && (pattern.startsWith('_') || !id.startsWith('_')));
}

/** The reference evaluation of a tree. */
function reference(t: Tree, truth: ReadonlySet<string>): boolean {
  switch (t.op) {
    case 'id':
      return truth.has(t.name);
    case 'not':
      return !reference(t.arg, truth);
    case 'and':
      return t.args.every((a) => reference(a, truth));
    case 'or':
      return t.args.some((a) => reference(a, truth));
    case 'of': {
      const names = referenceNames(t.pattern);
      return t.quantifier === 'all' ? names.every((n) => truth.has(n)) : names.some((n) => truth.has(n));
    }
  }
}

const PRECEDENCE = { or: 1, and: 2, not: 3, of: 4, id: 4 } as const;

/** Prints a tree with the parentheses precedence needs, plus some spare ones, and varied spacing. */
function render(t: Tree, parent: number, rng: Rng): string {
  const space = (): string => rng.pick([' ', '  ', '\t', ' \n ']);
  let text: string;
  switch (t.op) {
    case 'id':
      text = t.name;
      break;
    case 'of':
      text = `${t.quantifier} of${space()}${t.pattern}`;
      break;
    case 'not':
      text = `not${space()}${render(t.arg, PRECEDENCE.not, rng)}`;
      break;
    default:
      text = t.args.map((a) => render(a, PRECEDENCE[t.op], rng)).join(`${space()}${t.op}${space()}`);
  }
  const tight = rng.chance(0.5);
  return PRECEDENCE[t.op] < parent || rng.chance(0.15) ? (tight ? `(${text})` : `( ${text} )`) : text;
}

/** Patterns that name no identifier are refused (tested above); the generator avoids them. */
function valid(t: Tree): boolean {
  if (t.op === 'of') return referenceNames(t.pattern).length > 0;
  if (t.op === 'not') return valid(t.arg);
  if (t.op === 'and' || t.op === 'or') return t.args.every(valid);
  return true;
}

describe('property: parsed conditions agree with a direct evaluation', () => {
  it('2000 random conditions x 8 random truth assignments each', () => {
    const rng = new Rng(0x5161a);
    let checked = 0;
    while (checked < 2000) {
      const tree = randomTree(rng, 4);
      if (!valid(tree)) continue;
      const text = render(tree, 0, rng);
      for (let k = 0; k < 8; k++) {
        const trueIds = IDS.filter(() => rng.chance(0.5));
        const expected = reference(tree, new Set(trueIds));
        expect(evaluate(text, trueIds), `${text} with ${JSON.stringify(trueIds)}`).toBe(expected);
      }
      checked++;
    }
  });

  it('300 random conditions through whole rules and events', () => {
    const rng = new Rng(0x7a2d3);
    const detection = IDS.map((id, i) => `  ${id}:\n    f${i}: 'yes'\n`).join('');
    let checked = 0;
    while (checked < 300) {
      const tree = randomTree(rng, 3);
      if (!valid(tree)) continue;
      const condition = render(tree, 0, rng).replace(/\s+/g, ' ');
      const text = `title: p\nid: p\nlogsource: {product: x}\ndetection:\n${detection}  condition: '${condition}'\n`;
      const { rules, refusals } = parseRules(text, 'p.yml');
      expect(refusals, condition).toEqual([]);
      for (let k = 0; k < 4; k++) {
        const trueIds = IDS.filter(() => rng.chance(0.5));
        const event = Object.fromEntries(IDS.map((id, i) => [`f${i}`, trueIds.includes(id) ? 'YES' : 'no']));
        expect(rules[0]?.matches(event, { product: 'x' }), `${condition} with ${JSON.stringify(trueIds)}`).toBe(
          reference(tree, new Set(trueIds)),
        );
      }
      checked++;
    }
  });
});
