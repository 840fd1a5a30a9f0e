/**
 * Sigma's `re` values are PCRE. JavaScript's regular expressions (in their
 * strict `u` mode) read the same text the same way for the common subset;
 * this translation closes the known gaps (PCRE's escaped punctuation, a
 * literal `{` or a leading `]` in a class, `(?P<name>`, leading inline
 * flags, `.` and `$` around newlines) and anything else JavaScript would
 * read differently fails to compile, which refuses the rule instead of
 * matching something else.
 */

/** The regex flags a rule asks for with `|re|i|m|s`. */
export interface RegexFlags {
  readonly i: boolean;
  readonly m: boolean;
  readonly s: boolean;
}

const SYNTAX = new Set(['^', '$', '\\', '.', '*', '+', '?', '(', ')', '[', ']', '{', '}', '|', '/']);
const QUANTIFIER = /^\{\d+(,\d*)?\}/;

/** Leading `(?ims)` groups become flags, as PCRE reads them at the start of the pattern. */
function leadingFlags(source: string, flags: RegexFlags): { rest: string; flags: RegexFlags } {
  const m = /^\(\?([ims]+)\)/.exec(source);
  if (!m) return { rest: source, flags };
  const set = m[1] ?? '';
  return {
    rest: source.slice(m[0].length),
    flags: { i: flags.i || set.includes('i'), m: flags.m || set.includes('m'), s: flags.s || set.includes('s') },
  };
}

/** One `\x` escape: what JavaScript should read for it. */
function escapeFor(next: string, inClass: boolean): string {
  if (/[A-Za-z0-9]/.test(next)) return `\\${next}`;
  if (SYNTAX.has(next) || (inClass && next === '-')) return `\\${next}`;
  return next;
}

/** The PCRE pattern as JavaScript reads it. */
function translate(source: string, flags: RegexFlags): string {
  let out = '';
  let inClass = false;
  let classStart = -1;
  for (let i = 0; i < source.length; i++) {
    const c = source[i] ?? '';
    if (c === '\\') {
      const next = source[i + 1];
      if (next === undefined) throw new SyntaxError('a trailing backslash');
      out += escapeFor(next, inClass);
      i++;
    } else if (inClass) {
      if (c === ']' && i !== classStart) inClass = false;
      out += c === ']' && i === classStart ? '\\]' : c;
    } else if (c === '[') {
      inClass = true;
      classStart = source[i + 1] === '^' ? i + 2 : i + 1;
      out += c;
    } else if (c === '{') {
      const quantifier = QUANTIFIER.exec(source.slice(i))?.[0];
      out += quantifier ?? '\\{';
      i += quantifier === undefined ? 0 : quantifier.length - 1;
    } else if (c === '}' || c === ']') out += `\\${c}`;
    else if (c === '(' && source.startsWith('(?P<', i)) {
      out += '(?<';
      i += 3;
    } else if (c === '(' && source.startsWith('(?P=', i)) {
      const end = source.indexOf(')', i);
      if (end === -1) throw new SyntaxError('an unclosed (?P= group');
      out += `\\k<${source.slice(i + 4, end)}>`;
      i = end;
    } else if (c === '.' && !flags.s) out += '[^\\n]';
    else if (c === '$' && !flags.m) out += '(?:$|(?=\\n$))';
    else out += c;
  }
  if (inClass) throw new SyntaxError('an unclosed character class');
  return out;
}

/** Compiles a Sigma `re` value; throws SyntaxError with the reason when JavaScript cannot read it exactly. */
export function compileRegex(source: string, requested: RegexFlags): RegExp {
  const { rest, flags } = leadingFlags(source, requested);
  const js = translate(rest, flags);
  return new RegExp(js, `u${flags.i ? 'i' : ''}${flags.m ? 'm' : ''}${flags.s ? 's' : ''}`);
}
