/**
 * A rule file's text to compiled rules: YAML documents (with rule
 * collections: `action: global`, `reset`, `repeat`), the rule's metadata,
 * its detection compiled to one predicate, and its logsource as the
 * pre-filter. Anything the engine cannot honour exactly refuses the whole
 * rule with file:line:col and the reason; nothing is half-applied.
 */
import { basename } from 'node:path';
import type { Logsource } from '../engagement/model.js';
import { anchorsOf, bestOf, setAnchors, unionOf } from './anchor.js';
import type { AnchorSet } from './anchor.js';
import { ConditionError, compileCondition, conditionIdentifiers, parseCondition } from './condition.js';
import type { Condition } from './condition.js';
import { EventView } from './event.js';
import type { Position, Refusal, SigmaLevel, SigmaRule } from './model.js';
import { Refused, SIGMA_LEVELS } from './model.js';
import { compileItem } from './modifiers.js';
import type { Predicate } from './modifiers.js';
import { deepMerge, entry, parseDocuments } from './yaml.js';
import type { YMap, YNode, YScalar } from './yaml.js';

/** A logsource lower-cased, as the pre-filter compares it. */
export interface LogsourceKey {
  readonly product: string | undefined;
  readonly category: string | undefined;
  readonly service: string | undefined;
}

/** Lower-cases a logsource's three keys. */
export function logsourceKey(ls: Logsource): LogsourceKey {
  return { product: ls.product?.toLowerCase(), category: ls.category?.toLowerCase(), service: ls.service?.toLowerCase() };
}

/** A compiled rule. `test` skips the logsource check (the rule set has already done it). */
export class CompiledRule implements SigmaRule {
  readonly id: string;
  readonly title: string;
  readonly level: SigmaLevel;
  readonly tags: readonly string[];
  readonly fields: readonly string[];
  readonly logsource: Logsource;
  readonly file: string;
  readonly description?: string;
  /** Where the rule starts, for duplicate-id reports. */
  readonly pos: Position;
  /** A necessary condition of the detection (anchor.ts), when it has one. */
  readonly anchors: AnchorSet | undefined;
  readonly #want: LogsourceKey;
  readonly #predicate: Predicate;

  constructor(meta: RuleMeta, predicate: Predicate) {
    this.id = meta.id;
    this.title = meta.title;
    this.level = meta.level;
    this.tags = meta.tags;
    this.fields = meta.fields;
    this.logsource = meta.logsource;
    this.file = meta.file;
    this.pos = meta.pos;
    if (meta.description !== undefined) this.description = meta.description;
    this.#want = logsourceKey(meta.logsource);
    this.#predicate = predicate;
    this.anchors = anchorsOf(predicate);
  }

  /** Whether events of this (lower-cased) logsource are the rule's: every key the rule names must be equal. */
  accepts(ls: LogsourceKey): boolean {
    const w = this.#want;
    return (
      (w.product === undefined || w.product === ls.product) &&
      (w.category === undefined || w.category === ls.category) &&
      (w.service === undefined || w.service === ls.service)
    );
  }

  /** The detection alone. */
  test(view: EventView): boolean {
    return this.#predicate(view);
  }

  matches(event: Readonly<Record<string, unknown>>, logsource: Logsource): boolean {
    return this.accepts(logsourceKey(logsource)) && this.#predicate(new EventView(event));
  }
}

interface RuleMeta {
  readonly id: string;
  readonly title: string;
  readonly level: SigmaLevel;
  readonly tags: readonly string[];
  readonly fields: readonly string[];
  readonly logsource: Logsource;
  readonly file: string;
  readonly description?: string;
  readonly pos: Position;
}

function text(node: YNode | undefined, what: string): string | undefined {
  if (node === undefined || (node.kind === 'scalar' && node.value === null)) return undefined;
  if (node.kind !== 'scalar' || typeof node.value === 'boolean') throw new Refused(node.pos, `${what} must be text`);
  return node.text;
}

function textList(node: YNode | undefined, what: string): string[] {
  if (node === undefined || (node.kind === 'scalar' && node.value === null)) return [];
  if (node.kind !== 'seq') throw new Refused(node.pos, `${what} must be a list`);
  return node.items.map((item) => text(item, `each of ${what}`) ?? '');
}

