/**
 * A fast reader for the plain subset of YAML that engagement files are written in: block maps and lists, flow
 * maps and lists on one line, plain and quoted one-line scalars, comments. It exists for start-up time: an MSP's
 * 2,000 files took ~55% of their load in the full parser (the `yaml` package builds tokens, a syntax tree and a
 * document, and reads process.env for every token; issue 14).
 *
 * It never decides what a file means differently from the `yaml` package: anything outside the subset (anchors,
 * tags, block or multi-line scalars, escapes, multi-line flow collections, tabs, CR, empty list items, repeated keys,
 * any syntax error...) makes it give up (undefined), and the caller parses the file with the `yaml` package, which
 * also writes every diagnostic. A file it reads yields the same value, and the same node offsets for positions, as the
 * `yaml` package's core schema; a test compares both on every YAML file in the repository and on mutations of them.
 */

/** A parsed node with the offsets positions are computed from (as the `yaml` package's node ranges). */
export type SubsetNode = SubsetScalar | SubsetMap | SubsetSeq;

export interface SubsetScalar {
  readonly kind: 'scalar';
  readonly start: number;
  /** End of its text (after a closing quote); equal to start for an empty value. */
  readonly end: number;
  readonly value: unknown;
}

export interface SubsetMap {
  readonly kind: 'map';
  readonly start: number;
  readonly keys: SubsetScalar[];
  readonly values: SubsetNode[];
  readonly value: Record<string, unknown>;
}

export interface SubsetSeq {
  readonly kind: 'seq';
  readonly start: number;
  readonly items: SubsetNode[];
  readonly value: unknown[];
}

export interface SubsetDocument {
  readonly root: SubsetMap;
  /** Offset of each line's start, for positions. */
  readonly lineStarts: readonly number[];
}

/** Thrown inside the reader when the text leaves the subset; never escapes {@link parseSubset}. */
class OutsideSubset extends Error {}
function outside(): never {
  throw new OutsideSubset();
}

/** Characters that need the full parser anywhere in the file: tabs, CR, other controls, BOM, line separators. */
// eslint-disable-next-line no-control-regex -- control characters are exactly what this looks for
const UNSUPPORTED_CHARACTERS = /[\u0000-\u0009\u000b-\u001f\u007f-\u009f\u2028\u2029\ufeff]/;

/** Characters a plain scalar may not start with (indicators); "-", "?" and ":" only when followed by a space. */
const INDICATORS = new Set(['#', '&', '*', '!', '|', '>', '%', '@', '`', ',', '[', ']', '{', '}', '"', "'"]);

const SPACE = 32;

/** The core schema's reading of a plain scalar (the `yaml` package's default tags, tried in its order). */
export function resolvePlain(text: string): unknown {
  if (/^(?:~|[Nn]ull|NULL)?$/.test(text)) return null;
  if (/^(?:[Tt]rue|TRUE|[Ff]alse|FALSE)$/.test(text)) return text[0] === 't' || text[0] === 'T';
  if (/^0o[0-7]+$/.test(text)) return parseInt(text.substring(2), 8);
  if (/^[-+]?[0-9]+$/.test(text)) return parseInt(text, 10);
  if (/^0x[0-9a-fA-F]+$/.test(text)) return parseInt(text.substring(2), 16);
  if (/^(?:[-+]?\.(?:inf|Inf|INF)|\.nan|\.NaN|\.NAN)$/.test(text)) {
    return text.slice(-3).toLowerCase() === 'nan' ? NaN : text[0] === '-' ? -Infinity : Infinity;
  }
  if (/^[-+]?(?:\.[0-9]+|[0-9]+(?:\.[0-9]*)?)[eE][-+]?[0-9]+$/.test(text)) return parseFloat(text);
  if (/^[-+]?(?:\.[0-9]+|[0-9]+\.[0-9]*)$/.test(text)) return parseFloat(text);
  return text;
}

/** Sets a key as data: a key named "__proto__" must not become the object's prototype. */
function assign(object: Record<string, unknown>, key: string, value: unknown): void {
  if (key === '__proto__') Object.defineProperty(object, key, { value, enumerable: true, writable: true, configurable: true });
  else object[key] = value;
}

/** One line with content (blank and comment-only lines are skipped). */
interface Line {
  /** Offset of its first non-space character. */
  readonly start: number;
  readonly indent: number;
  /** Offset of its end (its newline, or the end of the text). */
  readonly end: number;
}

const MAX_DEPTH = 64;

