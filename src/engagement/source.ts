/**
 * The YAML layer: parse the text keeping node positions, turn it into plain
 * values for the schema, and answer "where is the node at this path?" so
 * every diagnostic points at the offending key or value.
 */
import type { Pair } from 'yaml';
import { LineCounter, isAlias, isMap, isPair, isScalar, isSeq, parseDocument } from 'yaml';
import type { Diagnostic, Position } from './diagnostics.js';
import type { SubsetDocument, SubsetNode } from './fast-yaml.js';
import { parseSubset } from './fast-yaml.js';

/** A path into the document: map keys and list indexes, e.g. ['people', 0, 'id']. */
export type Path = readonly (string | number)[];

/** A parsed file: its plain value and a way back to positions. */
export interface Source {
  readonly file: string;
  /**
   * The document as plain data (maps as objects, lists as arrays); undefined when YAML syntax
   * errors, unknown aliases or unreadable keys prevent reading it. Repeated keys alone do not: the file is still read (the last
   * occurrence wins) so its other problems are reported beside them.
   */
  readonly value: unknown;
  /** YAML syntax problems (and other problems found while reading). */
  readonly diagnostics: readonly Diagnostic[];
  /**
   * Position of the node at `path`: its value, or with `at: 'key'` its key.
   * A path that does not exist resolves to the nearest existing ancestor,
   * which is where a missing key belongs.
   */
  position(path: Path, at?: 'key' | 'value'): Position;
  /** The source text of the scalar at `path` (e.g. `+15550100001` before YAML read it as a number). */
  text(path: Path): string | undefined;
  /** A diagnostic at `path`. */
  at(path: Path, message: string, at?: 'key' | 'value'): Diagnostic;
}

const MAX_DEPTH = 64;

/**
 * Parses YAML text into a {@link Source}. Never throws. A file in the plain subset engagement files are written in is
 * read by the subset reader (fast-yaml.ts), several times faster; any other file, and every file with a problem, by
 * the `yaml` package, which writes the diagnostics. Both give the same values and positions.
 */
export function parseSource(text: string, file: string): Source {
  const subset = parseSubset(text);
  return subset === undefined ? parseFull(text, file) : subsetSource(text, file, subset);
}

/** A {@link Source} over a document the subset reader read: no diagnostics, positions from its nodes' offsets. */
function subsetSource(text: string, file: string, doc: SubsetDocument): Source {
  const lineCounter = new LineCounter();
  for (const start of doc.lineStarts) lineCounter.addNewLine(start);

  /** As parseFull's walk: the deepest node along `path`; an empty value ("name:") answers with its key. */
  const walk = (path: Path, at: 'key' | 'value'): { node: SubsetNode; found: boolean } => {
    let node: SubsetNode = doc.root;
    for (let i = 0; i < path.length; i++) {
      const segment = path[i] ?? '';
      if (node.kind === 'seq' && typeof segment === 'number') {
        const item: SubsetNode | undefined = node.items[segment];
        if (item === undefined) return { node, found: false };
        node = item;
        continue;
      }
      if (node.kind !== 'map') return { node, found: false };
      const name = String(segment);
      const k = node.keys.findIndex((key) => key.value === name);
      const key: SubsetNode | undefined = node.keys[k];
      const value: SubsetNode | undefined = node.values[k];
      if (key === undefined || value === undefined) return { node, found: false };
      const empty: boolean = value.kind === 'scalar' && value.value === null && value.start === value.end;
      node = (i === path.length - 1 && at === 'key') || empty ? key : value;
    }
    return { node, found: true };
  };
  const position = (path: Path, at: 'key' | 'value' = 'value'): Position => lineCounter.linePos(walk(path, at).node.start);
  return {
    file,
    value: doc.root.value,
    diagnostics: [],
    position,
    text(path) {
      const { node, found } = walk(path, 'value');
      return found && node.kind === 'scalar' ? text.slice(node.start, node.end) : undefined;
    },
    at(path, message, at = 'value') {
      return { file, ...position(path, at), message };
    },
  };
}

