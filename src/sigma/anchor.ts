/**
 * Anchors: a cheap necessary condition of a rule, so a rule set skips most
 * rules without running them. An anchor set is a list of literal tests on
 * fields (equal, starts with, ends with, contains, on the lower-cased text)
 * at least one of which holds whenever the rule matches; a rule without one
 * is always run. The rule set indexes the anchors of all its rules by field
 * (hash lookups for equal, prefix and suffix), so one pass over an event's
 * fields finds the few rules worth running.
 */
import type { EventView, FieldValue } from './event.js';
import type { Segment } from './pattern.js';
import { Wildcard } from './pattern.js';

/** The field name of a keyword search's anchors: every string value of the event (no field is named so). */
export const KEYWORDS = '\u0000keywords';

/** A literal test of a field's lower-cased text. */
export interface Anchor {
  /** The field, or {@link KEYWORDS}. */
  readonly field: string;
  readonly kind: 'eq' | 'prefix' | 'suffix' | 'contains';
  /** Lower-cased. */
  readonly text: string;
}

/** At least one anchor holds whenever the predicate holds. */
export type AnchorSet = readonly Anchor[];

const registry = new WeakMap<object, AnchorSet>();

/** Records a predicate's anchor set (only a sound one: each anchor is implied by some value of the item). */
export function setAnchors(predicate: object, anchors: AnchorSet | undefined): void {
  if (anchors !== undefined && anchors.length > 0) registry.set(predicate, anchors);
}

/** A predicate's anchor set, if it has one. */
export function anchorsOf(predicate: object): AnchorSet | undefined {
  return registry.get(predicate);
}

/** What a case-insensitive value's segments (already shaped by contains/startswith/endswith) require of the text. */
export function segmentAnchor(field: string, segments: readonly Segment[]): Anchor | undefined {
  const n: Segment[] = [];
  for (const s of segments) {
    const prev = n[n.length - 1];
    if (typeof s === 'string' && typeof prev === 'string') n[n.length - 1] = prev + s.toLowerCase();
    else if (typeof s === 'string') n.push(s.toLowerCase());
    else if (!(s === Wildcard.Any && prev === Wildcard.Any)) n.push(s);
  }
  const [first, second, third] = n;
  if (n.length === 1 && typeof first === 'string') return { field, kind: 'eq', text: first };
  if (n.length === 2 && first === Wildcard.Any && typeof second === 'string') return { field, kind: 'suffix', text: second };
  if (n.length === 2 && typeof first === 'string' && second === Wildcard.Any) return { field, kind: 'prefix', text: first };
  if (n.length === 3 && first === Wildcard.Any && typeof second === 'string' && third === Wildcard.Any)
    return { field, kind: 'contains', text: second };
  const longest = n.filter((s): s is string => typeof s === 'string').sort((a, b) => b.length - a.length)[0];
  return longest === undefined || longest === '' ? undefined : { field, kind: 'contains', text: longest };
}

/** How costly and unselective an anchor set is (lower is better). */
function cost(set: AnchorSet): number {
  let c = 0;
  for (const a of set) c += (a.kind === 'contains' ? 2 : 1) + (a.text.length < 4 ? 6 : 0);
  return c;
}

/** The best of several anchor sets each of which is necessary (an AND): the cheapest. */
export function bestOf(sets: readonly (AnchorSet | undefined)[]): AnchorSet | undefined {
  let best: AnchorSet | undefined;
  for (const s of sets) if (s !== undefined && (best === undefined || cost(s) < cost(best))) best = s;
  return best;
}

/** The anchor set of an OR: all of its branches' anchors, or none when a branch has none. */
export function unionOf(sets: readonly (AnchorSet | undefined)[]): AnchorSet | undefined {
  if (sets.some((s) => s === undefined)) return undefined;
  return sets.flatMap((s) => s ?? []);
}

interface FieldIndex {
  readonly eq: Map<string, number[]>;
  readonly prefix: Map<number, Map<string, number[]>>;
  readonly suffix: Map<number, Map<string, number[]>>;
  /** Contains-literals shorter than three characters, each tried with includes(). */
  readonly contains: Map<string, number[]>;
  /** Longer contains-literals by their first three characters (see trigram), tried where those occur. */
  readonly grams: Map<number, Map<string, number[]>>;
}