/** Reads `text` if it is in the subset (a block map at the top); undefined means: use the full parser. */
export function parseSubset(text: string): SubsetDocument | undefined {
  if (UNSUPPORTED_CHARACTERS.test(text)) return undefined;
  try {
    return new Reader(text).document();
  } catch (error) {
    if (error instanceof OutsideSubset) return undefined;
    throw error;
  }
}

class Reader {
  readonly lines: Line[] = [];
  readonly lineStarts: number[] = [];
  /** The next line to read. */
  i = 0;

  constructor(readonly s: string) {
    for (let start = 0; start <= s.length;) {
      this.lineStarts.push(start);
      const nl = s.indexOf('\n', start);
      const end = nl === -1 ? s.length : nl;
      let p = start;
      while (p < end && s.charCodeAt(p) === SPACE) p++;
      const c = s[p];
      if (p < end && c !== '#') {
        // Directives and document markers belong to the full parser.
        if (p === start && (c === '%' || s.startsWith('---', p) || s.startsWith('...', p))) outside();
        this.lines.push({ start: p, indent: p - start, end });
      }
      if (nl === -1) break;
      start = nl + 1;
    }
  }

  document(): SubsetDocument {
    const first = this.lines[0] ?? outside();
    if (this.isSeqItem(first)) outside();
    const root = this.map(first.indent, first.start, 0);
    if (this.i < this.lines.length) outside();
    return { root, lineStarts: this.lineStarts };
  }

  isSeqItem(line: Line): boolean {
    return this.s[line.start] === '-' && (line.start + 1 === line.end || this.s.charCodeAt(line.start + 1) === SPACE);
  }

  /** Skips spaces from p; then only a comment or the line's end may follow, else outside the subset. */
  restOfLine(p: number, end: number): void {
    const q = this.skipSpaces(p, end);
    if (q < end && !(this.s[q] === '#' && q > p)) outside();
  }

  skipSpaces(p: number, end: number): number {
    while (p < end && this.s.charCodeAt(p) === SPACE) p++;
    return p;
  }

  /**
   * A block map whose keys are at column `col`; its first key starts at `at` on the current line (mid-line for a
   * map that is a list item, "- id: x").
   */
  map(col: number, at: number, depth: number): SubsetMap {
    if (depth > MAX_DEPTH) outside();
    const node: SubsetMap = { kind: 'map', start: at, keys: [], values: [], value: {} };
    const seen = new Set<string>();
    let p = at;
    for (;;) {
      const line = this.lines[this.i] as Line;
      const key = this.key(p, line.end) ?? outside();
      const name = key.value as string;
      if (seen.has(name)) outside();
      seen.add(name);
      const value = this.valueAfterKey(key.next, line, col, depth);
      node.keys.push(key.node);
      node.values.push(value);
      assign(node.value, name, value.value);
      const next = this.lines[this.i];
      if (next === undefined || next.indent < col) return node;
      if (next.indent > col || this.isSeqItem(next)) outside();
      p = next.start;
    }
  }

