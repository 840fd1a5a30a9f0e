/**
 * A detection item (`Field|mod1|mod2: value or list`) compiled to a
 * predicate over an event. The modifier chain is checked first: an unknown
 * modifier, a combination with no exact meaning (base64 of a wildcard,
 * utf16 not followed by base64, a regex with contains, ...) or a value of
 * the wrong type refuses the rule with the position of the key or value.
 */
import { KEYWORDS, bestOf, segmentAnchor, setAnchors, unionOf } from './anchor.js';
import type { AnchorSet } from './anchor.js';
import type { EventView, FieldValue } from './event.js';
import { cidrContains, parseAddress, parseCidr } from './ip.js';
import type { Cidr } from './ip.js';
import type { Position } from './model.js';
import { Refused } from './model.js';
import { compileSegments, hasWildcards, parseWildcards, plainText, surround, windash } from './pattern.js';
import type { Segment } from './pattern.js';
import { compileRegex } from './regex.js';
import type { YNode, YScalar } from './yaml.js';

/** A compiled test of an event. */
export type Predicate = (view: EventView) => boolean;

const ALIASES: Readonly<Record<string, string>> = { wide: 'utf16le', ignorecase: 'i', multiline: 'm', dotall: 's' };
const KNOWN = new Set([
  'all', 'neq', 'cased', 'contains', 'startswith', 'endswith', 'windash', 'exists', 'expand',
  're', 'i', 'm', 's', 'base64', 'base64offset', 'utf16le', 'utf16be', 'utf16',
  'lt', 'lte', 'gt', 'gte', 'cidr', 'fieldref',
]); // prettier-ignore
const TIME = new Set(['minute', 'hour', 'day', 'week', 'month', 'year']);
const POSITION = ['contains', 'startswith', 'endswith'] as const;
const ENCODERS = new Set(['utf16le', 'utf16be', 'utf16']);
const BASE64 = new Set(['base64', 'base64offset']);
const COMPARE = new Set(['lt', 'lte', 'gt', 'gte']);

/** What a key asks for, once its modifiers are read and checked. */
interface Chain {
  readonly field: string | null;
  readonly mods: readonly string[];
  readonly has: (m: string) => boolean;
  readonly position: (typeof POSITION)[number] | undefined;
  readonly pos: Position;
}

/** Reads `Field|mod|mod` and checks each modifier is known and used where it means something exact. */
export function readChain(key: string, pos: Position): Chain {
  const [name = '', ...raw] = key.split('|');
  const mods = raw.map((m) => ALIASES[m] ?? m);
  for (const m of mods) {
    if (m === '') throw new Refused(pos, `empty modifier in "${key}"`);
    if (TIME.has(m)) throw new Refused(pos, `the time modifier "${m}" is not supported`);
    if (!KNOWN.has(m)) throw new Refused(pos, `unknown modifier "${m}" in "${key}"`);
  }
  const seen = new Set<string>();
  for (const m of mods) {
    if (seen.has(m)) throw new Refused(pos, `modifier "${m}" given twice in "${key}"`);
    seen.add(m);
  }
  const has = (m: string): boolean => seen.has(m);
  const positions = POSITION.filter(has);
  if (positions.length > 1) throw new Refused(pos, `"${positions.join('" and "')}" cannot be combined`);
  const chain: Chain = { field: name === '' ? null : name, mods, has, position: positions[0], pos };
  checkCombinations(chain, key);
  return chain;
}

