/**
 * A deployment's rules: files and folders read (folders recursively, in
 * name order), every rule compiled once, and a rule set that matches an
 * event against only the rules of its logsource (the rules a logsource
 * selects are worked out once per distinct logsource and kept).
 */
import { readFile, readdir, stat } from 'node:fs/promises';
import { join } from 'node:path';
import type { Logsource } from '../engagement/model.js';
import { AnchorIndex } from './anchor.js';
import { EventView } from './event.js';
import type { Refusal, RuleSet, SigmaRule } from './model.js';
import { logsourceKey, parseRules } from './rule.js';
import type { CompiledRule } from './rule.js';

/** Distinct logsources remembered before the memory is cleared (events carry few; this bounds a hostile stream). */
const MAX_LOGSOURCES = 4096;

class CompiledRuleSet implements RuleSet {
  readonly rules: readonly CompiledRule[];
  readonly refusals: readonly Refusal[];
  readonly #byLogsource = new Map<string, { readonly rules: readonly CompiledRule[]; readonly index: AnchorIndex }>();

  constructor(rules: readonly CompiledRule[], refusals: readonly Refusal[]) {
    this.rules = rules;
    this.refusals = refusals;
  }

  /** The rules of a logsource, and their anchors indexed. */
  #rulesFor(ls: Logsource): { readonly rules: readonly CompiledRule[]; readonly index: AnchorIndex } {
    const key = logsourceKey(ls);
    const memo = `${key.product ?? ''}\u0000${key.category ?? ''}\u0000${key.service ?? ''}`;
    let entry = this.#byLogsource.get(memo);
    if (entry === undefined) {
      const rules = this.rules.filter((r) => r.accepts(key));
      entry = { rules, index: new AnchorIndex(rules.map((r) => r.anchors)) };
      if (this.#byLogsource.size >= MAX_LOGSOURCES) this.#byLogsource.clear();
      this.#byLogsource.set(memo, entry);
    }
    return entry;
  }

  match(event: Readonly<Record<string, unknown>>, logsource: Logsource): SigmaRule[] {
    const { rules, index } = this.#rulesFor(logsource);
    const out: SigmaRule[] = [];
    if (rules.length === 0) return out;
    const view = new EventView(event);
    const candidates = index.candidates(view);
    for (let i = 0; i < rules.length; i++) {
      const r = rules[i];
      if (r !== undefined && candidates[i] === 1 && r.test(view)) out.push(r);
    }
    return out;
  }
}

/**
 * Builds a rule set from parsed rules; a rule whose id a rule of another file
 * already has is refused. The documents of one rule collection (action:
 * global) share their id: they are one rule over several logsources.
 */
export function ruleSet(rules: readonly CompiledRule[], refusals: readonly Refusal[]): RuleSet {
  const byId = new Map<string, CompiledRule>();
  const kept: CompiledRule[] = [];
  const all = [...refusals];
  for (const r of rules) {
    const first = byId.get(r.id);
    if (first && first.file !== r.file) {
      all.push({ file: r.file, ...r.pos, reason: `duplicate rule id ${r.id} (first in ${first.file}:${first.pos.line}:${first.pos.col})` });
      continue;
    }
    if (!first) byId.set(r.id, r);
    kept.push(r);
  }
  return new CompiledRuleSet(kept, all);
}

async function ruleFiles(path: string): Promise<string[]> {
  const info = await stat(path);
  if (!info.isDirectory()) return [path];
  const names = (await readdir(path)).sort();
  const nested = await Promise.all(
    names.map(async (name) => {
      const full = join(path, name);
      if ((await stat(full)).isDirectory()) return ruleFiles(full);
      return /\.ya?ml$/i.test(name) ? [full] : [];
    }),
  );
  return nested.flat();
}

/** Reads rule files (.yml/.yaml; folders recursively, sorted), parses and compiles every rule; refused rules are left out and listed. */
export async function loadRuleSet(paths: readonly string[]): Promise<RuleSet> {
  const rules: CompiledRule[] = [];
  const refusals: Refusal[] = [];
  for (const path of paths) {
    let files: string[];
    try {
      files = await ruleFiles(path);
    } catch (err) {
      refusals.push({ file: path, line: 1, col: 1, reason: `cannot read: ${readError(err)}` });
      continue;
    }
    for (const file of files) {
      let text: string;
      try {
        text = await readFile(file, 'utf8');
      } catch (err) {
        refusals.push({ file, line: 1, col: 1, reason: `cannot read: ${readError(err)}` });
        continue;
      }
      const parsed = parseRules(text, file);
      rules.push(...parsed.rules);
      refusals.push(...parsed.refusals);
    }
  }
  return ruleSet(rules, refusals);
}

function readError(err: unknown): string {
  const code = (err as { code?: unknown }).code;
  if (code === 'ENOENT') return 'no such file or folder';
  if (code === 'EACCES') return 'permission denied';
  return err instanceof Error ? err.message : String(err);
}