/** Parses YAML text with the `yaml` package (every feature of YAML, and its diagnostics); exported for the subset reader's tests. */
export function parseFull(text: string, file: string): Source {
  const lineCounter = new LineCounter();
  // uniqueKeys: a repeated key is an error, not a silent "last one wins".
  const doc = parseDocument(text.startsWith('\uFEFF') ? text.slice(1) : text, {
    lineCounter,
    prettyErrors: false,
    uniqueKeys: true,
    keepSourceTokens: false,
  });
  const pos = (offset: number): Position => lineCounter.linePos(offset);
  const diagnostics: Diagnostic[] = [];
  const report = (offset: number, message: string): void => {
    diagnostics.push({ file, ...pos(offset), message });
  };

  // After the first syntax error the parser is guessing, and what follows is
  // mostly echoes of it: report that one. Repeated keys are independent, report each.
  const [firstSyntaxError] = doc.errors.filter((e) => e.code !== 'DUPLICATE_KEY');
  for (const error of doc.errors) {
    if (error.code === 'DUPLICATE_KEY') report(error.pos[0], duplicateKeyMessage(text, error.pos));
    else if (error === firstSyntaxError) {
      report(
        error.pos[0],
        error.code === 'MULTIPLE_DOCS'
          ? 'a second YAML document ("---"): an engagement file holds one engagement; put each in its own file'
          : `YAML syntax error: ${error.message}`,
      );
    }
  }
  for (const warning of doc.warnings) report(warning.pos[0], `YAML: ${warning.message}`);

  const resolve = (node: unknown): unknown => (isAlias(node) ? node.resolve(doc) : node);

  let value: unknown;
  if (doc.errors.every((e) => e.code === 'DUPLICATE_KEY')) {
    const stack = new Set<unknown>();
    const toPlain = (node: unknown, depth: number): unknown => {
      if (node === null || node === undefined) return null;
      if (isAlias(node)) {
        const target = node.resolve(doc);
        if (target === undefined) {
          report(node.range?.[0] ?? 0, `unknown alias *${node.source}: define &${node.source} before using it`);
          return null;
        }
        if (stack.has(target) || depth > MAX_DEPTH) {
          report(node.range?.[0] ?? 0, `alias *${node.source} refers to itself`);
          return null;
        }
        return toPlain(target, depth + 1);
      }
      if (isScalar(node)) return node.value;
      if (depth > MAX_DEPTH) {
        report(rangeStart(node), `nested too deeply (more than ${MAX_DEPTH} levels)`);
        return null;
      }
      stack.add(node);
      try {
        if (isSeq(node)) return node.items.map((item) => toPlain(item, depth + 1));
        if (isMap(node)) {
          const object: Record<string, unknown> = {};
          for (const pair of node.items) {
            const key = resolve(pair.key);
            if (!isScalar(key) || (typeof key.value !== 'string' && typeof key.value !== 'number')) {
              report(rangeStart(pair.key), 'keys must be plain words, like "name"');
              continue;
            }
            const name = String(key.value);
            const plain = toPlain(pair.value, depth + 1);
            // defineProperty: a key named "__proto__" is data, not the object's prototype. Only for that key: it is
            // ~14 times slower than assigning, which with 2,000 files was 0.7 s of a start (issue 14); every other
            // key of Object.prototype is a writable data property, so assigning makes an own property just the same.
            if (name === '__proto__')
              Object.defineProperty(object, name, { value: plain, enumerable: true, writable: true, configurable: true });
            else object[name] = plain;
          }
          return object;
        }
      } finally {
        stack.delete(node);
      }
      return null;
    };
    const before = diagnostics.length;
    value = toPlain(doc.contents, 0);
    // An unknown alias or an unreadable key leaves holes the later checks would only echo.
    if (diagnostics.length > before) value = undefined;
  }

  /** The pair holding `key` in a map node, if any. */
  const pairOf = (map: unknown, key: string | number): Pair | undefined => {
    if (!isMap(map)) return undefined;
    return map.items.find((p) => {
      const k = resolve(p.key);
      return isScalar(k) && String(k.value) === String(key);
    });
  };

  /** The deepest node along `path`, and whether the whole path was found. */
  const walk = (path: Path, at: 'key' | 'value'): { node: unknown; found: boolean } => {
    let node: unknown = doc.contents;
    for (let i = 0; i < path.length; i++) {
      const segment = path[i] ?? '';
      const container = resolve(node);
      const last = i === path.length - 1;
      if (isSeq(container) && typeof segment === 'number') {
        const item: unknown = container.items[segment];
        if (item === undefined) return { node, found: false };
        node = item;
        continue;
      }
      const pair = pairOf(container, segment);
      if (pair === undefined) return { node, found: false };
      // An empty value ("name:" and nothing) has no text of its own: point at its key.
      const value = pair.value;
      const empty = value === null || (isScalar(value) && value.value === null && rangeStart(value) === rangeEnd(value));
      node = (last && at === 'key') || empty ? pair.key : value;
    }
    return { node, found: true };
  };

  const position = (path: Path, at: 'key' | 'value' = 'value'): Position => {
    const { node } = walk(path, at);
    return pos(isPair(node) ? rangeStart(node.key) : rangeStart(node));
  };

  return {
    file,
    value,
    diagnostics,
    position,
    text(path) {
      const { node, found } = walk(path, 'value');
      if (!found || !isScalar(node) || node.range === undefined || node.range === null) return undefined;
      return text.slice(node.range[0], node.range[1]);
    },
    at(path, message, at = 'value') {
      return { file, ...position(path, at), message };
    },
  };
}

/** Offsets of a node's text; 0 for nodes without a range (nothing better to point at). */
function range(node: unknown): readonly [number, number] {
  if (typeof node !== 'object' || node === null || !('range' in node) || !Array.isArray(node.range)) return [0, 0];
  const [start, end]: unknown[] = node.range;
  return [typeof start === 'number' ? start : 0, typeof end === 'number' ? end : 0];
}

function rangeStart(node: unknown): number {
  return range(node)[0];
}

function rangeEnd(node: unknown): number {
  return range(node)[1];
}

/** Names the repeated key, which the yaml package does not. */
function duplicateKeyMessage(text: string, span: readonly [number, number]): string {
  // The error's range covers one character; the key runs to its colon.
  const key = (/^("[^"\n]*"|'[^'\n]*'|[^:,{}[\]\n]*)/.exec(text.slice(span[0]))?.[1] ?? '').trim();
  return key === '' ? 'duplicate key: each key may appear once in a map' : `duplicate key '${key}': each key may appear once in a map`;
}