/** The combinations Sigma gives an exact meaning to. */
function checkCombinations(c: Chain, key: string): void {
  const refuse = (reason: string): never => {
    throw new Refused(c.pos, `${reason} (in "${key}")`);
  };
  const others = (allowed: readonly string[]): string[] => c.mods.filter((m) => !allowed.includes(m));
  const listMods = ['all', 'neq'];
  if (c.has('re')) {
    const extra = others(['re', 'i', 'm', 's', ...listMods]);
    if (extra.length > 0) refuse(`"re" takes only the i, m and s flags (and all, neq), not "${extra.join('", "')}"`);
    if (others(listMods)[0] !== 're') refuse('"re" must come before its flags');
  } else if (['i', 'm', 's'].some(c.has)) refuse('the i, m and s flags belong after "re"');
  if (c.has('cidr') && others(['cidr', ...listMods]).length > 0) refuse('"cidr" cannot be combined with other value modifiers');
  if (c.has('exists') && c.mods.length > 1) refuse('"exists" stands alone');
  const compare = c.mods.filter((m) => COMPARE.has(m));
  if (compare.length > 0 && c.mods.length > 1) refuse(`"${compare[0] ?? ''}" stands alone`);
  if (c.has('fieldref') && others(['fieldref', 'cased', ...POSITION, ...listMods]).length > 0) {
    refuse('"fieldref" combines only with cased, contains, startswith, endswith, all and neq');
  }
  checkEncoding(c, refuse);
  if (c.field === null && ['exists', 'fieldref', 'cidr', 'neq', ...COMPARE].some(c.has)) {
    refuse('a keyword search (no field name) takes no exists, fieldref, cidr, neq or comparison');
  }
  if (c.has('expand') && (c.has('re') || c.has('cidr') || c.has('fieldref'))) refuse('"expand" applies to plain values only');
}

function checkEncoding(c: Chain, refuse: (reason: string) => never): void {
  const { mods } = c;
  const base64 = mods.filter((m) => BASE64.has(m));
  if (base64.length > 1) refuse('"base64" and "base64offset" cannot be combined');
  mods.forEach((m, i) => {
    if (ENCODERS.has(m) && !BASE64.has(mods[i + 1] ?? '')) refuse(`"${m}" must be followed by base64 or base64offset`);
  });
  const b = mods.findIndex((m) => BASE64.has(m));
  if (b === -1) return;
  if (c.has('windash')) refuse('"windash" cannot be combined with base64 encoding');
  if (c.has('expand')) refuse('"expand" cannot be combined with base64 encoding');
  const firstPosition = mods.findIndex((m) => (POSITION as readonly string[]).includes(m));
  if (firstPosition !== -1 && firstPosition < b) refuse(`"${mods[firstPosition] ?? ''}" before base64 would encode its wildcards`);
  const firstEncoder = mods.findIndex((m) => ENCODERS.has(m));
  if (firstEncoder !== -1 && firstEncoder > b) refuse('utf16 encoding must come before base64');
}

/** The scalar values of an item: one value, or a list of them. */
function valuesOf(node: YNode, key: string): YScalar[] {
  if (node.kind === 'scalar') return [node];
  if (node.kind === 'map') throw new Refused(node.pos, `"${key}" has a map as its value: give a value or a list of values`);
  if (node.items.length === 0) throw new Refused(node.pos, `"${key}" has an empty list`);
  return node.items.map((item) => {
    if (item.kind !== 'scalar') throw new Refused(item.pos, `"${key}": a list of values may hold only plain values`);
    if (item.value === null) throw new Refused(item.pos, 'null cannot be part of a list of values: give it its own selection');
    return item;
  });
}

/** Compiles one `key: value` of a selection (or a keyword list when the key has no field). */
export function compileItem(key: string, keyPos: Position, node: YNode): Predicate {
  const chain = readChain(key, keyPos);
  const values = valuesOf(node, key);
  const first = values[0];
  if (values.length === 1 && first?.value === null) {
    if (chain.mods.length > 0) throw new Refused(first.pos, 'null takes no modifiers');
    if (chain.field === null) throw new Refused(first.pos, 'a keyword cannot be null');
    const field = chain.field;
    return (view) => view.field(field).isNull;
  }
  if (chain.has('exists')) return compileExists(chain, values);
  const tests = values.map((v) => valueTest(chain, v));
  const all = chain.has('all');
  const get = fieldGetter(chain.field);
  const item: Predicate = all
    ? (view) => {
        const fv = get(view);
        for (const t of tests) if (!t(fv, view)) return false;
        return true;
      }
    : (view) => {
        const fv = get(view);
        for (const t of tests) if (t(fv, view)) return true;
        return false;
      };
  if (chain.has('neq')) return (view) => !item(view);
  setAnchors(item, itemAnchors(chain, values));
  return item;
}

function fieldGetter(field: string | null): (view: EventView) => FieldValue {
  return field === null ? (view) => view.keywords() : (view) => view.field(field);
}