  /** A key at p (plain or quoted, then ":" and a space or the line's end), or undefined when p holds no key. */
  key(p: number, end: number): { node: SubsetScalar; value: string; next: number } | undefined {
    const s = this.s;
    const c = s[p] ?? '';
    if (c === '"' || c === "'") {
      const quoted = this.quoted(p, end);
      const q = this.skipSpaces(quoted.end, end);
      if (q - p > 1000) outside();
      if (s[q] !== ':' || (q + 1 < end && s.charCodeAt(q + 1) !== SPACE)) return undefined;
      return { node: quoted, value: quoted.value as string, next: q + 1 };
    }
    if (INDICATORS.has(c) || ((c === '-' || c === '?' || c === ':') && (p + 1 === end || s.charCodeAt(p + 1) === SPACE))) return undefined;
    for (let q = p; q < end; q++) {
      const ch = s[q];
      if (ch === '#' && s.charCodeAt(q - 1) === SPACE) return undefined;
      if (ch === ':' && (q + 1 === end || s.charCodeAt(q + 1) === SPACE)) {
        let last = q;
        while (s.charCodeAt(last - 1) === SPACE) last--;
        const text = s.slice(p, last);
        if (q - p > 1000) outside();
        // Plain keys with flow or quote characters, or that read as other than a string, go to the full parser.
        if (/[[\]{},"'#]/.test(text)) outside();
        const value = resolvePlain(text);
        if (typeof value !== 'string') outside();
        return { node: { kind: 'scalar', start: p, end: last, value }, value: text, next: q + 1 };
      }
    }
    return undefined;
  }

  /** The value after a block map's "key:" at p on `line` (the map's keys are at `col`); advances past its lines. */
  valueAfterKey(p: number, line: Line, col: number, depth: number): SubsetNode {
    const q = this.skipSpaces(p, line.end);
    this.i++;
    if (q === line.end || this.s[q] === '#') {
      const next = this.lines[this.i];
      if (next !== undefined && next.indent > col) return this.block(next, depth + 1);
      // "key:" then a list at the key's own column is the key's value.
      if (next !== undefined && next.indent === col && this.isSeqItem(next)) return this.seq(col, depth + 1);
      return { kind: 'scalar', start: q, end: q, value: null };
    }
    const node = this.inline(q, line.end, depth);
    const next = this.lines[this.i];
    // A deeper line after a value on the key's line: a multi-line scalar or an error.
    if (next !== undefined && next.indent > col) outside();
    return node;
  }

  /** A block node starting at `line` (a list or a map). */
  block(line: Line, depth: number): SubsetNode {
    return this.isSeqItem(line) ? this.seq(line.indent, depth) : this.map(line.indent, line.start, depth);
  }

  /** A block list whose "-" are at column `col`, starting at the current line. */
  seq(col: number, depth: number): SubsetSeq {
    if (depth > MAX_DEPTH) outside();
    const first = this.lines[this.i] as Line;
    const node: SubsetSeq = { kind: 'seq', start: first.start, items: [], value: [] };
    for (;;) {
      const line = this.lines[this.i] as Line;
      const q = this.skipSpaces(line.start + 1, line.end);
      let item: SubsetNode;
      if (q === line.end || this.s[q] === '#') {
        this.i++;
        const next = this.lines[this.i];
        // An empty item (null) is left to the full parser.
        if (next === undefined || next.indent <= col) outside();
        item = this.block(next as Line, depth + 1);
      } else if (this.s[q] === '-' && (q + 1 === line.end || this.s.charCodeAt(q + 1) === SPACE)) {
        outside();
      } else if (this.key(q, line.end) !== undefined) {
        // A map as a list item ("- id: x"): its keys are at the column of its first key.
        item = this.map(q - this.lineStartOf(line), q, depth + 1);
      } else {
        this.i++;
        item = this.inline(q, line.end, depth);
        const next = this.lines[this.i];
        if (next !== undefined && next.indent > col) outside();
      }
      node.items.push(item);
      node.value.push(item.value);
      const next = this.lines[this.i];
      if (next === undefined || next.indent < col) return node;
      if (next.indent > col) outside();
      if (!this.isSeqItem(next)) return node;
    }
  }

  /** Offset of the start of the line holding `line` (its indentation's first character). */
  lineStartOf(line: Line): number {
    return line.start - line.indent;
  }

  /** A value written on the rest of a line: a flow collection, a quoted scalar or a plain scalar; then the line ends. */
  inline(p: number, end: number, depth: number): SubsetNode {
    const s = this.s;
    const c = s[p] ?? '';
    if (c === '[' || c === '{') {
      const node = this.flow(p, end, depth + 1);
      this.restOfLine(node.end, end);
      return node.node;
    }
    if (c === '"' || c === "'") {
      const node = this.quoted(p, end);
      this.restOfLine(node.end, end);
      return node;
    }
    if (INDICATORS.has(c) || ((c === '-' || c === '?' || c === ':') && (p + 1 === end || s.charCodeAt(p + 1) === SPACE))) outside();
    let last = end;
    for (let q = p; q < end; q++) {
      const ch = s[q];
      if (ch === '#' && s.charCodeAt(q - 1) === SPACE) {
        last = q;
        break;
      }
      // "a: b" on a value's line is a nested map (an error in block context); leave it to the full parser.
      if (ch === ':' && (q + 1 === end || s.charCodeAt(q + 1) === SPACE)) outside();
    }
    while (s.charCodeAt(last - 1) === SPACE) last--;
    const text = s.slice(p, last);
    return { kind: 'scalar', start: p, end: last, value: resolvePlain(text) };
  }

  /** A quoted scalar on one line, without escapes. */
  quoted(p: number, end: number): SubsetScalar {
    const s = this.s;
    if (s[p] === '"') {
      const close = s.indexOf('"', p + 1);
      if (close === -1 || close >= end) outside();
      const value = s.slice(p + 1, close);
      if (value.includes('\\')) outside();
      return { kind: 'scalar', start: p, end: close + 1, value };
    }
    let value = '';
    let from = p + 1;
    for (;;) {
      const close = s.indexOf("'", from);
      if (close === -1 || close >= end) outside();
      value += s.slice(from, close);
      if (s[close + 1] === "'") {
        value += "'";
        from = close + 2;
        continue;
      }
      return { kind: 'scalar', start: p, end: close + 1, value };
    }
  }

  /** A flow list or map that ends on the same line; returns it and the offset after its closing bracket. */
  flow(p: number, end: number, depth: number): { node: SubsetNode; end: number } {
    if (depth > MAX_DEPTH) outside();
    const s = this.s;
    const isMap = s[p] === '{';
    const close = isMap ? '}' : ']';
    let q = this.skipSpaces(p + 1, end);
    if (isMap) {
      const node: SubsetMap = { kind: 'map', start: p, keys: [], values: [], value: {} };
      if (s[q] === '}') return { node, end: q + 1 };
      for (;;) {
        const key = this.flowKey(q, end);
        if (node.keys.some((k) => k.value === key.value)) outside();
        q = this.skipSpaces(key.next, end);
        const value = this.flowNode(q, end, depth);
        node.keys.push(key.node);
        node.values.push(value.node);
        assign(node.value, key.value, value.node.value);
        q = this.skipSpaces(value.end, end);
        if (s[q] === '}') return { node, end: q + 1 };
        if (s[q] !== ',') outside();
        q = this.skipSpaces(q + 1, end);
        // A trailing comma, or an empty entry: the full parser.
        if (s[q] === '}' || s[q] === ',') outside();
      }
    }
    const node: SubsetSeq = { kind: 'seq', start: p, items: [], value: [] };
    if (s[q] === ']') return { node, end: q + 1 };
    for (;;) {
      const item = this.flowNode(q, end, depth);
      node.items.push(item.node);
      node.value.push(item.node.value);
      q = this.skipSpaces(item.end, end);
      // "[a: b]" (a one-pair map in a list) is left to the full parser.
      if (s[q] === close) return { node, end: q + 1 };
      if (s[q] !== ',') outside();
      q = this.skipSpaces(q + 1, end);
      if (s[q] === ']' || s[q] === ',') outside();
    }
  }

  /** A key in a flow map: quoted or plain, then ":" and a space. */
  flowKey(p: number, end: number): { node: SubsetScalar; value: string; next: number } {
    const s = this.s;
    let node: SubsetScalar;
    if (s[p] === '"' || s[p] === "'") node = this.quoted(p, end);
    else {
      const plain = this.flowPlain(p, end);
      if (typeof plain.value !== 'string') outside();
      node = plain;
    }
    const q = this.skipSpaces(node.end, end);
    if (q - p > 1000 || s[q] !== ':' || s.charCodeAt(q + 1) !== SPACE) outside();
    return { node, value: node.value as string, next: q + 1 };
  }

  /** A value inside a flow collection. */
  flowNode(p: number, end: number, depth: number): { node: SubsetNode; end: number } {
    const c = this.s[p];
    if (c === '[' || c === '{') return this.flow(p, end, depth + 1);
    if (c === '"' || c === "'") {
      const node = this.quoted(p, end);
      return { node, end: node.end };
    }
    const node = this.flowPlain(p, end);
    return { node, end: node.end };
  }

  /** A plain scalar inside a flow collection: it ends at a flow indicator, or a ":" or "#" that ends it. */
  flowPlain(p: number, end: number): SubsetScalar {
    const s = this.s;
    const c = s[p] ?? '';
    if (p >= end || INDICATORS.has(c) || ((c === '-' || c === '?' || c === ':') && (p + 1 === end || s.charCodeAt(p + 1) === SPACE))) {
      outside();
    }
    let q = p;
    for (; q < end; q++) {
      const ch = s[q] as string;
      if (ch === ',' || ch === '[' || ch === ']' || ch === '{' || ch === '}') break;
      if (ch === '#' && s.charCodeAt(q - 1) === SPACE) outside();
      if (ch === ':') {
        const after = s[q + 1];
        if (after === ' ' || after === ',' || after === '[' || after === ']' || after === '{' || after === '}' || q + 1 === end) break;
      }
    }
    if (q === end) outside();
    let last = q;
    while (s.charCodeAt(last - 1) === SPACE) last--;
    const text = s.slice(p, last);
    if (text === '') outside();
    return { kind: 'scalar', start: p, end: last, value: resolvePlain(text) };
  }
}
