/**
 * Sigma conditions: a tokenizer and a precedence parser (least to most
 * binding: `or`, `and`, `not`, `1 of` / `any of` / `all of`, parentheses),
 * then compilation to a closure over the search identifiers' predicates.
 * Aggregations (`| count() ...`) and anything else the grammar does not
 * have are refused with the column where they start.
 */

/** A parsed condition. `of` is already resolved to the identifiers it names. */
export type Condition =
  | { readonly op: 'id'; readonly name: string }
  | { readonly op: 'not'; readonly arg: Condition }
  | { readonly op: 'and' | 'or'; readonly args: readonly Condition[] };

/** Why a condition cannot be read, and where (0-based offset in its text). */
export class ConditionError extends Error {
  constructor(
    readonly offset: number,
    readonly reason: string,
  ) {
    super(reason);
    this.name = 'ConditionError';
  }
}

interface Token {
  readonly text: string;
  readonly offset: number;
}

const WORD = /[A-Za-z0-9_*-]/;

/** Words, parentheses and their offsets; a `|` (an aggregation) or a stray character is an error. */
export function tokenize(text: string): Token[] {
  const tokens: Token[] = [];
  for (let i = 0; i < text.length;) {
    const c = text[i] ?? '';
    if (/\s/.test(c)) i++;
    else if (c === '(' || c === ')') tokens.push({ text: c, offset: i++ });
    else if (c === '|')
      throw new ConditionError(
        i,
        'aggregation conditions ("| count() ...") are not supported; Sigma v2 expresses them as correlation rules',
      );
    else if (WORD.test(c)) {
      const start = i;
      while (i < text.length && WORD.test(text[i] ?? '')) i++;
      tokens.push({ text: text.slice(start, i), offset: start });
    } else throw new ConditionError(i, `unexpected "${c}" in the condition`);
  }
  return tokens;
}

const KEYWORDS = new Set(['and', 'or', 'not', 'of', 'them', '1', 'any', 'all']);

/** Which identifiers `1 of PATTERN` / `all of them` names: `*` matches any run; `_`-prefixed ones only when the pattern starts with `_`. */
export function selectIdentifiers(pattern: string, identifiers: readonly string[]): string[] {
  if (pattern === 'them') return identifiers.filter((id) => !id.startsWith('_'));
  // Patterns hold only word characters, "-" and "*" (the tokenizer's WORD): none is special outside a class.
  const re = new RegExp(`^${pattern.split('*').join('.*')}$`, 'u');
  return identifiers.filter((id) => re.test(id) && (pattern.startsWith('_') || !id.startsWith('_')));
}

/** Parses a condition over the detection's search identifiers. Throws {@link ConditionError}. */
export function parseCondition(text: string, identifiers: readonly string[]): Condition {
  const tokens = tokenize(text);
  let at = 0;
  const peek = (): Token | undefined => tokens[at];
  const end = (): number => peek()?.offset ?? text.length;
  const expect = (word: string): void => {
    if (peek()?.text !== word)
      throw new ConditionError(end(), `expected "${word}"${peek() ? ` but found "${peek()?.text ?? ''}"` : ' at the end'}`);
    at++;
  };
  const binary = (op: 'and' | 'or', next: () => Condition): Condition => {
    const args = [next()];
    while (peek()?.text === op) {
      at++;
      args.push(next());
    }
    return args.length === 1 && args[0] ? args[0] : { op, args };
  };
  const or = (): Condition => binary('or', and);
  const and = (): Condition => binary('and', not);
  const not = (): Condition => {
    if (peek()?.text !== 'not') return primary();
    at++;
    return { op: 'not', arg: not() };
  };
  const primary = (): Condition => {
    const t = peek();
    if (t === undefined) throw new ConditionError(text.length, 'the condition ends where a search identifier was expected');
    at++;
    if (t.text === '(') {
      const inner = or();
      expect(')');
      return inner;
    }
    if (t.text === '1' || t.text === 'any' || t.text === 'all') return quantified(t);
    if (/^\d+$/.test(t.text) && tokens[at]?.text === 'of')
      throw new ConditionError(t.offset, `"${t.text} of" is not Sigma: write "1 of" or "all of"`);
    if (KEYWORDS.has(t.text) || t.text.includes('*'))
      throw new ConditionError(t.offset, `unexpected "${t.text}" where a search identifier was expected`);
    if (!identifiers.includes(t.text))
      throw new ConditionError(t.offset, `the condition names "${t.text}", which the detection does not define`);
    return { op: 'id', name: t.text };
  };
  const quantified = (q: Token): Condition => {
    expect('of');
    const p = peek();
    if (p === undefined || p.text === '(' || p.text === ')' || (KEYWORDS.has(p.text) && p.text !== 'them')) {
      throw new ConditionError(end(), `"${q.text} of" needs a search identifier pattern or "them"`);
    }
    at++;
    const names = selectIdentifiers(p.text, identifiers);
    if (names.length === 0) throw new ConditionError(p.offset, `"${p.text}" matches no search identifier of the detection`);
    const args = names.map((name): Condition => ({ op: 'id', name }));
    return args.length === 1 && args[0] ? args[0] : { op: q.text === 'all' ? 'and' : 'or', args };
  };
  const result = or();
  if (at < tokens.length) throw new ConditionError(end(), `unexpected "${peek()?.text ?? ''}" after a complete condition`);
  return result;
}

/** Compiles a condition to a predicate, given a predicate for each identifier it names. */
export function compileCondition<T>(c: Condition, predicates: ReadonlyMap<string, (x: T) => boolean>): (x: T) => boolean {
  switch (c.op) {
    case 'id': {
      const p = predicates.get(c.name);
      if (p === undefined) throw new Error(`no predicate for "${c.name}"`);
      return p;
    }
    case 'not': {
      const p = compileCondition(c.arg, predicates);
      return (x) => !p(x);
    }
    case 'and': {
      const ps = c.args.map((a) => compileCondition(a, predicates));
      return (x) => {
        for (const p of ps) if (!p(x)) return false;
        return true;
      };
    }
    case 'or': {
      const ps = c.args.map((a) => compileCondition(a, predicates));
      return (x) => {
        for (const p of ps) if (p(x)) return true;
        return false;
      };
    }
  }
}

/** The identifiers a condition reads. */
export function conditionIdentifiers(c: Condition, out = new Set<string>()): Set<string> {
  if (c.op === 'id') out.add(c.name);
  else if (c.op === 'not') conditionIdentifiers(c.arg, out);
  else for (const a of c.args) conditionIdentifiers(a, out);
  return out;
}