/** The three UTF-16 units at i as one number (a Map key that needs no string). */
function trigram(s: string, i: number): number {
  return (s.charCodeAt(i) * 65536 + s.charCodeAt(i + 1)) * 65536 + s.charCodeAt(i + 2);
}

/** Marks the rules of every long contains-literal that occurs in s. */
function markGrams(grams: FieldIndex['grams'], s: string, mark: (rules: readonly number[] | undefined) => void): void {
  for (let i = 0; i + 3 <= s.length; i++) {
    const literals = grams.get(trigram(s, i));
    if (literals !== undefined) for (const [text, rules] of literals) if (s.startsWith(text, i)) mark(rules);
  }
}

function push<K>(map: Map<K, number[]>, key: K, rule: number): void {
  const list = map.get(key);
  if (list === undefined) map.set(key, [rule]);
  else if (list[list.length - 1] !== rule) list.push(rule);
}

function byLength(map: Map<number, Map<string, number[]>>, text: string, rule: number): void {
  let inner = map.get(text.length);
  if (inner === undefined) map.set(text.length, (inner = new Map()));
  push(inner, text, rule);
}

/** The anchors of a list of rules, indexed by field. */
export class AnchorIndex {
  /** Rules without anchors: always run. */
  readonly #always: readonly number[];
  readonly #fields = new Map<string, FieldIndex>();
  /** The indexed fields with a dot in their name (reached through nested objects, so not found among the event's keys). */
  readonly #dotted: readonly (readonly [string, FieldIndex])[];
  readonly #keywords: FieldIndex | undefined;
  readonly size: number;

  constructor(anchorSets: readonly (AnchorSet | undefined)[]) {
    this.size = anchorSets.length;
    this.#always = anchorSets.flatMap((s, i) => (s === undefined ? [i] : []));
    anchorSets.forEach((set, rule) => {
      for (const a of set ?? []) {
        let f = this.#fields.get(a.field);
        if (f === undefined) {
          f = { eq: new Map(), prefix: new Map(), suffix: new Map(), contains: new Map(), grams: new Map() };
          this.#fields.set(a.field, f);
        }
        addAnchor(f, a, rule);
      }
    });
    this.#keywords = this.#fields.get(KEYWORDS);
    this.#fields.delete(KEYWORDS);
    this.#dotted = [...this.#fields].filter(([field]) => field.includes('.'));
  }

  /** Which rules may match the event: marks[i] is 1 for each rule worth running. */
  candidates(view: EventView): Uint8Array {
    const marks = new Uint8Array(this.size);
    for (const i of this.#always) marks[i] = 1;
    const mark = (rules: readonly number[] | undefined): void => {
      if (rules !== undefined) for (const r of rules) marks[r] = 1;
    };
    // The event's own keys against the index (events carry far fewer fields than the rules name), then the dotted names.
    for (const key of Object.keys(view.event)) {
      const index = this.#fields.get(key);
      if (index !== undefined) scan(view.field(key), index, mark);
    }
    for (const [field, index] of this.#dotted) scan(view.field(field), index, mark);
    if (this.#keywords !== undefined) scan(view.keywords(), this.#keywords, mark);
    return marks;
  }
}

function addAnchor(f: FieldIndex, a: Anchor, rule: number): void {
  if (a.kind === 'eq') push(f.eq, a.text, rule);
  else if (a.kind === 'prefix') byLength(f.prefix, a.text, rule);
  else if (a.kind === 'suffix') byLength(f.suffix, a.text, rule);
  else if (a.text.length < 3) push(f.contains, a.text, rule);
  else {
    const key = trigram(a.text, 0);
    let literals = f.grams.get(key);
    if (literals === undefined) f.grams.set(key, (literals = new Map()));
    push(literals, a.text, rule);
  }
}

/** Marks the rules whose anchors one field's value satisfies. */
function scan(fv: FieldValue, index: FieldIndex, mark: (rules: readonly number[] | undefined) => void): void {
  if (!fv.present) return;
  for (const s of fv.lower()) {
    mark(index.eq.get(s));
    for (const [len, m] of index.prefix) if (len <= s.length) mark(m.get(s.slice(0, len)));
    for (const [len, m] of index.suffix) if (len <= s.length) mark(m.get(s.slice(s.length - len)));
    for (const [text, rules] of index.contains) if (s.includes(text)) mark(rules);
    if (index.grams.size > 0) markGrams(index.grams, s, mark);
  }
}
