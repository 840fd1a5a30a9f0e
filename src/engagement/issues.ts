/**
 * Turns schema (zod) issues into diagnostics at the offending node, with
 * messages that say what is wrong and what is allowed. Value parsers write
 * their own messages; this covers the rest: missing keys, unknown keys,
 * wrong types, values outside an enum, empty lists.
 */
import * as z from 'zod';
import type { Diagnostic } from './diagnostics.js';
import { closest, didYouMean, oneOf, show } from './diagnostics.js';
import type { Path, Source } from './source.js';
import { EXPECTATIONS } from './schema.js';

const TYPE_NAMES: Readonly<Record<string, string>> = {
  string: 'text',
  number: 'a number',
  int: 'a whole number',
  boolean: 'true or false',
  object: 'a map (key: value)',
  record: 'a map (key: value)',
  array: 'a list',
  tuple: 'a list',
};

function toPath(path: readonly PropertyKey[] | undefined): (string | number)[] {
  return (path ?? []).filter((s): s is string | number => typeof s === 'string' || typeof s === 'number');
}

/** "people[1].contact", for saying where something is. */
export function formatPath(path: Path): string {
  let out = '';
  for (const segment of path) out += typeof segment === 'number' ? `[${segment}]` : out === '' ? segment : `.${segment}`;
  return out;
}

/** "in the top level" or "in people[1]". */
function where(path: Path): string {
  return path.length === 0 ? 'in the top level' : `in ${formatPath(path)}`;
}

/** The key a value belongs to, for messages: the last map key on the path ("members" for members[2]). */
function keyOf(path: Path): string | undefined {
  for (let i = path.length - 1; i >= 0; i--) {
    const segment = path[i];
    if (typeof segment === 'string') return segment;
  }
  return undefined;
}

/**
 * Checks `value` against `schema` and returns one diagnostic per problem
 * (every problem, not the first), each at its node in `source`.
 */
