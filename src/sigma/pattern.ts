/**
 * Sigma string values: wildcards (`*` any run, `?` one character) with their
 * backslash escapes, the windash expansion, and compilation to the cheapest
 * test that decides them exactly (equality, prefix, suffix, substring, else
 * an anchored regular expression).
 */

/** A part of a string value: literal text, or a wildcard. */
export type Segment = string | Wildcard;
export const Wildcard = {
  /** `*`: any run of characters, the empty one included. */
  Any: 0,
  /** `?`: exactly one character. */
  One: 1,
  /** A windash position: one of - / – — ―. */
  Dash: 2,
} as const;
export type Wildcard = (typeof Wildcard)[keyof typeof Wildcard];

/** The characters windash puts at a flag's dash. */
export const DASHES = ['-', '/', '\u2013', '\u2014', '\u2015'] as const;

/**
 * Reads wildcards and escapes: `\*`, `\?` and `\\` are the plain characters;
 * any other backslash is itself (so `C:\Windows` needs no doubling).
 */
export function parseWildcards(text: string): Segment[] {
  const out: Segment[] = [];
  let literal = '';
  for (let i = 0; i < text.length; i++) {
    const c = text[i] ?? '';
    if (c === '\\') {
      const next = text[i + 1];
      if (next === '*' || next === '?' || next === '\\') {
        literal += next;
        i++;
      } else literal += c;
    } else if (c === '*' || c === '?') {
      if (literal !== '') out.push(literal);
      literal = '';
      out.push(c === '*' ? Wildcard.Any : Wildcard.One);
    } else literal += c;
  }
  if (literal !== '') out.push(literal);
  return out;
}

/** Whether the value has any wildcard. */
export function hasWildcards(segments: readonly Segment[]): boolean {
  return segments.some((s) => typeof s !== 'string');
}

/** The value's plain text (for a value without wildcards). */
export function plainText(segments: readonly Segment[]): string {
  return segments.map((s) => (typeof s === 'string' ? s : '')).join('');
}

/** Windash: a `-` or `/` that starts a flag (no word character before it, one after) matches any of {@link DASHES}. */
export function windash(segments: readonly Segment[]): Segment[] {
  const out: Segment[] = [];
  for (const s of segments) {
    if (typeof s !== 'string') {
      out.push(s);
      continue;
    }
    let last = 0;
    for (const m of s.matchAll(/\B[-/]\b/g)) {
      if (m.index > last) out.push(s.slice(last, m.index));
      out.push(Wildcard.Dash);
      last = m.index + 1;
    }
    if (last < s.length) out.push(s.slice(last));
  }
  return out;
}

/** `*` before and/or after, as contains, startswith and endswith add them (never doubled). */
export function surround(segments: readonly Segment[], before: boolean, after: boolean): Segment[] {
  const out = [...segments];
  if (before && out[0] !== Wildcard.Any) out.unshift(Wildcard.Any);
  if (after && out[out.length - 1] !== Wildcard.Any) out.push(Wildcard.Any);
  return out;
}

/** Adjacent literals joined, runs of `*` collapsed, literals lower-cased unless cased. */
function normalize(segments: readonly Segment[], cased: boolean): Segment[] {
  const out: Segment[] = [];
  for (const s of segments) {
    const text = typeof s === 'string' ? (cased ? s : s.toLowerCase()) : s;
    const prev = out[out.length - 1];
    if (typeof text === 'string' && typeof prev === 'string') out[out.length - 1] = prev + text;
    else if (!(text === Wildcard.Any && prev === Wildcard.Any)) out.push(text);
  }
  return out;
}

const escapeRegex = (s: string): string => s.replace(/[\\^$.*+?()[\]{}|/]/g, '\\$&');

/**
 * A test of one text (already lower-cased when not `cased`) against the
 * value. Literal-only shapes use string operations; the rest an anchored
 * regular expression, compiled here once.
 */
export function compileSegments(segments: readonly Segment[], cased: boolean): (s: string) => boolean {
  const n = normalize(segments, cased);
  const [first, second, third] = n;
  if (n.length === 0) return (s) => s === '';
  if (n.length === 1 && typeof first === 'string') return (s) => s === first;
  if (n.length === 1 && first === Wildcard.Any) return () => true;
  if (n.length === 2 && first === Wildcard.Any && typeof second === 'string') return (s) => s.endsWith(second);
  if (n.length === 2 && typeof first === 'string' && second === Wildcard.Any) return (s) => s.startsWith(first);
  if (n.length === 3 && first === Wildcard.Any && typeof second === 'string' && third === Wildcard.Any) return (s) => s.includes(second);
  const anchoredStart = first !== Wildcard.Any;
  const anchoredEnd = n[n.length - 1] !== Wildcard.Any;
  const body = n
    .slice(anchoredStart ? 0 : 1, anchoredEnd ? n.length : n.length - 1)
    .map((s) => {
      if (typeof s === 'string') return escapeRegex(s);
      if (s === Wildcard.Any) return '.*';
      if (s === Wildcard.One) return '.';
      return `[${DASHES.map(escapeRegex).join('')}]`;
    })
    .join('');
  const re = new RegExp(`${anchoredStart ? '^' : ''}${body}${anchoredEnd ? '$' : ''}`, 'su');
  return (s) => re.test(s);
}
