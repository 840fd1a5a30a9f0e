/**
 * The subset reader (fast-yaml.ts) against the `yaml` package: on every YAML file and YAML example in the
 * repository, and on thousands of mutations of them, a text it reads has no problem for the `yaml` package and
 * yields the same value, and the same position and source text for every path in it. A text it does not read goes
 * to the `yaml` package unchanged, so diagnostics are the full parser's.
 */
import { readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { mulberry32 } from '../random/seeded.js';
import { parseSubset, resolvePlain } from './fast-yaml.js';
import { parseFull, parseSource } from './source.js';
import type { Path } from './source.js';

/** Every *.yaml / *.yml under a directory (recursively). */
function yamlFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) return entry.name === 'node_modules' ? [] : yamlFiles(path);
    return /\.ya?ml$/.test(entry.name) ? [path] : [];
  });
}

/** The ```yaml blocks of the docs. */
function docExamples(): string[] {
  return readdirSync('docs')
    .filter((n) => n.endsWith('.md'))
    .flatMap((n) => [...readFileSync(join('docs', n), 'utf8').matchAll(/```ya?ml\n([\s\S]*?)```/g)].map((m) => m[1] ?? ''));
}

const corpus: string[] = [...['demo', 'test'].flatMap(yamlFiles).map((f) => readFileSync(f, 'utf8')), ...docExamples()];

/** Every path of a plain value (map keys and list indexes), and a missing key and index under each. */
function paths(value: unknown, prefix: Path = []): Path[] {
  const out: Path[] = [prefix, [...prefix, 'no-such-key'], [...prefix, 999]];
  if (Array.isArray(value)) value.forEach((v, i) => out.push(...paths(v, [...prefix, i])));
  else if (typeof value === 'object' && value !== null) for (const [k, v] of Object.entries(value)) out.push(...paths(v, [...prefix, k]));
  return out;
}

/** Compares the subset reader with the `yaml` package on one text; returns whether the subset reader read it. */
function compare(text: string): boolean {
  if (parseSubset(text) === undefined) return false;
  const fast = parseSource(text, 'f.yaml');
  const full = parseFull(text, 'f.yaml');
  expect(full.diagnostics, text).toEqual([]);
  expect(fast.diagnostics).toEqual([]);
  expect(fast.value, text).toStrictEqual(full.value);
  for (const path of paths(full.value)) {
    expect(fast.position(path, 'key'), `${JSON.stringify(path)} key\n${text}`).toEqual(full.position(path, 'key'));
    expect(fast.position(path), `${JSON.stringify(path)}\n${text}`).toEqual(full.position(path));
    expect(fast.text(path), `${JSON.stringify(path)} text\n${text}`).toBe(full.text(path));
  }
  return true;
}

const INSERTS = [
  ':',
  ': ',
  ' #',
  '#',
  '- ',
  '-',
  '"',
  "'",
  '[',
  ']',
  '{',
  '}',
  ', ',
  ',',
  ' ',
  '  ',
  '\t',
  '&a ',
  '*a',
  '!',
  '|',
  '>',
  '?',
  '~',
  'null',
  'true',
  '0x1F',
  '0o17',
  '1e3',
  '.5',
  '+1',
  '-.inf',
  '.nan',
  '__proto__',
  '\\',
  "''",
  '\n',
  '\n  ',
  '\n- ',
];

/** One random edit of a text: a line deleted, repeated, indented or dedented, or a fragment inserted. */
function mutate(text: string, next: () => number): string {
  const lines = text.split('\n');
  const at = Math.floor(next() * lines.length);
  const line = lines[at] ?? '';
  const kind = Math.floor(next() * 6);
  if (kind === 0) lines.splice(at, 1);
  else if (kind === 1) lines.splice(at, 0, line);
  else if (kind === 2) lines[at] = ' '.repeat(1 + Math.floor(next() * 2)) + line;
  else if (kind === 3) lines[at] = line.replace(/^ {1,2}/, '');
  else {
    const col = Math.floor(next() * (line.length + 1));
    const fragment = INSERTS[Math.floor(next() * INSERTS.length)] ?? '';
    lines[at] = line.slice(0, col) + fragment + line.slice(col);
  }
  return lines.join('\n');
}

describe('the YAML subset reader', () => {
  it('reads the engagement files of the repository (demo and fixtures) itself', () => {
    for (const file of ['demo/acme.yaml', 'test/fixtures/engagements/minimal.yaml', 'test/browser/fixtures/initech.yaml']) {
      expect(compare(readFileSync(file, 'utf8')), file).toBe(true);
    }
  });

  it('matches the yaml package on every YAML file and docs example it reads', () => {
    let read = 0;
    for (const text of corpus) if (compare(text)) read++;
    // Most of them are in the subset (the rest use block scalars, anchors, multi-line flow lists...).
    expect(read).toBeGreaterThan(corpus.length / 3);
  });

  it('matches the yaml package on every mutation it reads, and leaves every text with a problem to it', () => {
    const next = mulberry32(14);
    let read = 0;
    let tried = 0;
    for (const text of corpus) {
      for (let n = 0; n < 10; n++) {
        let mutated = text;
        for (let edits = 1 + Math.floor(next() * 3); edits > 0; edits--) mutated = mutate(mutated, next);
        tried++;
        if (compare(mutated)) read++;
      }
    }
    // Both outcomes are exercised: many mutations stay in the subset, many leave it.
    expect(read).toBeGreaterThan(tried / 10);
    expect(read).toBeLessThan(tried);
  });

  it('reads plain scalars as the core schema does', () => {
    const cases: [string, unknown][] = [
      ['', null],
      ['~', null],
      ['Null', null],
      ['TRUE', true],
      ['false', false],
      ['yes', 'yes'],
      ['0o17', 15],
      ['+15550100001', 15550100001],
      ['0x1F', 31],
      ['-.inf', -Infinity],
      ['.NaN', NaN],
      ['1e3', 1000],
      ['1.50', 1.5],
      ['08:00', '08:00'],
      ['0m', '0m'],
    ];
    for (const [text, value] of cases) expect(resolvePlain(text), text).toStrictEqual(value);
  });

  it('leaves what it does not read to the yaml package, whose diagnostics are unchanged', () => {
    for (const text of ['a: 1\na: 2\n', 'a: &x 1\nb: *x\n', 'a: |\n  text\n', 'a: "x\\ty"\n', '- a\n', 'a: [1,\n  2]\n', 'a:\n  - \n']) {
      expect(parseSubset(text), text).toBeUndefined();
    }
    expect(parseSource('a: 1\na: 2\n', 'f.yaml').diagnostics).toEqual(parseFull('a: 1\na: 2\n', 'f.yaml').diagnostics);
  });
});