function readLogsource(map: YMap): Logsource {
  const e = entry(map, 'logsource');
  if (e === undefined)
    throw new Refused(map.pos, 'the rule has no logsource (Sigma requires one; give at least product, category or service, or {})');
  if (e.value.kind !== 'map') throw new Refused(e.value.pos, 'logsource must be a map (product, category, service)');
  const ls: { product?: string; category?: string; service?: string } = {};
  for (const key of ['product', 'category', 'service'] as const) {
    const v = text(entry(e.value, key)?.value, `logsource ${key}`);
    if (v !== undefined) ls[key] = v;
  }
  return ls;
}

function readMeta(map: YMap, file: string, ordinal: number): RuleMeta {
  const title = text(entry(map, 'title')?.value, 'title');
  if (title === undefined || title === '') throw new Refused(map.pos, 'the rule has no title');
  const levelText = text(entry(map, 'level')?.value, 'level') ?? 'medium';
  const level = SIGMA_LEVELS.find((l) => l === levelText);
  if (level === undefined)
    throw new Refused(entry(map, 'level')?.value.pos ?? map.pos, `unknown level "${levelText}" (${SIGMA_LEVELS.join(', ')})`);
  const description = text(entry(map, 'description')?.value, 'description');
  return {
    id: text(entry(map, 'id')?.value, 'id') ?? `${basename(file)}#${ordinal}`,
    title,
    level,
    tags: textList(entry(map, 'tags')?.value, 'tags'),
    fields: textList(entry(map, 'fields')?.value, 'fields'),
    logsource: readLogsource(map),
    file,
    pos: map.pos,
    ...(description === undefined ? {} : { description }),
  };
}

/** A search identifier's predicate: a map ANDs its items, a list of maps ORs them, a list of values is a keyword search. */
function compileSearch(name: string, node: YNode): Predicate {
  if (node.kind === 'map') {
    if (node.entries.length === 0) throw new Refused(node.pos, `"${name}" is empty`);
    const items = node.entries.map((e) => compileItem(e.key, e.keyPos, e.value));
    const [only] = items;
    if (items.length === 1 && only) return only;
    const all: Predicate = (view) => {
      for (const p of items) if (!p(view)) return false;
      return true;
    };
    setAnchors(all, bestOf(items.map(anchorsOf)));
    return all;
  }
  if (node.kind === 'scalar') {
    if (node.value === null) throw new Refused(node.pos, `"${name}" is empty`);
    return compileItem('', node.pos, node);
  }
  if (node.items.length === 0) throw new Refused(node.pos, `"${name}" is an empty list`);
  if (node.items.every((i) => i.kind === 'scalar')) return compileItem('', node.pos, node);
  if (!node.items.every((i) => i.kind === 'map')) throw new Refused(node.pos, `"${name}" mixes maps and plain values in one list`);
  const alternatives = node.items.map((item) => compileSearch(name, item));
  const any: Predicate = (view) => {
    for (const p of alternatives) if (p(view)) return true;
    return false;
  };
  setAnchors(any, unionOf(alternatives.map(anchorsOf)));
  return any;
}

/** The condition (a list of conditions is their `or`), with positions for its errors. */
function readConditions(node: YNode, identifiers: readonly string[]): Condition {
  const items: YScalar[] = node.kind === 'seq' ? node.items.map((i) => scalarOrRefuse(i)) : [scalarOrRefuse(node)];
  if (items.length === 0) throw new Refused(node.pos, 'the condition list is empty');
  const parsed = items.map((item) => {
    if (typeof item.value !== 'string' || item.value.trim() === '') throw new Refused(item.pos, 'the condition must be text');
    try {
      return parseCondition(item.value, identifiers);
    } catch (err) {
      if (!(err instanceof ConditionError)) throw err;
      const col = item.value.includes('\n') ? item.pos.col : item.pos.col + (item.quoted ? 1 : 0) + err.offset;
      throw new Refused({ line: item.pos.line, col }, err.reason);
    }
  });
  const [only] = parsed;
  return parsed.length === 1 && only ? only : { op: 'or', args: parsed };
}

function scalarOrRefuse(node: YNode): YScalar {
  if (node.kind !== 'scalar') throw new Refused(node.pos, 'the condition must be text (or a list of texts)');
  return node;
}