export function schemaDiagnostics<S extends z.ZodType>(
  schema: S,
  value: unknown,
  source: Source,
): { data?: z.output<S>; diagnostics: Diagnostic[] } {
  // Allowed keys by object path: the issue itself only lists the unknown ones.
  const allowedKeys = new Map<string, string[]>();
  // Paths of missing keys, so a missing key explained by a misspelled one is reported once.
  const missingPaths = new Set<string>();
  const missing = (path: Path): string => {
    missingPaths.add(JSON.stringify(path));
    return `missing required key '${String(path[path.length - 1])}' ${where(path.slice(0, -1))}`;
  };

  const errorMap = (issue: z.core.$ZodRawIssue): string | undefined => {
    const path = toPath(issue.path);
    const key = keyOf(path);
    const input = issue.input;
    switch (issue.code) {
      case 'invalid_type': {
        if (input === undefined) return missing(path);
        const known = issue.inst === undefined ? undefined : EXPECTATIONS.get(issue.inst);
        const expected = known?.expect ?? TYPE_NAMES[issue.expected] ?? issue.expected;
        const written = source.text(path);
        const got = `expected ${expected}${key === undefined ? '' : ` for '${key}'`}, got ${show(input)}`;
        // YAML reads +15550100001, 0800 or true as numbers or booleans; quoted, the text may be just right.
        if (issue.expected === 'string' && (typeof input === 'number' || typeof input === 'boolean') && written !== undefined) {
          const asText = known?.parse?.(written);
          if (asText === undefined || asText.ok) return `${got}; quote it: "${written}"`;
          return asText.error;
        }
        if (
          (issue.expected === 'number' || issue.expected === 'int') &&
          typeof input === 'string' &&
          input.trim() !== '' &&
          !Number.isNaN(Number(input))
        ) {
          return `${got}; write the number without quotes`;
        }
        return got;
      }
      case 'invalid_value': {
        if (input === undefined) return missing(path);
        const values = issue.values.map((v) => String(v));
        return `bad ${key ?? 'value'} ${show(input)}: expected ${oneOf(values)}${typeof input === 'string' ? didYouMean(input, values) : ''}`;
      }
      case 'too_small': {
        const min = Number(issue.minimum);
        if (issue.origin === 'array') {
          return min === 1
            ? `'${key ?? 'list'}' is empty: it needs at least one entry`
            : `'${key ?? 'list'}' needs at least ${min} entries`;
        }
        if (issue.origin === 'string') return `'${key ?? 'value'}' must not be empty`;
        return `bad ${key ?? 'value'} ${show(input)}: must be ${issue.inclusive === true ? 'at least' : 'above'} ${min}`;
      }
      case 'too_big': {
        const max = Number(issue.maximum);
        if (issue.origin === 'array') return `'${key ?? 'list'}' has too many entries: at most ${max}`;
        return `bad ${key ?? 'value'} ${show(input)}: must be ${issue.inclusive === true ? 'at most' : 'below'} ${max}`;
      }
      case 'invalid_format':
        return `bad ${key ?? 'value'} ${show(input)}: expected text matching ${issue.pattern ?? issue.format}`;
      case 'unrecognized_keys': {
        const inst = issue.inst;
        if (inst instanceof z.ZodObject) allowedKeys.set(JSON.stringify(path), Object.keys(inst.shape));
        return 'unknown key';
      }
      case 'invalid_key':
        return issue.issues[0]?.message ?? `bad key ${key === undefined ? '' : `'${key}'`}`;
      case 'invalid_union': {
        if (input === undefined) return missing(path);
        const expected = (issue.inst === undefined ? undefined : EXPECTATIONS.get(issue.inst))?.expect ?? 'a different value';
        return `expected ${expected}, got ${show(input)}`;
      }
      default:
        return undefined;
    }
  };

  const diagnostics: Diagnostic[] = [];
  // "escalaton_policies" is both an unknown key and the reason escalation_policies is missing: say it once, as the typo.
  const misspelled = new Set<string>();
  const emit = (issue: z.core.$ZodIssue, prefix: Path): void => {
    const path = [...prefix, ...toPath(issue.path)];
    if (missingPaths.has(JSON.stringify(path)) && misspelled.has(JSON.stringify(path))) return;
    switch (issue.code) {
      case 'unrecognized_keys': {
        const allowed = allowedKeys.get(JSON.stringify(path)) ?? [];
        for (const key of issue.keys) {
          const suggestion = closest(key, allowed);
          let message = `unknown key '${key}' ${where(path)}`;
          if (suggestion !== undefined) message += `; did you mean '${suggestion}'?`;
          if (allowed.length > 0) message += `${suggestion === undefined ? ';' : ''} allowed: ${allowed.join(', ')}`;
          diagnostics.push(source.at([...path, key], message, 'key'));
        }
        return;
      }
      case 'invalid_key':
        diagnostics.push(source.at(path, issue.message, 'key'));
        return;
      case 'invalid_union': {
        // A union (e.g. days: "mon-fri" or [mon, fri]) failed: if exactly one
        // branch got past the type check, its problems are the real ones.
        const informative = issue.errors.filter((branch) => !branch.every((i) => i.code === 'invalid_type' && i.path.length === 0));
        const [only] = informative;
        if (informative.length === 1 && only !== undefined) {
          for (const inner of only) emit(inner, path);
          return;
        }
        diagnostics.push(source.at(path, issue.message));
        return;
      }
      default:
        diagnostics.push(source.at(path, issue.message));
    }
  };

  const result = schema.safeParse(value, { error: errorMap });
  if (result.success) return { data: result.data, diagnostics };
  for (const issue of result.error.issues) {
    if (issue.code !== 'unrecognized_keys') continue;
    const path = toPath(issue.path);
    for (const key of issue.keys) {
      const suggestion = closest(key, allowedKeys.get(JSON.stringify(path)) ?? []);
      if (suggestion !== undefined) misspelled.add(JSON.stringify([...path, suggestion]));
    }
  }
  for (const issue of result.error.issues) emit(issue, []);
  return { diagnostics };
}