function compileExists(chain: Chain, values: readonly YScalar[]): Predicate {
  const [v] = values;
  if (values.length !== 1 || typeof v?.value !== 'boolean') throw new Refused(v?.pos ?? chain.pos, '"exists" takes true or false');
  const want = v.value;
  const field = chain.field ?? '';
  return (view) => view.field(field).present === want;
}

/** A test of one value against a field. */
type ValueTest = (fv: FieldValue, view: EventView) => boolean;

function valueTest(chain: Chain, v: YScalar): ValueTest {
  if (chain.has('re')) return regexTest(chain, v);
  if (chain.has('cidr')) return cidrTest(v);
  if (chain.mods.some((m) => COMPARE.has(m))) return compareTest(chain, v);
  if (chain.has('fieldref')) return fieldrefTest(chain, v);
  if (typeof v.value === 'number' && !isStringItem(chain, v)) return numberTest(v.value, v.text);
  if (typeof v.value === 'boolean' && !isStringItem(chain, v)) return booleanTest(v.value);
  return stringTest(chain, v);
}

function anyString(cased: boolean, test: (s: string) => boolean): ValueTest {
  return cased
    ? (fv) => {
        for (const s of fv.strings) if (test(s)) return true;
        return false;
      }
    : (fv) => {
        for (const s of fv.lower()) if (test(s)) return true;
        return false;
      };
}

function numberTest(n: number, text: string): ValueTest {
  const written = text.toLowerCase();
  const plain = String(n);
  return (fv) => {
    for (const v of fv.values) {
      if (typeof v === 'number' && v === n) return true;
      if (typeof v === 'string') {
        const l = v.toLowerCase();
        if (l === written || l === plain) return true;
      }
    }
    return false;
  };
}

function booleanTest(b: boolean): ValueTest {
  const text = String(b);
  return (fv) => fv.values.some((v) => v === b || (typeof v === 'string' && v.toLowerCase() === text));
}

/** A plain value's segments after expand (placeholders refused) and the encodings: one or more alternatives. */
function alternatives(chain: Chain, v: YScalar): Segment[][] {
  let text = v.text;
  if (chain.has('expand')) {
    const placeholder = /(?<!\\)%([^%\s]+)%/.exec(text);
    if (placeholder) throw new Refused(v.pos, `the placeholder %${placeholder[1] ?? ''}% is not defined (Tandem defines no placeholders)`);
    text = text.replace(/\\%/g, '%');
  }
  const segments = parseWildcards(text);
  const b64 = chain.mods.find((m) => BASE64.has(m));
  if (b64 === undefined) return [segments];
  if (hasWildcards(segments)) throw new Refused(v.pos, 'base64 encoding of a value with wildcards has no exact meaning');
  const bytes = encode(plainText(segments), chain);
  if (b64 === 'base64') return [[bytes.toString('base64')]];
  return base64Offsets(bytes).map((s) => [s]);
}

function encode(text: string, chain: Chain): Buffer {
  if (chain.has('utf16le')) return Buffer.from(text, 'utf16le');
  if (chain.has('utf16')) return Buffer.concat([Buffer.from([0xff, 0xfe]), Buffer.from(text, 'utf16le')]);
  if (chain.has('utf16be')) return Buffer.from(text, 'utf16le').swap16();
  return Buffer.from(text, 'utf8');
}

/** The three base64 forms of the bytes at offsets 0, 1 and 2, without the characters that depend on the neighbours. */
export function base64Offsets(bytes: Buffer): string[] {
  const starts = [0, 2, 3];
  const ends = [undefined, -3, -2];
  return [0, 1, 2].map((i) => {
    const encoded = Buffer.concat([Buffer.alloc(i, 0x20), bytes]).toString('base64');
    return encoded.slice(starts[i], ends[(bytes.length + i) % 3]);
  });
}

/** The value's alternatives as wildcard segments, windash and contains/startswith/endswith applied. */
function shapedAlternatives(chain: Chain, v: YScalar): Segment[][] {
  const keyword = chain.field === null;
  const before = chain.position === 'contains' || chain.position === 'endswith' || (keyword && chain.position === undefined);
  const after = chain.position === 'contains' || chain.position === 'startswith' || (keyword && chain.position === undefined);
  return alternatives(chain, v).map((segments) => surround(chain.has('windash') ? windash(segments) : segments, before, after));
}

