/**
 * Rule files as positioned trees: every map key, list item and scalar keeps
 * its line and column, so a refusal points at the offending key or value,
 * and rule collections (`action: global | reset | repeat`) are merged on the
 * trees, keeping each part's own position.
 */
import { LineCounter, isAlias, isMap, isScalar, isSeq, parseAllDocuments } from 'yaml';
import type { Position } from './model.js';
import { Refused } from './model.js';

export type Scalar = string | number | boolean | null;

export interface YScalar {
  readonly kind: 'scalar';
  readonly pos: Position;
  readonly value: Scalar;
  /** The scalar as written (a number's digits, e.g. "0x17"); quotes excluded. */
  readonly text: string;
  /** Whether it was written in quotes or as a block: its column is one before its text. */
  readonly quoted: boolean;
}
export interface YSeq {
  readonly kind: 'seq';
  readonly pos: Position;
  readonly items: readonly YNode[];
}
export interface YEntry {
  readonly key: string;
  readonly keyPos: Position;
  readonly value: YNode;
}
export interface YMap {
  readonly kind: 'map';
  readonly pos: Position;
  readonly entries: readonly YEntry[];
}
export type YNode = YScalar | YSeq | YMap;

/** One YAML document of a file: its tree, or why it cannot be read. */
export type YDocument = { readonly pos: Position; readonly node: YNode } | { readonly pos: Position; readonly error: string };

const MAX_DEPTH = 64;

/** Parses every document of a file's text. Never throws. */
export function parseDocuments(text: string): YDocument[] {
  const lineCounter = new LineCounter();
  const source = text.startsWith('\uFEFF') ? text.slice(1) : text;
  const parsed = parseAllDocuments(source, { lineCounter, prettyErrors: false, uniqueKeys: true });
  if (!Array.isArray(parsed)) return [];
  const pos = (offset: number): Position => lineCounter.linePos(offset);
  return parsed.map((doc): YDocument => {
    const start = pos(doc.range[0]);
    const [error] = doc.errors;
    if (error !== undefined) return { pos: pos(error.pos[0]), error: `YAML: ${error.message.split('\n')[0] ?? ''}` };
    try {
      return { pos: start, node: toNode(doc.contents, source, pos, start, 0, (n) => (isAlias(n) ? n.resolve(doc) : n)) };
    } catch (err) {
      if (err instanceof Refused) return { pos: err.pos, error: err.reason };
      throw err;
    }
  });
}

function toNode(
  node: unknown,
  text: string,
  pos: (offset: number) => Position,
  at: Position,
  depth: number,
  resolve: (n: unknown) => unknown,
): YNode {
  if (depth > MAX_DEPTH) throw new Refused(at, `nested more than ${MAX_DEPTH} levels deep`);
  const target = resolve(node);
  if (target === null || target === undefined) return { kind: 'scalar', pos: at, value: null, text: '', quoted: false };
  const range = (target as { range?: [number, number, number] }).range;
  const here = range ? pos(range[0]) : at;
  if (isScalar(target)) {
    const value = target.value;
    const quoted = target.type !== 'PLAIN';
    const written = range ? text.slice(range[0], range[1]) : String(value);
    if (value === null || typeof value === 'string' || typeof value === 'boolean' || typeof value === 'number') {
      return { kind: 'scalar', pos: here, value, text: typeof value === 'string' ? value : written.trim(), quoted };
    }
    throw new Refused(here, 'this value is neither text, a number, a boolean nor null');
  }
  if (isSeq(target)) {
    return { kind: 'seq', pos: here, items: target.items.map((item) => toNode(item, text, pos, here, depth + 1, resolve)) };
  }
  if (isMap(target)) {
    const entries: YEntry[] = [];
    for (const pair of target.items) {
      const key = resolve(pair.key);
      const keyRange = (key as { range?: [number, number, number] } | null)?.range;
      const keyPos = keyRange ? pos(keyRange[0]) : here;
      if (!isScalar(key) || (typeof key.value !== 'string' && typeof key.value !== 'number')) {
        throw new Refused(keyPos, 'keys must be text');
      }
      entries.push({ key: String(key.value), keyPos, value: toNode(pair.value, text, pos, keyPos, depth + 1, resolve) });
    }
    return { kind: 'map', pos: here, entries };
  }
  throw new Refused(here, 'unreadable YAML node');
}

/** The entry of `key` in a map node. */
export function entry(map: YMap, key: string): YEntry | undefined {
  return map.entries.find((e) => e.key === key);
}

/** `src` merged into `dest` as Sigma rule collections do: maps merge key by key, anything else in `src` replaces. */
export function deepMerge(dest: YNode | undefined, src: YNode): YNode {
  if (src.kind !== 'map' || dest?.kind !== 'map') return src;
  const entries = [...dest.entries];
  for (const e of src.entries) {
    const i = entries.findIndex((d) => d.key === e.key);
    if (i === -1) entries.push(e);
    else entries[i] = { ...e, value: deepMerge(entries[i]?.value, e.value) };
  }
  return { kind: 'map', pos: dest.pos, entries };
}
