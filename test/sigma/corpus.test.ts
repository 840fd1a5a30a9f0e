/**
 * The Sigma evaluator against real rules: a sample of SigmaHQ's public rule
 * repository (test/fixtures/sigma/sigmahq/, Detection Rule License 1.1, see
 * its README) and a few rules of Tandem's own for the forms no SigmaHQ rule
 * uses (test/fixtures/sigma/tandem/). Every rule has events written by hand
 * (test/fixtures/sigma/events.jsonl): at least one that must match it and one
 * near miss (same logsource, one field off) that must not. Loading the sample
 * refuses only what it reports, and exactly the rules it is meant to refuse.
 */
import { readFileSync, readdirSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseAllDocuments } from 'yaml';
import { beforeAll, describe, expect, it } from 'vitest';
import type { Logsource } from '../../src/engagement/model.js';
import { formatRefusal, loadRuleSet } from '../../src/sigma/index.js';
import type { RuleSet } from '../../src/sigma/index.js';

const FIXTURES = fileURLToPath(new URL('../fixtures/sigma/', import.meta.url));
const FOLDERS = [join(FIXTURES, 'sigmahq'), join(FIXTURES, 'tandem')];

/**
 * Rule files the evaluator must refuse, and why: SigmaHQ's placeholder rules
 * name values (`|expand: '%Legitimate_Countries%'`) that each deployment fills
 * in; with no value for the placeholder the rule cannot be honoured exactly.
 */
const MEANT_TO_BE_REFUSED = new Map([
  ['sigmahq/rules-placeholder/cloud/aws/cloudtrail/aws_cloudtrail_console_login_success_from_susp_locations.yml', /expand|placeholder/i],
]);

interface EventLine {
  readonly line: number;
  readonly rule: string;
  readonly expect: boolean;
  readonly note?: string;
  readonly logsource: Logsource;
  readonly event: Record<string, unknown>;
}

function readEvents(): EventLine[] {
  const text = readFileSync(join(FIXTURES, 'events.jsonl'), 'utf8');
  return text
    .split('\n')
    .map((raw, i) => ({ raw, line: i + 1 }))
    .filter(({ raw }) => raw.trim() !== '')
    .map(({ raw, line }) => ({ line, ...(JSON.parse(raw) as Omit<EventLine, 'line'>) }));
}

function ruleFiles(dir: string): string[] {
  return readdirSync(dir)
    .sort()
    .flatMap((name) => {
      const full = join(dir, name);
      if (statSync(full).isDirectory()) return ruleFiles(full);
      return /\.ya?ml$/.test(name) ? [full] : [];
    });
}

/** How many rules a file holds: its YAML documents, less the shared first one of a collection (action: global). */
function rulesInFile(file: string): number {
  const docs = parseAllDocuments(readFileSync(file, 'utf8')).filter((d) => d.contents !== null);
  const first: unknown = docs[0]?.toJS();
  const global = typeof first === 'object' && first !== null && (first as Record<string, unknown>).action === 'global';
  return global ? docs.length - 1 : docs.length;
}

const events = readEvents();
const files = FOLDERS.flatMap(ruleFiles);
const rel = (file: string): string => relative(FIXTURES, file);

let set: RuleSet;
beforeAll(async () => {
  set = await loadRuleSet(FOLDERS);
  // Shown on every run: what a detection engineer would read from `tandem sigma check`.
  console.log(`sigma corpus: ${set.rules.length} rules, ${set.refusals.length} refused`);
  for (const r of set.refusals) console.log(`  refused ${formatRefusal({ ...r, file: rel(r.file) })}`);
});

describe('the Sigma rule sample', () => {
  it('holds 40 to 60 real SigmaHQ rule files and every modifier and condition form the issue lists', () => {
    const sigmahq = files.filter((f) => rel(f).startsWith('sigmahq/'));
    expect(sigmahq.length).toBeGreaterThanOrEqual(40);
    expect(sigmahq.length).toBeLessThanOrEqual(60);
    const text = files.map((f) => readFileSync(f, 'utf8')).join('\n');
    const has = (re: RegExp): boolean => re.test(text);
    const modifiers = [
      'contains',
      'startswith',
      'endswith',
      'all',
      'cased',
      'exists',
      'neq',
      'windash',
      're',
      'i',
      'm',
      's',
      'base64',
      'base64offset',
      'utf16le',
      'utf16be',
      'wide',
      'lt',
      'lte',
      'gt',
      'gte',
      'cidr',
      'fieldref',
    ];
    for (const m of modifiers) expect(has(new RegExp(`\\|${m}[|:]`)), `modifier ${m}`).toBe(true);
    const conditions = [
      /condition:.* and /,
      /condition:.* or /,
      /condition:.*not /,
      /condition:.*\(/,
      /1 of \w+\*/,
      /all of \w+\*/,
      /1 of them/,
      /all of them/,
    ];
    for (const c of conditions) expect(has(c), `condition ${String(c)}`).toBe(true);
    expect(has(/^ {4}keywords:\n {8}- /m), 'a keyword list').toBe(true);
    expect(has(/^ {8}(- )?\w+\.\w+\.\w+(\|\w+)*:/m), 'a nested dotted field').toBe(true);
  });

  it('loads, and refuses only what it reports: each file gives all its rules either compiled or refused', () => {
    for (const file of files) {
      const compiled = set.rules.filter((r) => r.file === file).length;
      const refused = set.refusals.filter((r) => r.file === file).length;
      expect(compiled + refused, rel(file)).toBe(rulesInFile(file));
    }
    for (const r of [...set.rules, ...set.refusals]) expect(files, 'every rule and refusal names a sample file').toContain(r.file);
  });

  it('refuses exactly the rules meant to be refused, each with file:line:col and a reason', () => {
    const refused = new Set(set.refusals.map((r) => rel(r.file)));
    expect([...refused].sort()).toEqual([...MEANT_TO_BE_REFUSED.keys()].sort());
    for (const r of set.refusals) {
      expect(r.line).toBeGreaterThan(0);
      expect(r.col).toBeGreaterThan(0);
      expect(r.reason).toMatch(MEANT_TO_BE_REFUSED.get(rel(r.file)) ?? /./);
    }
  });

  it('has hand-written events for every compiled rule: at least one match and one near miss each', () => {
    for (const rule of set.rules) {
      const mine = events.filter((e) => e.rule === rule.id);
      expect(
        mine.some((e) => e.expect),
        `a matching event for ${rule.id} (${rel(rule.file)})`,
      ).toBe(true);
      expect(
        mine.some((e) => !e.expect),
        `a near miss for ${rule.id} (${rel(rule.file)})`,
      ).toBe(true);
    }
    const ids = new Set(set.rules.map((r) => r.id));
    for (const e of events) expect(ids.has(e.rule), `events.jsonl line ${e.line} names a loaded rule`).toBe(true);
  });
});

describe.each(events)('events.jsonl line $line', (e) => {
  it(`${e.expect ? 'matches' : 'does not match'} ${e.rule}${e.note ? ` (${e.note})` : ''}`, () => {
    // A rule collection's documents share one id: the event is for whichever of them its logsource selects.
    const rules = set.rules.filter((r) => r.id === e.rule);
    expect(rules.length, 'the rule is loaded').toBeGreaterThan(0);
    const matched = set.match(e.event, e.logsource).some((r) => r.id === e.rule);
    expect(matched).toBe(e.expect);
    // The rule on its own agrees with the rule set.
    expect(rules.some((r) => r.matches(e.event, e.logsource))).toBe(e.expect);
  });
});