/** Whether the item's values go through the string test (not a number, boolean, regex, range, comparison or reference). */
function isStringItem(chain: Chain, v: YScalar): boolean {
  if (['re', 'cidr', 'fieldref', 'exists', ...COMPARE].some(chain.has)) return false;
  // A keyword search is always a text search (a number keyword is found inside the event's texts).
  const stringy = chain.field === null || chain.mods.some((m) => !['all', 'neq', 'expand'].includes(m));
  return typeof v.value === 'string' || stringy;
}

/**
 * The item's anchors (see anchor.ts): for a case-insensitive string item on a
 * field (or a keyword search), each value's literal requirement; any one
 * value's when all must hold.
 */
function itemAnchors(chain: Chain, values: readonly YScalar[]): AnchorSet | undefined {
  const field = chain.field ?? KEYWORDS;
  if (chain.has('neq') || chain.has('cased') || !values.every((v) => isStringItem(chain, v))) return undefined;
  const perValue = values.map((v) =>
    unionOf(
      shapedAlternatives(chain, v).map((segments) => {
        const a = segmentAnchor(field, segments);
        return a === undefined ? undefined : [a];
      }),
    ),
  );
  return chain.has('all') ? bestOf(perValue) : unionOf(perValue);
}

function stringTest(chain: Chain, v: YScalar): ValueTest {
  const cased = chain.has('cased');
  const tests = shapedAlternatives(chain, v).map((shaped) => compileSegments(shaped, cased));
  const [only] = tests;
  const test = tests.length === 1 && only ? only : (s: string) => tests.some((t) => t(s));
  return anyString(cased, test);
}

function regexTest(chain: Chain, v: YScalar): ValueTest {
  let re: RegExp;
  try {
    re = compileRegex(v.text, { i: chain.has('i'), m: chain.has('m'), s: chain.has('s') });
  } catch (err) {
    throw new Refused(
      v.pos,
      `regular expression /${v.text}/ cannot be matched exactly: ${err instanceof Error ? err.message : String(err)}`,
    );
  }
  return anyString(true, (s) => re.test(s));
}

function cidrTest(v: YScalar): ValueTest {
  let range: Cidr;
  try {
    range = parseCidr(v.text);
  } catch (err) {
    throw new Refused(v.pos, err instanceof Error ? err.message : String(err));
  }
  return (fv) => {
    for (const s of fv.strings) {
      const address = parseAddress(s);
      if (address !== undefined && cidrContains(range, address)) return true;
    }
    return false;
  };
}

function numeric(v: unknown): number | undefined {
  if (typeof v === 'number') return v;
  if (typeof v !== 'string' || v.trim() === '') return undefined;
  const n = Number(v);
  return Number.isFinite(n) ? n : undefined;
}

function compareTest(chain: Chain, v: YScalar): ValueTest {
  if (typeof v.value !== 'number') throw new Refused(v.pos, `"${chain.mods[0] ?? ''}" compares numbers: give a number`);
  const n = v.value;
  const op = chain.mods[0];
  const cmp =
    op === 'lt' ? (x: number) => x < n : op === 'lte' ? (x: number) => x <= n : op === 'gt' ? (x: number) => x > n : (x: number) => x >= n;
  return (fv) =>
    fv.values.some((x) => {
      const num = numeric(x);
      return num !== undefined && cmp(num);
    });
}

function fieldrefTest(chain: Chain, v: YScalar): ValueTest {
  const segments = parseWildcards(v.text);
  if (typeof v.value !== 'string' || hasWildcards(segments) || v.text === '') throw new Refused(v.pos, '"fieldref" takes a field name');
  const other = plainText(segments);
  const cased = chain.has('cased');
  const pos = chain.position;
  const relate = (s: string, ref: string): boolean =>
    pos === 'contains' ? s.includes(ref) : pos === 'startswith' ? s.startsWith(ref) : pos === 'endswith' ? s.endsWith(ref) : s === ref;
  return (fv, view) => {
    const ref = view.field(other);
    const mine = cased ? fv.strings : fv.lower();
    const theirs = cased ? ref.strings : ref.lower();
    return mine.some((s) => theirs.some((r) => relate(s, r)));
  };
}
