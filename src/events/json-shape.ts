/**
 * What any ingest body must be before a format reads it: JSON that every
 * store and every later step can hold. Three shapes once stalled the engine
 * or killed the process (issue 8): text the databases cannot store as given
 * (a lone UTF-16 surrogate, which the drivers turn into U+FFFD so the stored
 * dedup key differs from the one in memory; a NUL, which PostgreSQL refuses
 * in text), and nesting so deep that `JSON.stringify` or PostgreSQL's JSON
 * functions overflow their stacks.
 *
 * So every body is walked once: text is made storable (lone surrogates and
 * NUL become U+FFFD, the replacement character, visibly marking where the
 * sender's text was broken; the alert is still accepted, since a pager must
 * not drop an alert over one bad byte), and a body nested deeper than
 * {@link JSON_LIMITS.depth} levels or with more than
 * {@link JSON_LIMITS.members} keys and array items in all is refused with the
 * limit named.
 */
export const JSON_LIMITS = {
  /** Levels of objects and arrays, the body itself being level 1. */
  depth: 32,
  /** Object keys plus array items in the whole body. */
  members: 100_000,
} as const;

class Refused extends Error {}

export type ShapeResult = { ok: true; value: unknown } | { ok: false; error: string };

const REPLACEMENT = '\uFFFD';

/** Any surrogate or NUL: most text has neither, and then one scan decides. */
// eslint-disable-next-line no-control-regex -- NUL is exactly what this looks for
const SUSPECT = /[\u0000\uD800-\uDFFF]/;

/** Text every store can hold unchanged: lone surrogates and NUL become U+FFFD. */
export function storableText(s: string): string {
  if (!SUSPECT.test(s) || (s.isWellFormed() && !s.includes('\u0000'))) return s;
  return s.toWellFormed().replaceAll('\u0000', REPLACEMENT);
}

/** Whether storableText would change the string (for field errors that name the problem). */
export function isStorableText(s: string): boolean {
  return s.isWellFormed() && !s.includes('\u0000');
}

function pathText(path: readonly (string | number)[]): string {
  const shown = path
    .slice(0, 6)
    .map((p) => (typeof p === 'number' ? `[${p}]` : `.${p}`))
    .join('');
  const text = shown.startsWith('.') ? shown.slice(1) : shown;
  return path.length > 6 ? `${text}…` : text || '(the body)';
}

/**
 * Checks the limits and returns the body with storable text (the same object
 * when nothing needed changing, so the common case allocates nothing).
 */
export function normalizeJson(value: unknown, limits: { depth: number; members: number } = JSON_LIMITS): ShapeResult {
  let members = 0;
  const path: Array<string | number> = [];

  const walk = (v: unknown, depth: number): unknown => {
    if (typeof v === 'string') return storableText(v);
    if (typeof v !== 'object' || v === null) return v;
    if (depth > limits.depth) {
      throw new Refused(`'${pathText(path.slice(0, -1))}' is nested deeper than the limit of ${limits.depth} levels of objects and arrays`);
    }
    if (Array.isArray(v)) {
      members += v.length;
      if (members > limits.members) throw new Refused(`the body has more than the limit of ${limits.members} keys and array items in all`);
      let out: unknown[] | undefined;
      for (let i = 0; i < v.length; i++) {
        path.push(i);
        const item = walk(v[i], depth + 1);
        path.pop();
        if (item !== v[i]) (out ??= v.slice())[i] = item;
      }
      return out ?? v;
    }
    const entries = Object.keys(v);
    members += entries.length;
    if (members > limits.members) throw new Refused(`the body has more than the limit of ${limits.members} keys and array items in all`);
    let out: Record<string, unknown> | undefined;
    const obj = v as Record<string, unknown>;
    for (let i = 0; i < entries.length; i++) {
      const key = entries[i] as string;
      path.push(key);
      const item = walk(obj[key], depth + 1);
      path.pop();
      const storedKey = storableText(key);
      if (out === undefined && (item !== obj[key] || storedKey !== key)) {
        out = {};
        for (let j = 0; j < i; j++)
          Object.defineProperty(out, entries[j] as string, {
            value: obj[entries[j] as string],
            enumerable: true,
            writable: true,
            configurable: true,
          });
      }
      // defineProperty: a sender's "__proto__" key stays a plain key.
      if (out !== undefined) Object.defineProperty(out, storedKey, { value: item, enumerable: true, writable: true, configurable: true });
    }
    return out ?? v;
  };

  try {
    return { ok: true, value: walk(value, 1) };
  } catch (err) {
    if (err instanceof Refused) return { ok: false, error: err.message };
    throw err;
  }
}

/** How many levels of objects and arrays a value nests (stops counting past `limit`). */
export function jsonDepth(value: unknown, limit = JSON_LIMITS.depth): number {
  let max = 0;
  const stack: Array<[unknown, number]> = [[value, 1]];
  while (stack.length > 0) {
    const [v, d] = stack.pop() as [unknown, number];
    if (typeof v !== 'object' || v === null) continue;
    if (d > max) max = d;
    if (max > limit) return max;
    for (const child of Array.isArray(v) ? v : Object.values(v)) stack.push([child, d + 1]);
  }
  return max;
}
