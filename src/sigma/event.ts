/**
 * An event as the compiled rules read it. Field values are resolved once per
 * event and shared by every rule that looks at the field (with their
 * lower-cased forms, made on first use), so matching one event through
 * hundreds of rules does the lookups and case-folding once.
 */

/** A field of the event as the matchers see it. */
export class FieldValue {
  /** Whether the key is in the event at all (even with null). */
  readonly present: boolean;
  /** Whether the value is null (or the field is absent). */
  readonly isNull: boolean;
  /** Scalar values: the value itself, or each scalar element of a list (nested lists flattened). */
  readonly values: readonly unknown[];
  /** Text forms of the string, number and boolean values. */
  readonly strings: readonly string[];
  #lower: readonly string[] | undefined;

  constructor(present: boolean, raw: unknown) {
    this.present = present;
    this.isNull = raw === null || raw === undefined;
    // The common case, one text, number or boolean, without the general walk.
    if (typeof raw === 'string' || typeof raw === 'number' || typeof raw === 'boolean') {
      this.values = [raw];
      this.strings = [typeof raw === 'string' ? raw : String(raw)];
      return;
    }
    const values: unknown[] = [];
    collectScalars(raw, values, 0);
    this.values = values;
    this.strings = values.flatMap((v) =>
      typeof v === 'string' ? [v] : typeof v === 'number' || typeof v === 'boolean' ? [String(v)] : [],
    );
  }

  /** The text forms lower-cased (for case-insensitive matching). */
  lower(): readonly string[] {
    this.#lower ??= this.strings.map((s) => s.toLowerCase());
    return this.#lower;
  }
}

const MAX_DEPTH = 32;

function collectScalars(raw: unknown, out: unknown[], depth: number): void {
  if (Array.isArray(raw)) {
    if (depth < MAX_DEPTH) for (const item of raw as unknown[]) collectScalars(item, out, depth + 1);
  } else if (raw !== null && raw !== undefined && typeof raw !== 'object') out.push(raw);
}

const ABSENT = new FieldValue(false, undefined);

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/**
 * For a dotted name, the keys to try at each depth: from segment i, the
 * joins of segments i..j, longest first (so a literal key with dots wins).
 * Worked out once per name: the names come from the rules.
 */
const PATHS = new Map<string, readonly (readonly (readonly [key: string, next: number])[])[]>();

function pathsOf(name: string): readonly (readonly (readonly [string, number])[])[] {
  let paths = PATHS.get(name);
  if (paths === undefined) {
    const segments = name.split('.');
    paths = segments.map((_, from) => {
      const keys: (readonly [string, number])[] = [];
      for (let to = segments.length; to > from; to--) keys.push([segments.slice(from, to).join('.'), to]);
      return keys;
    });
    if (PATHS.size < 100_000) PATHS.set(name, paths);
  }
  return paths;
}

/**
 * The value at a field name: the key itself when the event has it (a literal
 * key with dots), else the dotted path through nested objects, trying the
 * longest literal key first at each level; lists on the way are searched
 * element by element.
 */
function resolve(value: unknown, paths: ReturnType<typeof pathsOf>, from: number, found: unknown[], depth: number): void {
  if (from === paths.length) {
    found.push(value);
    return;
  }
  if (depth > MAX_DEPTH) return;
  if (Array.isArray(value)) {
    for (const item of value as unknown[]) resolve(item, paths, from, found, depth + 1);
    return;
  }
  if (!isRecord(value)) return;
  for (const [key, next] of paths[from] ?? []) {
    if (Object.hasOwn(value, key)) {
      resolve(value[key], paths, next, found, depth + 1);
      return;
    }
  }
}

/** Every string (and number) value in the event, nested ones too: what keyword searches look at. */
function keywordValue(event: unknown): FieldValue {
  const strings: unknown[] = [];
  const walk = (value: unknown, depth: number): void => {
    if (depth > MAX_DEPTH) return;
    if (typeof value === 'string' || typeof value === 'number') strings.push(value);
    else if (Array.isArray(value)) for (const item of value as unknown[]) walk(item, depth + 1);
    else if (isRecord(value)) for (const key of Object.keys(value)) walk(value[key], depth + 1);
  };
  walk(event, 0);
  return new FieldValue(true, strings);
}

/** One event, with its field values cached for the rules that read them. */
export class EventView {
  readonly event: Readonly<Record<string, unknown>>;
  #fields: Map<string, FieldValue> | undefined;
  #keywords: FieldValue | undefined;

  constructor(event: Readonly<Record<string, unknown>>) {
    this.event = event;
  }

  /** The field's value (absent when the event has no such key or path). */
  field(name: string): FieldValue {
    this.#fields ??= new Map();
    let value = this.#fields.get(name);
    if (value === undefined) {
      value = this.#resolve(name);
      this.#fields.set(name, value);
    }
    return value;
  }

  /** All the event's string and number values, for keyword searches. */
  keywords(): FieldValue {
    this.#keywords ??= keywordValue(this.event);
    return this.#keywords;
  }

  #resolve(name: string): FieldValue {
    if (Object.hasOwn(this.event, name)) return new FieldValue(true, this.event[name]);
    if (!name.includes('.')) return ABSENT;
    const found: unknown[] = [];
    resolve(this.event, pathsOf(name), 0, found, 0);
    if (found.length === 0) return ABSENT;
    return new FieldValue(true, found.length === 1 ? found[0] : found);
  }
}