function compileDetection(map: YMap): Predicate {
  const d = entry(map, 'detection');
  if (d === undefined) throw new Refused(map.pos, 'the rule has no detection');
  if (d.value.kind !== 'map') throw new Refused(d.value.pos, 'detection must be a map of search identifiers and a condition');
  const timeframe = entry(d.value, 'timeframe') ?? entry(map, 'timeframe');
  if (timeframe) throw new Refused(timeframe.keyPos, '"timeframe" (correlation over time) is not supported');
  const condition = entry(d.value, 'condition');
  if (condition === undefined) throw new Refused(d.keyPos, 'the detection has no condition');
  const searches = d.value.entries.filter((e) => e.key !== 'condition');
  const parsed = readConditions(
    condition.value,
    searches.map((e) => e.key),
  );
  const used = conditionIdentifiers(parsed);
  const predicates = new Map<string, Predicate>();
  // Every search identifier is compiled (an unusable one refuses the rule even when the condition skips it).
  for (const e of searches) {
    const p = compileSearch(e.key, e.value);
    if (used.has(e.key)) predicates.set(e.key, p);
  }
  const predicate = compileCondition(parsed, predicates);
  setAnchors(predicate, conditionAnchors(parsed, predicates));
  return predicate;
}

/** A condition's anchors: an identifier's own, the best of an and's, the union of an or's; none through not. */
function conditionAnchors(c: Condition, predicates: ReadonlyMap<string, Predicate>): AnchorSet | undefined {
  if (c.op === 'id') {
    const p = predicates.get(c.name);
    return p === undefined ? undefined : anchorsOf(p);
  }
  if (c.op === 'not') return undefined;
  const sets = c.args.map((a) => conditionAnchors(a, predicates));
  return c.op === 'and' ? bestOf(sets) : unionOf(sets);
}

/** One rule document (collections already merged) compiled, or why not. */
function compileRule(map: YMap, file: string, ordinal: number): CompiledRule {
  const correlation = entry(map, 'correlation');
  if (correlation) throw new Refused(correlation.keyPos, 'correlation rules are not supported');
  const filter = entry(map, 'filter');
  if (filter && !entry(map, 'detection')) throw new Refused(filter.keyPos, 'Sigma filters are not supported');
  const meta = readMeta(map, file, ordinal);
  return new CompiledRule(meta, compileDetection(map));
}

/** The rule documents of a file, after `action: global | reset | repeat`; or a refusal in their place. */
function ruleDocuments(text: string, file: string): ({ map: YMap } | Refusal)[] {
  const out: ({ map: YMap } | Refusal)[] = [];
  let global: YNode | undefined;
  let previous: YNode | undefined;
  for (const doc of parseDocuments(text)) {
    if ('error' in doc) {
      out.push({ file, ...doc.pos, reason: doc.error });
      continue;
    }
    const node = doc.node;
    if (node.kind === 'scalar' && node.value === null) continue;
    if (node.kind !== 'map') {
      out.push({ file, ...node.pos, reason: 'a rule must be a map (title, logsource, detection, ...)' });
      continue;
    }
    const action = entry(node, 'action');
    const rest: YMap = { ...node, entries: node.entries.filter((e) => e.key !== 'action') };
    if (action === undefined) {
      const merged = global === undefined ? node : deepMerge(node, global);
      if (merged.kind === 'map') out.push({ map: merged });
      previous = merged;
    } else if (action.value.kind === 'scalar' && action.value.value === 'global') {
      global = rest;
      previous = rest;
    } else if (action.value.kind === 'scalar' && action.value.value === 'reset') global = undefined;
    else if (action.value.kind === 'scalar' && action.value.value === 'repeat') {
      previous = deepMerge(previous, rest);
      if (previous.kind === 'map') out.push({ map: previous });
    } else out.push({ file, ...action.value.pos, reason: 'unknown collection action (global, reset or repeat)' });
  }
  return out;
}

/** One file's rules and refusals. The text may hold several YAML documents, rule collections included. */
export function parseRules(text: string, file: string): { rules: CompiledRule[]; refusals: Refusal[] } {
  const rules: CompiledRule[] = [];
  const refusals: Refusal[] = [];
  let ordinal = 0;
  for (const doc of ruleDocuments(text, file)) {
    if (!('map' in doc)) {
      refusals.push(doc);
      continue;
    }
    ordinal++;
    try {
      rules.push(compileRule(doc.map, file, ordinal));
    } catch (err) {
      if (!(err instanceof Refused)) throw err;
      refusals.push({ file, line: err.pos.line, col: err.pos.col, reason: err.reason });
    }
  }
  return { rules, refusals };
}
